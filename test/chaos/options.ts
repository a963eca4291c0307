/** What a chaos run does: how much load, which faults, how long it may take to settle. */
export type ChaosOptions = {
  /** Webhooks sent, each a new commit to one of the fixture repos. */
  webhooks: number;
  /** Window over which the webhooks are spread and the faults happen. */
  loadSeconds: number;
  /** kill -9 of each service process (ingress, git-sync, every builder, projector) in the window. */
  killsPerService: number;
  /** kill -9 of nats-server (the launcher starts it again on its data). */
  natsKills: number;
  /** The registry hangs this long (SIGSTOP, then SIGCONT); 0: no registry fault. */
  registryStopSeconds: number;
  /** SLIPWAY_BUILDERS: builder processes the launcher runs. */
  builders: number;
  /**
   * SLIPWAY_BUILD_ACK_WAIT_SECONDS: a killed builder's job moves to another builder after this
   * long. The product default is 15 s; the short run uses less to stay short.
   */
  buildAckWaitSeconds: number;
  /** After the last webhook, how long the system may take to finish everything it accepted. */
  settleTimeoutSeconds: number;
  /** Seeds the schedule (webhook times, repos, fault moments), so a run can be repeated. */
  seed: number;
  /** Keep the run's folder (launcher and service logs, NATS and registry data) for a look after. */
  keepState: boolean;
  /** Progress lines; the report is returned, not printed. */
  log: (line: string) => void;
};

/** `npm run chaos`: the long run, product defaults but for the load and faults. */
export function longRun(): ChaosOptions {
  return {
    webhooks: 100,
    loadSeconds: 150,
    killsPerService: 2,
    natsKills: 1,
    registryStopSeconds: 20,
    builders: 2,
    buildAckWaitSeconds: 15,
    settleTimeoutSeconds: 600,
    seed: Math.floor(Math.random() * 2 ** 31),
    keepState: false,
    log: (line) => console.log(line),
  };
}

/** `npm test`'s run: 20 webhooks, one kill per service, the same NATS and registry faults. */
export function shortRun(): ChaosOptions {
  return { ...longRun(), webhooks: 20, loadSeconds: 40, killsPerService: 1, buildAckWaitSeconds: 5, settleTimeoutSeconds: 300 };
}
