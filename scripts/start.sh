#!/usr/bin/env bash
# `npm start`: bootstrap the machine if needed, then run the launcher (Docker engine, NATS,
# registry and the four services; Ctrl-C stops what it started).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/bootstrap.sh"
cd "$ROOT"
exec node packages/launcher/dist/cli/up.js
