import { join } from "node:path";

/**
 * The environment of a projector a test starts: on loopback at `port`, its view under
 * `<dir>/data` and its logs under `<dir>/logs`, with `token` as its API token (none when omitted).
 */
export function projectorEnv(o: { natsUrl: string; port: number; dir: string; token?: string }): Record<string, string> {
  return {
    SLIPWAY_NATS_URL: o.natsUrl,
    SLIPWAY_API_TOKEN: o.token ?? "",
    SLIPWAY_PROJECTOR_HOST: "127.0.0.1",
    SLIPWAY_PROJECTOR_PORT: String(o.port),
    SLIPWAY_PROJECTOR_DATA: join(o.dir, "data"),
    SLIPWAY_LOGS_DIR: join(o.dir, "logs"),
  };
}
