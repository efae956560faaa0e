#!/usr/bin/env bash
# The boot-image read path, measured side by side in one run against the same local S3 server (s3rver):
#   1. cold: a fresh `userdisk serve` with LUN squashfs:s3://… read sequentially over iSCSI (fio, libiscsi engine)
#      vs the reference system's way: s3fs mounts the bucket and the image file is read cold (dd);
#   2. warm: the same LUN read again (UserDisk's chunk cache) vs a file backstore of a local copy read again
#      (page cache).
# Prints MiB/s for each and the ratios (goals: cold >= 3x s3fs, warm >= 0.9x file).
#   SIZE_MIB=256 (image size)  BS=1M  IODEPTH=8
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=../tests/conformance/lib.sh
. tests/conformance/lib.sh
size_mib=${SIZE_MIB:-256}
bs=${BS:-1M}
iodepth=${IODEPTH:-8}
bin="$root/src/UserDisk.Server/bin/Release/net10.0/userdisk"
bucket=images
iqn=iqn.2026-11.io.userdisk:perf

[ -x "$bin" ] || { echo "s3-vs-s3fs: build first (make build)" >&2; exit 2; }
scripts/install-peers.sh >/dev/null
command -v s3fs >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends s3fs >/dev/null
[ -x .tools/fio ] || scripts/build-fio.sh
fio=$(ud_fio)
s3rver_module="$root/.tools/s3rver/node_modules/s3rver"
[ -d "$s3rver_module" ] || { echo "s3-vs-s3fs: run scripts/install-deps.sh (s3rver)" >&2; exit 2; }

work=$(mktemp -d /tmp/userdisk-s3perf.XXXXXX)
pids=()
cleanup() {
  mountpoint -q "$work/mnt" 2>/dev/null && fusermount -u "$work/mnt" || true
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true; }

mkdir -p "$work/s3" "$work/tree" "$work/mnt"
mkfifo "$work/s3.stdin"
node tests/UserDisk.Storage.Tests/s3rver/launch.js "$s3rver_module" "$work/s3" "$bucket" <"$work/s3.stdin" >"$work/s3.out" 2>&1 &
pids+=($!)
exec 7>"$work/s3.stdin"
for _ in $(seq 100); do grep -q '^listening' "$work/s3.out" && break; sleep 0.1; done
s3port=$(awk '/^listening/ { print $2 }' "$work/s3.out")
endpoint="http://127.0.0.1:$s3port"
s3() { curl -sS --fail --aws-sigv4 "aws:amz:us-east-1:s3" --user S3RVER:S3RVER -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$@"; }

head -c $((size_mib << 20)) /dev/urandom >"$work/tree/rootfs.bin"
SOURCE_DATE_EPOCH=1700000000 mksquashfs "$work/tree" "$work/boot.squashfs" -noappend -no-progress -quiet
image_size=$(stat -c %s "$work/boot.squashfs")
s3 -T "$work/boot.squashfs" "$endpoint/$bucket/boot.squashfs" >/dev/null
echo "image: $image_size bytes in $endpoint/$bucket/boot.squashfs ($(nproc) cores)"

serve() { # serve LUN 0 = $1; sets $port and $serve_pid
  local backstore=$1 http
  port=$(free_port); http=$(free_port)
  cat >"$work/config.json" <<EOF
{ "UserDisk": { "Frontend": "iscsi", "Http": "127.0.0.1:$http", "DataDir": "$work/data",
  "S3": { "Endpoint": "$endpoint", "ForcePathStyle": true, "AccessKey": "S3RVER", "SecretKey": "S3RVER", "CacheSize": "1G", "ChunkSize": "${CHUNK:-8M}", "ReadAhead": ${READAHEAD:-8} },
  "Targets": [ { "Name": "$iqn", "Portal": "127.0.0.1:$port", "Luns": [ { "Number": 0, "Backstore": "$backstore" } ] } ] } }
EOF
  "$bin" serve --config "$work/config.json" >"$work/serve.log" 2>&1 &
  serve_pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$http/readyz" >/dev/null && break; sleep 0.1; done
}
stop_serve() { kill -TERM "$serve_pid"; wait "$serve_pid" || true; }
read_lun() { # port -> MiB/s of one sequential pass over the whole LUN
  "$fio" --name=seq --ioengine=libiscsi --filename="$(ud_fio_filename "iscsi://127.0.0.1:$1/$iqn/0")" --rw=read \
    --bs="$bs" --iodepth="$iodepth" --size="$((image_size / 1048576 * 1048576))" --output-format=json --output="$work/fio.json" >"$work/fio.log" 2>&1 ||
    { cat "$work/fio.log" >&2; return 1; }
  jq -r '.jobs[0].read.bw_bytes / 1048576' "$work/fio.json"
}

serve "squashfs:s3://$bucket/boot.squashfs"
cold=$(read_lun "$port")
warm=$(read_lun "$port")
stop_serve

cp "$work/boot.squashfs" "$work/local.img"
serve "file:$work/local.img?ro"
read_lun "$port" >/dev/null
file_warm=$(read_lun "$port")
stop_serve

printf '%s\n' "S3RVER:S3RVER" >"$work/passwd"
chmod 600 "$work/passwd"
s3fs "$bucket" "$work/mnt" -o "url=$endpoint,use_path_request_style,passwd_file=$work/passwd,ro"
drop_caches
start=$(date +%s.%N)
dd if="$work/mnt/boot.squashfs" of=/dev/null bs=1M status=none
end=$(date +%s.%N)
s3fs_cold=$(echo "$image_size $start $end" | awk '{ printf "%.1f", $1 / 1048576 / ($3 - $2) }')
fusermount -u "$work/mnt"

awk -v c="$cold" -v w="$warm" -v f="$file_warm" -v s="$s3fs_cold" 'BEGIN {
  printf "| read | UserDisk MiB/s | peer | peer MiB/s | ratio |\n|---|---|---|---|---|\n"
  printf "| cold sequential, %s | %.1f | s3fs cold (dd) | %.1f | %.2f |\n", "S3", c, s, c / s
  printf "| warm sequential | %.1f | file backstore, page cache | %.1f | %.2f |\n", w, f, w / f
}'
