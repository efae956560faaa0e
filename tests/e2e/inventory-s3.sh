#!/usr/bin/env bash
# End to end, the boot-image use case: mksquashfs builds an image, it is put (tagged) in a local S3 server
# (s3rver), `userdisk serve` projects it through inventory over the embedded iSCSI target, a real initiator
# (qemu-img's libiscsi driver) copies the whole LUN, and its sha256 equals the image's (zeros past the image end).
# Then an untagged object is not projected, and deleting the image removes its LUN.
# Prints "e2e-inventory: passed N, failed N" and writes "passed N" / "failed N" to $E2E_RESULT when set.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
config=${CONFIG:-Release}
bin="$root/src/UserDisk.Server/bin/$config/net10.0/userdisk"
iqn=iqn.2026-11.io.userdisk:images
bucket=images
passed=0
failed=0

say() { printf '== e2e-inventory: %s\n' "$*"; }
ok() { passed=$((passed + 1)); say "ok: $*"; }
fail() { failed=$((failed + 1)); printf 'e2e-inventory: FAIL: %s\n' "$*" >&2; }

[ -x "$bin" ] || { echo "e2e-inventory: $bin is missing: build first (make build)" >&2; exit 2; }
scripts/install-peers.sh >/dev/null
for tool in node mksquashfs qemu-img curl iscsi-ls; do
  command -v "$tool" >/dev/null || { echo "e2e-inventory: $tool is missing: run scripts/install-deps.sh and scripts/install-peers.sh" >&2; exit 2; }
done
s3rver_module="$root/.tools/s3rver/node_modules/s3rver"
[ -d "$s3rver_module" ] || { echo "e2e-inventory: s3rver is missing: run scripts/install-deps.sh" >&2; exit 2; }

