#!/usr/bin/env node
/**
 * `npm start`: brings the whole CI up on this machine. Reuses the Docker engine, NATS and registry
 * when they answer, starts the missing ones, then runs the services (github-status only with a
 * GitHub token) with their output prefixed on the console and kept in .slipway/logs, and the pid
 * of each process it runs in .slipway/run/<name>.pid. Ctrl-C stops the services, then only the
 * infrastructure this launcher started.
 */
import { join } from "node:path";
import { ensureDockerEngine } from "../infra/docker.js";
import { ensureNatsServer } from "../infra/nats.js";
import { ensureRegistryServer } from "../infra/registry.js";
import { InfraKeeper } from "./infra-keeper.js";
import { launcherPidFiles } from "./pid-files.js";
import { humanLine, prefixLine } from "../lines.js";
import { repoRoot, serviceBuildProblem, serviceEntry } from "../paths.js";
import { launcherConfig, serviceProcesses, type LauncherConfig } from "./config.js";
import { Supervised } from "./supervisor.js";
import { printSummary, type InfraState } from "./summary.js";

const say = (message: string) => console.log(`[slipway] ${message}`);

/** Infrastructure we started, stopped in reverse order at the end. */
type Started = { name: string; stop(): Promise<void> };

async function main(): Promise<void> {
  let config: LauncherConfig;
  try {
    config = launcherConfig();
  } catch (err) {
    say(`configuration error: ${(err as Error).message}`);
    process.exit(1);
  }
  const root = repoRoot();
  const state = (...parts: string[]) => join(config.stateDir, ...parts);
  const processes = serviceProcesses(config);
  const pidFiles = launcherPidFiles(config.stateDir);
  /** Keeps `run/<name>.pid` naming the NATS server or registry we started, as long as it runs. */
  const withPidFile = <T extends { pid: number | null; exited: Promise<void> | null }>(name: string, server: T): T => {
    const { pid, exited } = server;
    if (pid !== null && exited !== null) {
      pidFiles.write(name, pid);
      void exited.then(() => pidFiles.remove(name, pid));
    }
    return server;
  };
  const unbuilt = [...new Set(processes.map((p) => p.service))].flatMap((s) => {
    const problem = serviceBuildProblem(s);
    return problem === null ? [] : [{ service: s, problem }];
  });
  if (unbuilt.length > 0) {
    for (const { service, problem } of unbuilt) say(`${service} is not built: ${problem}`);
    say("build the workspace first (`pnpm run build`, or `npm start` runs scripts/bootstrap.sh which does it)");
    process.exit(1);
  }

  const infra: Started[] = [];
  const services: Supervised[] = [];
  let stopping = false;
  let step: Promise<unknown> = Promise.resolve();

  const teardown = async (): Promise<void> => {
    await Promise.all(services.map((s) => s.stop()));
    await step.catch(() => {}); // an infra start in progress registers itself before we stop infra
    for (const part of [...infra].reverse()) {
      say(`stopping ${part.name} (started by this launcher)`);
      await part.stop().catch((err: unknown) => say(`stopping ${part.name} failed: ${(err as Error).message}`));
    }
  };
  let firstSignalAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    // npm may forward the terminal's Ctrl-C that reached us too: a repeat within a second is that echo.
    if (stopping && Date.now() - firstSignalAt < 1000) return;
    if (stopping) {
      say(`${signal} again: killing the services`);
      services.forEach((s) => s.kill());
      process.exit(1);
    }
    stopping = true;
    firstSignalAt = Date.now();
    say(`${signal}: stopping the services (again to kill them)`);
    void teardown().then(() => {
      say("stopped");
      process.exit(0);
    });
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  // Last resort if we die on an exception: never leave services running without their launcher.
  process.on("exit", () => services.forEach((s) => s.kill()));

  /** Tracks the startup step in progress, so a stop waits for what it may still start. */
  const run = async <T>(promise: Promise<T>): Promise<T> => {
    step = promise;
    return promise;
  };

  try {
    const started: InfraState = { docker: false, nats: false, registry: false };
    say("Docker engine: checking");
    const docker = await run(ensureDockerEngine({ logFile: state("dockerd.log"), onProgress: (m) => say(`Docker engine: ${m}`) }));
    if (docker.started) infra.push({ name: "dockerd", stop: docker.stop });
    started.docker = docker.started;
    if (stopping) return;

    const { host, port } = config.nats;
    say(`NATS: checking ${host}:${port}`);
    const startNats = async () => withPidFile("nats-server", await ensureNatsServer({ host, port, storeDir: state("nats"), logFile: state("nats.log") }));
    const nats = await run(startNats());
    if (nats.started) {
      const kept = new InfraKeeper("nats-server", nats, startNats, say);
      infra.push({ name: "nats-server", stop: () => kept.stop() });
    }
    started.nats = nats.started;
    say(nats.started ? `NATS: started nats-server at ${nats.url} (log ${state("nats.log")})` : `NATS: something listens at ${host}:${port}, reusing it`);
    if (stopping) return;

    say(`registry: checking http://${config.registryAddress}/v2/`);
    const startRegistry = async () =>
      withPidFile(
        "registry",
        await ensureRegistryServer({
          address: config.registryAddress,
          configFile: state("registry", "config.yml"),
          dataDir: state("registry", "data"),
          logFile: state("registry.log"),
        }),
      );
    const registry = await run(startRegistry());
    if (registry.started) {
      const kept = new InfraKeeper("registry", registry, startRegistry, say);
      infra.push({ name: "registry", stop: () => kept.stop() });
    }
    started.registry = registry.started;
    say(registry.started ? `registry: started at ${registry.url} (log ${state("registry.log")})` : `registry: answers at ${registry.url}, reusing it`);
    if (stopping) return;

    const width = Math.max(...processes.map((p) => p.name.length));
    for (const { name, service } of processes) {
      services.push(
        new Supervised({
          name,
          entry: serviceEntry(service),
          env: config.serviceEnv,
          cwd: root,
          logFile: state("logs", `${name}.log`),
          onLine: (line) => console.log(prefixLine(name, humanLine(line), width)),
          say,
          pidFiles,
        }),
      );
    }
    say(`starting ${processes.map((p) => p.name).join(", ")}`);
    await run(Promise.all(services.map((s) => s.start())));
    if (stopping) return;
    printSummary(config, started, {
      root,
      serviceLogs: state("logs"),
      pids: Object.fromEntries(processes.map((p, i) => [p.name, services[i]?.pid])),
    });
  } catch (err) {
    if (stopping) return; // a stop during startup makes its steps fail; that is not news
    stopping = true;
    say(`could not start: ${(err as Error).message}`);
    await teardown();
    process.exit(1);
  }
}

void main();
