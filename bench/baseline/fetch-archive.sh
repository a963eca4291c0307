#!/usr/bin/env bash
# The git-sync baseline: what a plain script does to get one push's source, the same git work
# git-sync does before it stores the context. Mirror the repo (`git clone --mirror` the first
# time, `git fetch --prune` after), then `git archive <sha>`, counted and thrown away.
#
#   fetch-archive.sh URL MIRROR SHA
#
# URL is the clone URL (file:// in the bench), MIRROR this script's own mirror folder.
# Prints one line: baseline fetch_ms=... archive_ms=... total_ms=... bytes=... cloned=0|1
set -euo pipefail
url="$1" mirror="$2" sha="$3"
ms() { date +%s%3N; }

t0=$(ms)
cloned=0
if [ -d "$mirror" ]; then
  git --git-dir="$mirror" fetch --quiet --prune origin
else
  git clone --quiet --mirror -- "$url" "$mirror"
  cloned=1
fi
t1=$(ms)
bytes=$(git --git-dir="$mirror" archive --format=tar "$sha" | wc -c)
t2=$(ms)
echo "baseline fetch_ms=$((t1 - t0)) archive_ms=$((t2 - t1)) total_ms=$((t2 - t0)) bytes=$bytes cloned=$cloned"
