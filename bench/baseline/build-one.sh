#!/usr/bin/env bash
# The baseline: what a plain script does for one push, the same work slipway does for it.
# Mirror the repo (clone --bare the first time, fetch after), `git archive <sha> | docker build`,
# tag the image with the build number, the branch and latest, and push the four tags one by one.
#
#   build-one.sh NAME SHA BUILD_NUMBER
#
# env: BASELINE_GIT_ROOT  folder of bare repos (<root>/<name>.git)
#      BASELINE_MIRRORS   folder for this script's mirrors
#      BASELINE_REGISTRY  host:port of the registry
#      BASELINE_BRANCH    default master; BASELINE_LOG  where docker build's output goes (/dev/null)
#      BASELINE_BUILDKIT=1  build with `DOCKER_BUILDKIT=1` (needs the buildx CLI plugin on Docker 23+
#                         and Debian's docker.io); default 0, the legacy builder most scripts here get
#      BASELINE_LABELS=1  add the six labels slipway's builder adds (OCI revision/source/created/
#                         version, build id, Dockerfile): the legacy builder runs one LABEL step each
# Prints one line: baseline name=... fetch_ms=... build_ms=... push_ms=... total_ms=...
set -euo pipefail
name="$1" sha="$2" number="$3"
branch="${BASELINE_BRANCH:-master}"
ms() { date +%s%3N; }

t0=$(ms)
mirror="$BASELINE_MIRRORS/$name.git"
if [ -d "$mirror" ]; then
  git -C "$mirror" fetch --quiet --prune origin '+refs/heads/*:refs/heads/*'
else
  git clone --quiet --bare "$BASELINE_GIT_ROOT/$name.git" "$mirror"
fi
t1=$(ms)
image="$BASELINE_REGISTRY/${name,,}"
labels=()
if [ "${BASELINE_LABELS:-0}" = 1 ]; then
  for kv in "org.opencontainers.image.revision=$sha" "org.opencontainers.image.source=bench/$name" \
    "org.opencontainers.image.created=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)" "org.opencontainers.image.version=$number" \
    "dev.slipway.build-id=baseline-$name-$number" "dev.slipway.dockerfile=Dockerfile"; do
    labels+=(--label "$kv")
  done
fi
git -C "$mirror" archive --format=tar "$sha" | DOCKER_BUILDKIT="${BASELINE_BUILDKIT:-0}" docker build "${labels[@]}" --rm --force-rm -t "$image:$sha" - >"${BASELINE_LOG:-/dev/null}" 2>&1
t2=$(ms)
for tag in "$number" "$branch" latest; do docker tag "$image:$sha" "$image:$tag"; done
for tag in "$sha" "$number" "$branch" latest; do docker push --quiet "$image:$tag" >/dev/null; done
t3=$(ms)
echo "baseline name=$name fetch_ms=$((t1 - t0)) build_ms=$((t2 - t1)) push_ms=$((t3 - t2)) total_ms=$((t3 - t0))"
