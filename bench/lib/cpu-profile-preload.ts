/**
 * Preloaded into a service (`NODE_OPTIONS=--import <this file>`; Node refuses `--cpu-prof` there):
 * records a V8 CPU profile of the whole process and writes it at exit to
 * `$BENCH_CPU_PROF_DIR/<name>-<pid>.cpuprofile`, to open in Chrome DevTools or speedscope.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { join } from "node:path";

const dir = process.env.BENCH_CPU_PROF_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post("Profiler.enable");
  session.post("Profiler.setSamplingInterval", { interval: 500 });
  session.post("Profiler.start");
  // An in-process session answers synchronously, so this completes inside the exit handler.
  process.once("exit", () => {
    session.post("Profiler.stop", (err, result) => {
      if (err) return;
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${process.env.BENCH_CPU_PROF_NAME ?? "process"}-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
