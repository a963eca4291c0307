/**
 * Preloaded into a service (`NODE_OPTIONS=--import <this file>`; Node refuses `--cpu-prof` there):
 * records a V8 CPU profile of the process's main thread, and of each worker thread it starts, and
 * writes each when it exits, to `$BENCH_CPU_PROF_DIR/<name>-<pid>[-thread<id>].cpuprofile`, to open
 * in Chrome DevTools or speedscope (a worker ended by `terminate()` runs no exit handler and writes
 * none). Plain JavaScript: worker threads inherit the preload but not a TypeScript loader
 * registered on the main thread (with a `.ts` preload the replay's writer thread failed to start).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { join } from "node:path";
import { isMainThread, threadId } from "node:worker_threads";

const dir = process.env.BENCH_CPU_PROF_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post("Profiler.enable");
  session.post("Profiler.setSamplingInterval", { interval: 500 });
  session.post("Profiler.start");
  const file = `${process.env.BENCH_CPU_PROF_NAME ?? "process"}-${process.pid}${isMainThread ? "" : `-thread${threadId}`}.cpuprofile`;
  // An in-process session answers synchronously, so this completes inside the exit handler.
  process.once("exit", () => {
    session.post("Profiler.stop", (err, result) => {
      if (err) return;
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, file), JSON.stringify(result.profile));
    });
  });
}
