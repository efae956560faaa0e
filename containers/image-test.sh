#!/usr/bin/env bash
# Runs the userdisk image (`make image`) the way an operator would and checks it with real initiators:
#   readiness      /readyz answers 200, /healthz "ok", /metrics lists userdisk_ series
#   discovery      iscsi-ls iscsi://127.0.0.1:3260 lists the default target
#   INQUIRY        iscsi-inq on LUN 0 reports vendor USERDISK
#   write, read    qemu-img (libiscsi driver) writes 4 MiB of random data to LUN 0, reads it back, compares
#   volume         the file LUN's backing file on the host volume holds the same bytes
#   read-only      a write to LUN 1 (the read-only memory disk) is refused
#   SIGTERM        `podman stop` ends the container with exit code 0
#   persistence    a new container on the same volume reads the same 4 MiB back, and stops with exit code 0
#   SCST ABI       `serve --frontend scst` on the shim's scst_user emulator passes the start-up ABI check
# Uses the default configuration's ports (iSCSI 127.0.0.1:3260, HTTP 127.0.0.1:9090) on the host network, with the
# runc runtime and explicit ulimits (crun fails on some hosts). Ends with "image-test: passed N, failed M" and
# exits non-zero when a check failed.
#   IMAGE=userdisk:latest  the image to test    KEEP=1  keep the temporary directory (data, logs)
set -euo pipefail

IMAGE=${IMAGE:-userdisk:latest}
TARGET=iqn.2026-11.io.userdisk:disk
PORTAL=127.0.0.1:3260
HTTP=127.0.0.1:9090
LUN0=iscsi://$PORTAL/$TARGET/0
LUN1=iscsi://$PORTAL/$TARGET/1
NAME=userdisk-image-test-$$
RUN_OPTS=(--runtime runc --network host --ulimit nofile=1024:1024 --ulimit nproc=4096:4096)
repo=$(cd "$(dirname "$0")/.." && pwd)

passed=0
failed=0
log() { echo "image-test: $*"; }
die() { echo "image-test: ERROR: $*" >&2; exit 1; }
pass() { passed=$((passed + 1)); echo "  PASS $*"; }
fail() { failed=$((failed + 1)); echo "  FAIL $*"; }

# Tools: podman from scripts/install-image-tools.sh, the initiators from scripts/install-peers.sh.
for tool in podman curl ss cmp; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found (run scripts/install-image-tools.sh)"
done
if ! command -v iscsi-ls >/dev/null 2>&1 || ! command -v iscsi-inq >/dev/null 2>&1 || ! command -v qemu-img >/dev/null 2>&1; then
  "$repo/scripts/install-peers.sh" >/dev/null
fi
podman image exists "$IMAGE" || die "image $IMAGE not found: run \`make image\`"

for port in 3260 9090; do
  if [ -n "$(ss -Hltn "sport = :$port")" ]; then
    die "port $port is in use (the image's default configuration serves 127.0.0.1:3260 and 127.0.0.1:9090 on the host network): $(ss -Hltnp "sport = :$port" | head -1)"
  fi
done

work=$(mktemp -d /tmp/userdisk-image-test.XXXXXX)
data=$work/data
mkdir -p "$data"
# The image runs as uid 10001; rootless podman maps that uid, so chown inside podman's user namespace.
if [ "$(id -u)" -eq 0 ]; then
  chown 10001:10001 "$data"
else
  podman unshare chown 10001:10001 "$data"
fi
containers=()
cleanup() {
  for c in "${containers[@]}"; do
    podman rm -f -t 5 "$c" >/dev/null 2>&1 || true
  done
  if [ "${KEEP:-0}" = 1 ]; then
    log "kept $work"
  elif [ "$(id -u)" -eq 0 ]; then
    rm -rf "$work"
  else
    podman unshare rm -rf "$work" 2>/dev/null || rm -rf "$work"
  fi
}
trap cleanup EXIT

# Starts a container on the data volume and waits (up to 60 s) for /readyz; $1 names the run, the rest are
# podman options and then the command (default: the image's CMD, serve).
start() {
  local label=$1 name=$NAME-$1 i
  shift
  containers+=("$name")
  podman run -d --name "$name" "${RUN_OPTS[@]}" -v "$data:/var/lib/userdisk" "$@" >/dev/null \
    || { fail "$label: podman run"; return 1; }
  for i in $(seq 1 120); do
    if curl -fsS -o /dev/null "http://$HTTP/readyz" 2>/dev/null; then
      pass "$label: /readyz 200 after $((i / 2)) s"
      return 0
    fi
    if [ "$(podman inspect --format '{{.State.Running}}' "$name" 2>/dev/null)" != true ]; then
      break
    fi
    sleep 0.5
  done
  fail "$label: not ready within 60 s; container log:"
  podman logs "$name" 2>&1 | tail -20 | sed 's/^/    /'
  return 1
}

