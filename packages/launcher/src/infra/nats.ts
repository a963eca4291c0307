import { mkdirSync } from "node:fs";
import { spawnDaemon, stopPid } from "../processes.js";
import { tcpReachable, waitUntil } from "../net.js";
import { findBinary } from "../binaries.js";
import { tailOf } from "./log-tail.js";

/** A NATS server we use: reused when something listened already, else started by us. */
export type NatsServer = {
  started: boolean;
  url: string;
  /** The server's pid when we started it. */
  pid: number | null;
  /** Settles when the server we started exits, however; null when it was reused. */
  exited: Promise<void> | null;
  stop(): Promise<void>;
};

export type EnsureNatsOptions = {
  host: string;
  port: number;
  /** JetStream store of a server we start. */
  storeDir: string;
  logFile: string;
  timeoutMs?: number;
};

/**
 * Reuses whatever accepts connections at host:port (a NATS we or someone started before), else
 * starts `nats-server -js` there with its store in `storeDir` and waits until it accepts.
 */
export async function ensureNatsServer(o: EnsureNatsOptions): Promise<NatsServer> {
  const url = `nats://${o.host}:${o.port}`;
  if (await tcpReachable(o.host, o.port)) return { started: false, url, pid: null, exited: null, stop: async () => {} };
  const binary = findBinary("nats-server");
  if (!binary) throw new Error("nats-server not found on PATH: run scripts/bootstrap.sh (apt-get install nats-server)");
  mkdirSync(o.storeDir, { recursive: true });
  const proc = spawnDaemon(binary, ["-js", "-a", o.host, "-p", String(o.port), "-sd", o.storeDir], o.logFile);
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
        if (exited) throw new Error(`nats-server exited at start; last lines of ${o.logFile}:\n${tailOf(o.logFile)}`);
        return tcpReachable(o.host, o.port);
      },
      o.timeoutMs ?? 30_000,
      "nats-server",
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { started: true, url, pid: pid ?? null, exited: gone, stop };
}
