#!/usr/bin/env bash
# `npm test`: bootstrap, make sure a Docker engine answers, then the unit and integration tests
# (real NATS, registry, Docker, git). Exits non-zero if either suite fails.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/bootstrap.sh"
cd "$ROOT"
node packages/stack/dist/cli/ensure-docker.js

# No Ryuk (its image cannot be pulled offline) and a fixed host (else testcontainers pulls alpine).
export TESTCONTAINERS_RYUK_DISABLED="${TESTCONTAINERS_RYUK_DISABLED:-true}"
export TESTCONTAINERS_HOST_OVERRIDE="${TESTCONTAINERS_HOST_OVERRIDE:-127.0.0.1}"

status=0
# tsx runs tests without type checking; the sources are checked by the build, the tests here.
echo "[test] type-checking the tests"
pnpm run --silent typecheck:tests || status=1
echo "[test] unit tests"
pnpm run --silent test:unit || status=1
echo "[test] integration tests"
pnpm run --silent test:int || status=1
if [ "$status" -ne 0 ]; then echo "[test] FAILED" >&2; else echo "[test] all passed"; fi
exit "$status"