# Sends SIGTERM through `podman stop` and checks the exit code; $1 names the run.
stop() {
  local name=$NAME-$1 code
  podman stop -t 30 "$name" >/dev/null || { fail "$1: podman stop"; return 0; }
  code=$(podman inspect --format '{{.State.ExitCode}}' "$name")
  if [ "$code" = 0 ] && [ "$(podman inspect --format '{{.State.Running}}' "$name")" = false ]; then
    pass "$1: SIGTERM (podman stop) -> exit code 0"
  else
    fail "$1: SIGTERM (podman stop) -> exit code $code; container log:"
    podman logs "$name" 2>&1 | tail -20 | sed 's/^/    /'
  fi
  podman logs "$name" >"$work/$1.log" 2>&1 || true
  podman rm "$name" >/dev/null 2>&1 || true
}

# Reads the first 4 MiB of LUN 0 into $1 and compares them with the source; $2 names the check.
read_back() {
  if qemu-img dd -f raw -O raw bs=1M count=4 "if=$LUN0" "of=$1" >"$work/qemu-read.log" 2>&1 \
    && cmp -s "$work/src.raw" "$1"; then
    pass "$2"
  else
    fail "$2: $(tail -2 "$work/qemu-read.log" | tr '\n' ' ')$(cmp "$work/src.raw" "$1" 2>&1 | head -1)"
  fi
}

size=$(podman image inspect --format '{{.Size}}' "$IMAGE")
log "image $IMAGE: $size bytes ($((size / 1024 / 1024)) MiB)"
head -c 4M /dev/urandom >"$work/src.raw"

log "first run (data volume $data)"
if start first "$IMAGE"; then
  if [ "$(curl -fsS "http://$HTTP/healthz")" = ok ]; then pass "/healthz ok"; else fail "/healthz"; fi
  # Outputs are captured first: `producer | grep -q` fails under pipefail when grep stops reading early.
  metrics=$(curl -fsS "http://$HTTP/metrics" 2>&1 || true)
  if grep -q '^userdisk_' <<<"$metrics"; then pass "/metrics has userdisk_ series"; else fail "/metrics"; fi

  discovery=$(iscsi-ls "iscsi://$PORTAL" 2>&1 || true)
  if grep -q "Target:$TARGET Portal:$PORTAL" <<<"$discovery"; then
    pass "iscsi-ls discovers $TARGET"
  else
    fail "iscsi-ls: $(head -3 <<<"$discovery" | tr '\n' ' ')"
  fi
  inquiry=$(iscsi-inq "$LUN0" 2>&1 || true)
  if grep -q '^Vendor:USERDISK' <<<"$inquiry" && grep -q 'DIRECT_ACCESS' <<<"$inquiry"; then
    pass "iscsi-inq LUN 0: $(grep -E '^(Vendor|Product):' <<<"$inquiry" | tr '\n' ' ')"
  else
    fail "iscsi-inq LUN 0: $(head -3 <<<"$inquiry" | tr '\n' ' ')"
  fi

  # -n: the LUN exists; qemu-img must not try to create it.
  if qemu-img convert -n -f raw -O raw "$work/src.raw" "$LUN0" >"$work/qemu-write.log" 2>&1; then
    pass "qemu-img wrote 4 MiB of random data to LUN 0"
  else
    fail "qemu-img write to LUN 0: $(tail -2 "$work/qemu-write.log" | tr '\n' ' ')"
  fi
  read_back "$work/first.raw" "qemu-img read back 4 MiB from LUN 0: identical"
  if cmp -s -n 4194304 "$work/src.raw" "$data/disk0.img"; then
    pass "the volume's disk0.img holds the 4 MiB"
  else
    fail "the volume's disk0.img ($(ls -l "$data/disk0.img" 2>&1)) differs from what was written"
  fi
  if qemu-img convert -n -f raw -O raw "$work/src.raw" "$LUN1" >"$work/qemu-ro.log" 2>&1; then
    fail "a write to LUN 1 (read-only) succeeded"
  else
    pass "a write to LUN 1 (read-only) is refused"
  fi
  stop first
fi

log "second run (same volume)"
if start second "$IMAGE"; then
  read_back "$work/second.raw" "after a restart LUN 0 still holds the 4 MiB"
  stop second
fi

# The SCST front end's start-up check compares the C# interop structs with the shim's layout table; a build that
# lost fields or constants (trimming) refuses to start. The shim's emulator stands in for /dev/scst_user.
log "third run: serve --frontend scst against the shim's scst_user emulator (the ABI check at start-up)"
if start scst -e USERDISK__SCST__EMULATOR=/usr/local/bin/libuserdisk_shim.so "$IMAGE" serve --frontend scst; then
  # Ready means the ABI check passed (a mismatch refuses the start); the log must also name the front end.
  scst_log=$(podman logs "$NAME-scst" 2>&1 || true)
  if grep -q 'front end scst' <<<"$scst_log"; then
    pass "scst: serving through the scst front end, ABI check passed"
  else
    fail "scst: the log does not name the scst front end"
  fi
  stop scst
fi

log "image $IMAGE: $size bytes"
echo "image-test: passed $passed, failed $failed"
[ "$failed" -eq 0 ]
