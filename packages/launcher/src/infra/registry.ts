import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { spawnDaemon, stopPid } from "../processes.js";
import { httpStatus, waitUntil } from "../net.js";
import { findBinary } from "../binaries.js";
import { tailOf } from "./log-tail.js";

/** A registry we push to: reused when one answered, else started by us. */
export type RegistryServer = {
  started: boolean;
  /** host:port */
  address: string;
  url: string;
  /** The server's pid when we started it. */
  pid: number | null;
  /** Settles when the registry we started exits, however; null when it was reused. */
  exited: Promise<void> | null;
  stop(): Promise<void>;
};

export type EnsureRegistryOptions = {
  /** host:port to listen on, e.g. 127.0.0.1:5500. */
  address: string;
  configFile: string;
  dataDir: string;
  logFile: string;
  timeoutMs?: number;
};

/** The config of a registry we start: listens on `address`, stores on disk, no auth. */
export function registryConfig(address: string, dataDir: string): string {
  return [
    "version: 0.1",
    "log:",
    "  level: info",
    "storage:",
    "  filesystem:",
    `    rootdirectory: ${JSON.stringify(dataDir)}`,
    "  delete:",
    "    enabled: true",
    "http:",
    `  addr: ${JSON.stringify(address)}`,
    "",
  ].join("\n");
}

/**
 * Reuses a registry that answers GET /v2/ at `address`, else starts Debian's `docker-registry`
 * (or a `registry` binary) with a config written next to its data, and waits for /v2/.
 */
export async function ensureRegistryServer(o: EnsureRegistryOptions): Promise<RegistryServer> {
  const url = `http://${o.address}`;
  if ((await httpStatus(`${url}/v2/`)) !== null) return { started: false, address: o.address, url, pid: null, exited: null, stop: async () => {} };
  const binary = findBinary("docker-registry") ?? findBinary("registry");
  if (!binary) throw new Error("docker-registry not found on PATH: run scripts/bootstrap.sh (apt-get install docker-registry)");
  mkdirSync(o.dataDir, { recursive: true });
  mkdirSync(dirname(o.configFile), { recursive: true });
  writeFileSync(o.configFile, registryConfig(o.address, o.dataDir));
  const proc = spawnDaemon(binary, ["serve", o.configFile], o.logFile);
  let exited = false;
  const gone = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  proc.once("exit", () => (exited = true));
  const pid = proc.pid;
  const stop = async () => {
    if (pid !== undefined) await stopPid(pid, 20_000);
  };
  try {
    await waitUntil(
      async () => {
        if (exited) throw new Error(`${binary} exited at start; last lines of ${o.logFile}:\n${tailOf(o.logFile)}`);
        return (await httpStatus(`${url}/v2/`)) === 200;
      },
      o.timeoutMs ?? 30_000,
      "registry",
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { started: true, address: o.address, url, pid: pid ?? null, exited: gone, stop };
}
