#!/usr/bin/env bash
# make container-test: builds the CPU image (deploy/Dockerfile) with podman and checks it runs as a user would
# run it. No image registry is reachable here, so the Debian 12 base image is made locally (debootstrap from the
# apt mirror, then podman import). Not part of `make test`: it takes minutes (the engines build inside the
# image; HEARTH_CPU=native, the default here, builds one CPU variant) and needs root for debootstrap.
#
# Checks: /health turns 200 (the image's HEALTHCHECK command too), a completion from a model in the /models
# volume, the server runs as the non-root user, settings come from HEARTH_* variables (HEARTH_API_KEY: 401
# without the key), and `podman stop` (SIGTERM) drains and exits 0.
#
#   HEARTH_CPU=all scripts/container-test.sh     the portable image (every CPU variant; slower to build)
set -euo pipefail
cd "$(dirname "$0")/.."

BASE=${HEARTH_BASE_IMAGE:-localhost/hearth-debian:bookworm}
IMAGE=${HEARTH_IMAGE:-localhost/hearth:test}
NAME=hearth-container-test
PORT=${HEARTH_TEST_PORT:-18480}
MODELS=${HEARTH_MODELS:-../shared/models}
WORK=$(mktemp -d)
log() { printf '[container-test] %s\n' "$*" >&2; }
die() { log "FAILED: $*"; podman logs "$NAME" 2>&1 | tail -20 >&2 || true; exit 1; }
cleanup() { podman rm -f "$NAME" >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT

for tool in podman debootstrap; do
    command -v "$tool" >/dev/null || { [ "$(id -u)" = 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$tool" >&2; }
done
# Limits a container may not raise beyond the host's, and crun's refusal of a cgroup v2 hierarchy that still
# holds controllers beside v1 ones (some virtual machines): say so instead of failing obscurely.
LIMITS=(--ulimit "nofile=$(ulimit -Hn):$(ulimit -Hn)" --ulimit "nproc=4096:4096")
if [ -s /sys/fs/cgroup/unified/cgroup.controllers ]; then
    die "cgroup v2 at /sys/fs/cgroup/unified holds controllers ($(cat /sys/fs/cgroup/unified/cgroup.controllers)) beside v1 ones; crun refuses that. Move them to v1, e.g.: mkdir /sys/fs/cgroup/hugetlb && mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb"
fi

if ! podman image exists "$BASE"; then
    log "making the base image $BASE with debootstrap (Debian 12, minbase)"
    debootstrap --variant=minbase bookworm "$WORK/rootfs" http://deb.debian.org/debian >"$WORK/debootstrap.log" 2>&1 ||
        { tail -20 "$WORK/debootstrap.log" >&2; die "debootstrap"; }
    tar -C "$WORK/rootfs" -c . | podman import - "$BASE" >/dev/null
    rm -rf "$WORK/rootfs"
fi

# The engines' package tarballs this machine verified: the image build then needs no registry (nor this
# machine's TLS setup); deps.sh checks their hashes again inside.
mkdir -p .container-cache/downloads
scripts/deps.sh >/dev/null
cp "${HEARTH_CACHE:-$HOME/.cache/hearth}"/downloads/*.tgz .container-cache/downloads/
log "building $IMAGE (HEARTH_CPU=${HEARTH_CPU:-native})"
t0=$SECONDS
podman build --format docker "${LIMITS[@]}" -f deploy/Dockerfile --build-arg "BASE=$BASE" \
    --build-arg "HEARTH_CPU=${HEARTH_CPU:-native}" -t "$IMAGE" . >"$WORK/build.log" 2>&1 ||
    { tail -40 "$WORK/build.log" >&2; die "podman build"; }
log "built in $((SECONDS - t0)) s; image size $(podman image inspect --format '{{.Size}}' "$IMAGE" | numfmt --to=iec)"

mkdir -p "$WORK/models"
cp "$MODELS/stories260K/stories260K-f32.gguf" "$WORK/models/stories.gguf"
chmod -R a+rX "$WORK"
podman run -d --name "$NAME" "${LIMITS[@]}" -p "127.0.0.1:$PORT:8080" -v "$WORK/models:/models:ro" \
    -e HEARTH_LOAD=stories -e HEARTH_API_KEY=container-secret -e HEARTH_PARALLEL=2 "$IMAGE" >/dev/null
for _ in $(seq 1 120); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/health")" = 200 ] && break
    sleep 1
done
curl -fsS "http://127.0.0.1:$PORT/health" | grep -q '"ready":\["stories"\]' || die "/health never said stories is ready"
podman healthcheck run "$NAME" >/dev/null || die "the image's HEALTHCHECK failed"
[ "$(podman exec "$NAME" id -u)" = 10001 ] || die "not running as the hearth user"
status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/v1/models")
[ "$status" = 401 ] || die "HEARTH_API_KEY was not applied (GET /v1/models without a key: $status)"
reply=$(curl -fsS "http://127.0.0.1:$PORT/v1/completions" -H 'Authorization: Bearer container-secret' \
    -H 'content-type: application/json' -d '{"model":"stories","prompt":"Once upon a time","max_tokens":16}')
echo "$reply" | grep -q '"completion_tokens":16' || die "completion: $reply"
log "completion: $(echo "$reply" | sed 's/.*"text":"\([^"]*\)".*/\1/')"
podman stop -t 30 "$NAME" >/dev/null
code=$(podman inspect --format '{{.State.ExitCode}}' "$NAME")
[ "$code" = 0 ] || die "exit code $code after SIGTERM"
podman logs "$NAME" 2>&1 | grep -q 'finishing requests in flight' || die "no graceful shutdown in the log"
log "ok: health, HEALTHCHECK, non-root user, HEARTH_* settings, completion, SIGTERM exit 0"
