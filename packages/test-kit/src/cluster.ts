import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ChildProcess } from "node:child_process";
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { findBinary, freePort, spawnDaemon, stopPid, tailOf, waitUntil } from "@slipway/launcher";

/** One server of a test cluster; `kill` and `start` act on it alone, on its own store. */
export type ClusterNode = {
  name: string;
  url: string;
  running(): boolean;
  /** kill -9. */
  kill(): Promise<void>;
  /** Starts it again on the same store, ports and routes. */
  start(): Promise<void>;
};

/** A JetStream cluster of native nats-servers on loopback, for one test file. */
export type TestCluster = {
  nodes: ClusterNode[];
  /** All client URLs, comma-separated, as SLIPWAY_NATS_URL takes them. */
  urls: string;
  stop(): Promise<void>;
};

/**
 * Starts `size` nats-servers (JetStream on, each with its own store) routed to each other, and
 * waits until the cluster has a JetStream meta leader, i.e. until streams can be created.
 */
export async function startTestCluster(size = 3): Promise<TestCluster> {
  const binary = findBinary("nats-server");
  if (!binary) throw new Error("nats-server not found on PATH: run scripts/bootstrap.sh (apt-get install nats-server)");
  const root = mkdtempSync(join(tmpdir(), "slipway-cluster-"));
  // One after the other, and all different: the OS may hand the same free port to two asks.
  const free = new Set<number>();
  while (free.size < size * 2) free.add(await freePort());
  const list = [...free];
  const ports = Array.from({ length: size }, (_, i) => ({ client: list[2 * i]!, route: list[2 * i + 1]! }));
  const routes = ports.map((p) => `nats://127.0.0.1:${p.route}`).join(",");
  const nodes = ports.map((p, i): ClusterNode & { proc?: ChildProcess } => {
    const name = `n${i + 1}`;
    const store = join(root, name);
    mkdirSync(store, { recursive: true });
    const args = ["-js", "-a", "127.0.0.1", "-p", String(p.client), "-sd", store, "-n", name, "--cluster_name", "slipway-test", "--cluster", `nats://127.0.0.1:${p.route}`, "--routes", routes];
    const node: ClusterNode & { proc?: ChildProcess } = {
      name,
      url: `nats://127.0.0.1:${p.client}`,
      running: () => node.proc !== undefined && node.proc.exitCode === null && node.proc.signalCode === null,
      kill: async () => {
        const proc = node.proc;
        if (!proc || !node.running()) return;
        const gone = new Promise((resolve) => proc.once("exit", resolve));
        proc.kill("SIGKILL");
        await gone;
      },
      start: async () => {
        node.proc = spawnDaemon(binary, args, join(root, `${name}.log`));
      },
    };
    return node;
  });
  const urls = nodes.map((n) => n.url).join(",");
  const stop = async () => {
    for (const node of nodes) if (node.proc?.pid !== undefined && node.running()) await stopPid(node.proc.pid, 10_000);
    rmSync(root, { recursive: true, force: true });
  };
  try {
    for (const node of nodes) await node.start();
    await waitUntil(() => jetStreamAnswers(urls), 30_000, "NATS cluster (JetStream meta leader)");
  } catch (err) {
    const logs = nodes.map((n) => `${n.name}:\n${tailOf(join(root, `${n.name}.log`))}`).join("\n");
    await stop();
    throw new Error(`${(err as Error).message}; the servers' last lines:\n${logs}`, { cause: err });
  }
  return { nodes, urls, stop };
}

/** Whether the cluster answers a JetStream API call (it can't before it has elected a meta leader). */
async function jetStreamAnswers(servers: string): Promise<boolean> {
  const nc = await connect({ servers: servers.split(","), timeout: 1_000 }).catch(() => null);
  if (!nc) return false;
  try {
    await (await jetstreamManager(nc, { timeout: 1_000 })).getAccountInfo();
    return true;
  } catch {
    return false;
  } finally {
    await nc.close();
  }
}