work=$(mktemp -d /tmp/userdisk-e2e-inventory.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -n "${KEEP_E2E:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# --- the S3 server, seeded through signed requests ------------------------------------------------------------
mkdir -p "$work/s3"
mkfifo "$work/s3.stdin"
node tests/UserDisk.Storage.Tests/s3rver/launch.js "$s3rver_module" "$work/s3" "$bucket" <"$work/s3.stdin" >"$work/s3.out" 2>&1 &
pids+=($!)
exec 7>"$work/s3.stdin"   # keeps s3rver's stdin open; it exits when this closes
for _ in $(seq 100); do grep -q '^listening' "$work/s3.out" && break; sleep 0.1; done
s3port=$(awk '/^listening/ { print $2 }' "$work/s3.out")
[ -n "$s3port" ] || { cat "$work/s3.out"; echo "e2e-inventory: s3rver did not start" >&2; exit 1; }
endpoint="http://127.0.0.1:$s3port"
# s3rver insists on x-amz-content-sha256; UNSIGNED-PAYLOAD is what S3 accepts for streamed bodies.
s3() { curl -sS --fail --aws-sigv4 "aws:amz:us-east-1:s3" --user S3RVER:S3RVER -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$@"; }

# --- the image ---------------------------------------------------------------------------------------------------
mkdir -p "$work/tree/etc"
head -c $((24 << 20)) /dev/urandom >"$work/tree/rootfs.bin"
echo "userdisk e2e" >"$work/tree/etc/issue"
SOURCE_DATE_EPOCH=1700000000 mksquashfs "$work/tree" "$work/boot.squashfs" -comp zstd -b 131072 -nopad -noappend -no-progress -quiet
image_size=$(stat -c %s "$work/boot.squashfs")
s3 -T "$work/boot.squashfs" "$endpoint/$bucket/projects/boot.squashfs" >/dev/null
s3 -X PUT --data-binary '<Tagging><TagSet><Tag><Key>sbps-project</Key><Value>true</Value></Tag></TagSet></Tagging>' \
  "$endpoint/$bucket/projects/boot.squashfs?tagging" >/dev/null
# Same pattern, no tag: must not be projected.
s3 -T "$work/boot.squashfs" "$endpoint/$bucket/projects/untagged.squashfs" >/dev/null
stored=$(s3 -I "$endpoint/$bucket/projects/boot.squashfs" | awk 'tolower($1) == "content-length:" { print $2 }' | tr -d '\r')
if [ "$stored" = "$image_size" ]; then ok "image stored in S3 ($image_size bytes)"; else fail "S3 holds $stored bytes, expected $image_size"; fi

# --- userdisk serve with inventory -------------------------------------------------------------------------------
port=$(free_port)
http=$(free_port)
cat >"$work/config.json" <<EOF
{ "UserDisk": {
    "Frontend": "iscsi", "Http": "127.0.0.1:$http", "DataDir": "$work/data", "ShutdownTimeout": "5",
    "S3": { "Endpoint": "$endpoint", "ForcePathStyle": true, "AccessKey": "S3RVER", "SecretKey": "S3RVER", "RetryTimeLimit": "10s" },
    "Inventory": { "Source": "s3://$bucket/projects/", "Tag": "sbps-project=true", "Interval": "1", "FirstLun": 0 },
    "Targets": [ { "Name": "$iqn", "Portal": "127.0.0.1:$port" } ] } }
EOF
# The log exists before the server starts: the redirect happens in the child, which may run after the polling below.
: >"$work/serve.log"
"$bin" serve --config "$work/config.json" >>"$work/serve.log" 2>&1 &
pids+=($!)
lun=""
for _ in $(seq 150); do
  lun=$(sed -n 's/.*Inventory: projected projects\/boot.squashfs as [^ ]* (.* LUN \([0-9]*\),.*/\1/p' "$work/serve.log" | tail -n 1)
  [ -n "$lun" ] && break
  sleep 0.2
done
if [ -n "$lun" ]; then ok "projected as LUN $lun"; else tail -n 30 "$work/serve.log"; fail "the image was not projected"; fi
if grep -q 'untagged.squashfs' "$work/serve.log"; then fail "the untagged object was projected"; else ok "the untagged object was left alone"; fi

# --- a real initiator copies the whole LUN -----------------------------------------------------------------------
if [ -n "$lun" ]; then
  url="iscsi://127.0.0.1:$port/$iqn/$lun"
  if timeout 300 qemu-img convert -f raw -O raw "$url" "$work/copy.raw" 2>"$work/qemu.log"; then
    copy_size=$(stat -c %s "$work/copy.raw")
    expected_size=$(( (image_size + 511) / 512 * 512 ))
    if [ "$copy_size" = "$expected_size" ]; then ok "the LUN is $copy_size bytes (image rounded up to 512)"; else fail "the LUN is $copy_size bytes, expected $expected_size"; fi
    image_sha=$(sha256sum <"$work/boot.squashfs" | cut -d' ' -f1)
    copy_sha=$(head -c "$image_size" "$work/copy.raw" | sha256sum | cut -d' ' -f1)
    if [ "$image_sha" = "$copy_sha" ]; then ok "sha256 of the LUN's first $image_size bytes equals the image's ($image_sha)"; else fail "sha256 differs: image $image_sha, LUN $copy_sha"; fi
    tail_nonzero=$(tail -c +$((image_size + 1)) "$work/copy.raw" | tr -d '\0' | wc -c)
    if [ "$tail_nonzero" = 0 ]; then ok "past the image end: zeros"; else fail "$tail_nonzero non-zero bytes past the image end"; fi
  else
    cat "$work/qemu.log"
    fail "qemu-img could not read $url"
  fi

  # --- the image goes, and so does its LUN ---------------------------------------------------------------------
  s3 -X DELETE "$endpoint/$bucket/projects/boot.squashfs" >/dev/null
  gone=""
  for _ in $(seq 100); do
    grep -q 'Inventory: projects/boot.squashfs (.*) removed' "$work/serve.log" && { gone=1; break; }
    sleep 0.1
  done
  if [ -n "$gone" ]; then ok "deleting the image removed its LUN"; else fail "the LUN stayed after the image was deleted"; fi
  if timeout 20 iscsi-ls -s "iscsi://127.0.0.1:$port" 2>/dev/null | grep -q "Lun:$lun "; then fail "iscsi-ls still lists LUN $lun"; else ok "iscsi-ls no longer lists LUN $lun"; fi
fi

echo "e2e-inventory: passed $passed, failed $failed"
if [ -n "${E2E_RESULT:-}" ]; then printf 'passed %d\nfailed %d\n' "$passed" "$failed" >"$E2E_RESULT"; fi
[ "$failed" -eq 0 ]
