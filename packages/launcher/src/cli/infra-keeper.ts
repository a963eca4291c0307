import { HEALTHY_RUN_MS, restartDelayMs } from "./backoff.js";

/** A piece of infrastructure the launcher started: it settles `exited` when it dies. */
export type KeptInfra = { exited: Promise<void> | null; stop(): Promise<void> };

/**
 * Keeps NATS or the registry that the launcher started running, as `Supervised` keeps the
 * services: when it dies it is started again, on the same data folder (streams, images kept),
 * after the same backoff, and the launcher says so. The services reconnect by themselves.
 */
export class InfraKeeper {
  private stopping = false;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly name: string,
    private current: KeptInfra,
    private readonly start: () => Promise<KeptInfra>,
    private readonly say: (message: string) => void,
  ) {
    this.watch(current, Date.now());
  }

  /** Stops it for good (no restart after this). */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.current.stop();
  }

  private watch(part: KeptInfra, startedAt: number): void {
    void part.exited?.then(() => {
      if (this.stopping || this.current !== part) return;
      this.failures = Date.now() - startedAt > HEALTHY_RUN_MS ? 1 : this.failures + 1;
      const delay = restartDelayMs(this.failures);
      this.say(`${this.name} exited unexpectedly; starting it again in ${delay / 1000} s (its data is kept)`);
      this.timer = setTimeout(() => void this.restart(), delay);
    });
  }

  private async restart(): Promise<void> {
    if (this.stopping) return;
    try {
      const next = await this.start();
      if (this.stopping) {
        await next.stop();
        return;
      }
      this.current = next;
      this.watch(next, Date.now());
      this.say(next.exited === null ? `${this.name}: something else answers at its address now, using it` : `${this.name} is running again`);
    } catch (err) {
      this.failures++;
      const delay = restartDelayMs(this.failures);
      this.say(`${this.name} did not start again (${(err as Error).message.split("\n")[0]}); next try in ${delay / 1000} s`);
      this.timer = setTimeout(() => void this.restart(), delay);
    }
  }
}
