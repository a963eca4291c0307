#!/usr/bin/env bash
# Makes a fresh Debian/Ubuntu machine ready to run and test slipway, and does nothing slow when it
# already is: system packages (Docker engine, NATS, registry, git, static busybox) from apt, pnpm 10,
# the workspace's dependencies and its build. Run as root, or as a user with sudo.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PNPM_VERSION="10.34.8"

say() { printf '[bootstrap] %s\n' "$*"; }
die() { printf '[bootstrap] error: %s\n' "$*" >&2; exit 1; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
fi
as_root() {
  if [ "$(id -u)" -eq 0 ] || [ -n "$SUDO" ]; then $SUDO "$@"; else die "need root or sudo for: $*"; fi
}

# --- system packages: only the missing ones -------------------------------------------------------
missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)  # a docker CLI alone is not an engine
command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ] || missing+=(nats-server)
command -v docker-registry >/dev/null 2>&1 || [ -x /usr/bin/docker-registry ] || missing+=(docker-registry)
command -v git >/dev/null 2>&1 || missing+=(git)
[ -x /bin/busybox ] || command -v busybox >/dev/null 2>&1 || missing+=(busybox-static)
# The projector's store (better-sqlite3) compiles SQLite where its prebuilt binary can't be fetched.
{ command -v make >/dev/null 2>&1 && command -v g++ >/dev/null 2>&1; } || missing+=(build-essential)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
# npm test only (SLIPWAY_BOOTSTRAP_TEST_TOOLS=1): the ssh tests run a private sshd of their own (own
# port, config and keys). Where this is the machine's first sshd, a marker file keeps the package's
# system SSH service from ever starting.
no_system_sshd=""
if [ "${SLIPWAY_BOOTSTRAP_TEST_TOOLS:-}" = "1" ] && ! [ -x /usr/sbin/sshd ]; then
  missing+=(openssh-server)
  no_system_sshd=1
fi
# npm test only: the dashboard's browser test drives Debian's headless Chromium (playwright-core never
# downloads one); a font, so that its screenshots show text (no recommends are installed).
if [ "${SLIPWAY_BOOTSTRAP_TEST_TOOLS:-}" = "1" ] && ! [ -x /usr/bin/chromium ]; then missing+=(chromium fonts-liberation); fi
# npm test only: the compose test brings deploy/compose.yml up with Debian's docker-compose (1.29).
if [ "${SLIPWAY_BOOTSTRAP_TEST_TOOLS:-}" = "1" ] && ! command -v docker-compose >/dev/null 2>&1; then missing+=(docker-compose); fi

if [ "${#missing[@]}" -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 || die "missing ${missing[*]} and no apt-get: install them by hand"
  say "installing ${missing[*]} (apt)"
  if [ -n "$no_system_sshd" ]; then as_root mkdir -p /etc/ssh && as_root touch /etc/ssh/sshd_not_to_be_run; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  say "system packages present (dockerd, nats-server, docker-registry, git, busybox)"
fi

# --- Node and pnpm ---------------------------------------------------------------------------------
command -v node >/dev/null 2>&1 || die "Node.js >= 20 is required (https://nodejs.org or NodeSource)"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge 20 ] || die "Node.js >= 20 is required, found $(node -v)"

pnpm_version="$(pnpm --version 2>/dev/null || true)"
case "$pnpm_version" in
  10.*) say "pnpm $pnpm_version present" ;;
  *)
    # npm, not corepack: corepack's signature check fails against registries without signatures.
    say "installing pnpm@$PNPM_VERSION (found: ${pnpm_version:-none})"
    npm_prefix="$(npm prefix -g)"
    if [ -w "$npm_prefix/lib" ] || [ -w "$npm_prefix" ]; then
      npm install -g --silent "pnpm@$PNPM_VERSION"
    else
      as_root npm install -g --silent "pnpm@$PNPM_VERSION"
    fi
    hash -r
    ;;
esac

# --- workspace -------------------------------------------------------------------------------------
cd "$ROOT"
# Native modules build against the installed Node's own headers: no header download (which fails
# on machines that reach only the npm registry).
node_prefix="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
if [ -z "${npm_config_nodedir:-}" ] && [ -f "$node_prefix/include/node/node.h" ]; then
  export npm_config_nodedir="$node_prefix"
fi
if [ -f pnpm-lock.yaml ]; then
  say "pnpm install --frozen-lockfile"
  pnpm install --frozen-lockfile --reporter=silent
else
  say "pnpm install (no lockfile)"
  pnpm install --reporter=silent
fi
say "building (tsc -b)"
pnpm run --silent build

# `slipway` on PATH. The link points at the package's own bin script, not at
# node_modules/.bin/slipway: pnpm's shim finds its target relative to where it is called from,
# which a link elsewhere breaks. Never fatal: `npx slipway` works from the checkout anyway.
cli_bin="$ROOT/packages/cli/bin/slipway.js"
if [ -w /usr/local/bin ] && ln -sf "$cli_bin" /usr/local/bin/slipway 2>/dev/null; then
  say "slipway command linked: /usr/local/bin/slipway"
elif [ -n "$SUDO" ] && $SUDO -n ln -sf "$cli_bin" /usr/local/bin/slipway 2>/dev/null; then
  say "slipway command linked with sudo: /usr/local/bin/slipway"
else
  say "could not link /usr/local/bin/slipway; run the command line as: npx slipway --help (from $ROOT)"
fi
say "ready"
