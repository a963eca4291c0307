#!/usr/bin/env bash
# `npm test`: bootstrap, make sure a Docker engine answers, then the unit and integration tests
# (real NATS, registry, Docker, git). Exits non-zero if either suite fails.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SLIPWAY_BOOTSTRAP_TEST_TOOLS=1 bash "$ROOT/scripts/bootstrap.sh"
cd "$ROOT"
node packages/launcher/dist/cli/ensure-docker.js

# No Ryuk (its image cannot be pulled offline) and a fixed host (else testcontainers pulls alpine).
export TESTCONTAINERS_RYUK_DISABLED="${TESTCONTAINERS_RYUK_DISABLED:-true}"
export TESTCONTAINERS_HOST_OVERRIDE="${TESTCONTAINERS_HOST_OVERRIDE:-127.0.0.1}"

status=0
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
# Each suite's output goes to the console and to $out, whose uvu totals make the last line.
run() { "$@" 2>&1 | tee -a "$out"; return "${PIPESTATUS[0]}"; }
# tsx runs tests without type checking; the sources are checked by the build, the tests here.
echo "[test] type-checking the tests and benchmarks"
typecheck_failed=0
pnpm run --silent typecheck:tests || { status=1; typecheck_failed=1; }
# The benchmarks run in no test: type-checking them is what keeps them runnable as the code moves.
pnpm run --silent bench:typecheck || { status=1; typecheck_failed=1; }
echo "[test] unit tests"
run pnpm run --silent test:unit || status=1
echo "[test] integration tests"
run pnpm run --silent test:int || status=1

# uvu prints "Total: N" and "Passed: N" per run (with colour codes); a crash before its totals counts as one failure.
plain="$(sed 's/\x1b\[[0-9;]*m//g' "$out")"
total="$(printf '%s\n' "$plain" | awk '/^ *Total: /{t+=$2} END{print t+0}')"
passed="$(printf '%s\n' "$plain" | awk '/^ *Passed: /{p+=$2} END{print p+0}')"
skipped="$(printf '%s\n' "$plain" | awk '/^ *Skipped: /{s+=$2} END{print s+0}')"
failed=$((total - passed - skipped + typecheck_failed))
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
# uvu exits 0 when a suite's before hook throws: its tests only show as not passed ("(0 / 2)").
if [ "$failed" -gt 0 ]; then status=1; fi
echo "$passed passed, $failed failed"
exit "$status"
