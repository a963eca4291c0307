import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { userInfo, tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, spawnChild } from "@slipway/test-kit";

/**
 * A private OpenSSH server on 127.0.0.1 for one test file: its own host key, config and
 * authorized key, never the system's sshd or port 22. The key may only run git's read side
 * (`git-shell`, no pty, no forwarding). `npm test`'s bootstrap installs openssh-server.
 */
export type PrivateSshd = {
  port: number;
  /** The user to log in as (the one running the test). */
  user: string;
  /** The known_hosts line of its host key: `[127.0.0.1]:<port> ssh-ed25519 AAAA...`. */
  knownHostsLine: string;
  /** Everything sshd logged (`-e`): accepted keys, refused connections. */
  output(): string;
  stop(): Promise<void>;
};

/** A fresh ed25519 key pair without passphrase: private key text and `.pub` line. */
export function newSshKey(dir: string, name: string): { privateKey: string; publicKey: string; file: string } {
  const file = join(dir, name);
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", file]);
  return { privateKey: readFileSync(file, "utf8"), publicKey: readFileSync(`${file}.pub`, "utf8").trim(), file };
}

export function sshdBinary(): string | null {
  return ["/usr/sbin/sshd", "/usr/local/sbin/sshd"].find((p) => existsSync(p)) ?? null;
}

export async function startPrivateSshd(authorizedPublicKey: string): Promise<PrivateSshd> {
  const sshd = sshdBinary();
  if (!sshd) throw new Error("sshd not found: install openssh-server (scripts/bootstrap.sh does with SLIPWAY_BOOTSTRAP_TEST_TOOLS=1, as npm test runs it)");
  const dir = mkdtempSync(join(tmpdir(), "slipway-sshd-"));
  const hostKey = newSshKey(dir, "host_ed25519");
  writeFileSync(join(dir, "authorized_keys"), `restrict,command="git-shell -c \\"$SSH_ORIGINAL_COMMAND\\"" ${authorizedPublicKey}\n`, { mode: 0o600 });
  // sshd started as root checks for its privilege separation folder, which the package's service would make.
  if (process.getuid?.() === 0) mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  const port = await freePort();
  const config = join(dir, "sshd_config");
  writeFileSync(
    config,
    [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${hostKey.file}`,
      `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
      // The temp folders are not laid out as a home's .ssh; the keys are ours.
      "StrictModes no",
      "PidFile none",
      "UsePAM no",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "PermitRootLogin prohibit-password",
      `AllowUsers ${userInfo().username}`,
      "LogLevel VERBOSE",
      "",
    ].join("\n"),
  );
  const child = spawnChild({ name: "sshd", command: sshd, args: ["-D", "-e", "-f", config], env: { PATH: process.env.PATH ?? "/usr/bin:/bin" } });
  try {
    await child.waitForLine((line) => line.includes(`Server listening on 127.0.0.1 port ${port}`), 10_000);
  } catch (err) {
    await child.stop(2_000);
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`sshd did not start: ${String(err)}\n${child.output()}`);
  }
  const [type, key] = hostKey.publicKey.split(/\s+/);
  return {
    port,
    user: userInfo().username,
    knownHostsLine: `[127.0.0.1]:${port} ${type} ${key}`,
    output: child.output,
    stop: async () => {
      await child.stop(5_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
