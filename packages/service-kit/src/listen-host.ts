import { ConfigError } from "@slipway/events";
import { bool, str, type Env } from "./env.js";

/** Loopback addresses: only this host can reach them. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127(?:\.\d{1,3}){3}$/.test(host);
}

export type GuardedHostOptions = {
  /** The variable naming the address, e.g. `SLIPWAY_INGRESS_HOST`. */
  hostVar: string;
  /** Whether the credential that protects the service is configured. */
  secured: boolean;
  /** The credential's variable, for the message, e.g. `SLIPWAY_WEBHOOK_SECRET`. */
  secretVar: string;
  /** The setting that allows another address without the credential, e.g. `SLIPWAY_INGRESS_INSECURE_NO_SECRET`. */
  insecureVar: string;
  /** What anyone reaching the port could do, for the message. */
  risk: string;
};

export type GuardedHost = {
  host: string;
  /** Listening beyond loopback without the credential, because `insecureVar` said so. */
  insecure: boolean;
};

/**
 * Where a service that wants a credential listens ("safe by default"): every address with the
 * credential, 127.0.0.1 without it. Another address without the credential stops the start
 * unless the insecure setting says the network is trusted: a reachable port must not quietly
 * answer anyone.
 */
export function guardedListenHost(env: Env, o: GuardedHostOptions): GuardedHost {
  const host = str(env, o.hostVar, o.secured ? "0.0.0.0" : "127.0.0.1");
  if (o.secured || isLoopback(host)) return { host, insecure: false };
  if (!bool(env, o.insecureVar, false)) {
    throw new ConfigError(
      `${o.hostVar}=${host} without ${o.secretVar}: ${o.risk}. ` +
        `Set ${o.secretVar} (or _FILE), listen on 127.0.0.1, or set ${o.insecureVar}=true on a network you trust.`,
    );
  }
  return { host, insecure: true };
}
