#!/usr/bin/env bash
# Data integrity through a target: fio (libiscsi engine) writes checksummed blocks (crc32c) over a LUN and
# reads every block back, in two phases so the target can be restarted in between.
#
# usage: fio-verify.sh [--phase write|verify|both] URL
#        fio-verify.sh --tgtd-selftest
#   URL       writable loopback LUN, e.g. iscsi://127.0.0.1:3260/iqn.2026-11.io.userdisk:disks/0 (data is lost)
#   --phase   write: write the pattern only; verify: read back and check only (writes nothing);
#             both (default): write, then verify
#   --tgtd-selftest  proves the job on tgtd: starts tgtd, writes, restarts tgtd, verifies, then corrupts
#             one block of the backing file and checks that the verify phase now fails
# environment:
#   FIO_VERIFY_SIZE  how much of the LUN (fio size: 64m, 1g, 100%; default 100%) - the same in both phases
#   FIO_VERIFY_BS    block size of the pattern (default 16k) - the same in both phases
#   FIO_VERIFY_TIMEOUT  limit of each fio run in seconds (default 600)
#   FIO              fio binary (default .tools/fio, built by scripts/build-fio.sh)
# Exit status: 0 when the phase(s) succeeded, 1 when fio reported an error or a mismatch, 2 on usage errors.
set -euo pipefail

me="fio-verify"
log() { echo "$me: $*"; }
die() { echo "$me: ERROR: $*" >&2; exit 2; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/conformance/lib.sh
. "$here/lib.sh"

job="$ud_repo/perf/fio/verify-integrity.fio"
export FIO_VERIFY_SIZE=${FIO_VERIFY_SIZE:-100%}
export FIO_VERIFY_BS=${FIO_VERIFY_BS:-16k}
limit=${FIO_VERIFY_TIMEOUT:-600}

# run_phase write|verify|both URL -> 0 ok, 1 fio failed or found a mismatch
run_phase() {
  local phase=$1 url=$2 fio out rc=0 start=$SECONDS
  fio=$(ud_fio) || die "no usable fio"
  case $phase in
    write) export FIO_DO_VERIFY=0 FIO_VERIFY_ONLY=0 ;;
    verify) export FIO_DO_VERIFY=1 FIO_VERIFY_ONLY=1 ;;
    both) export FIO_DO_VERIFY=1 FIO_VERIFY_ONLY=0 ;;
    *) die "unknown phase '$phase' (write, verify or both)" ;;
  esac
  FIO_FILENAME=$(ud_fio_filename "$url")
  export FIO_FILENAME
  out=$(mktemp "/tmp/$me.XXXXXX.json")
  log "$phase: fio $(basename "$job") on $url (size $FIO_VERIFY_SIZE, bs $FIO_VERIFY_BS, crc32c)"
  timeout -k 10 "$limit" "$fio" "$job" --output-format=json --output="$out" > "$out.stderr" 2>&1 || rc=$?
  # fio prints verify errors ("verify: bad magic header ...") outside its JSON.
  grep -v '^note: both iodepth' "$out.stderr" | head -n 20 | sed 's/^/  | /' || true
  local summary
  summary=$(jq -r '.jobs[0] | "\(.error) \(.write.io_bytes) \(.read.io_bytes)"' "$out" 2>/dev/null || echo "? ? ?")
  rm -f "$out" "$out.stderr"
  local err wbytes rbytes
  read -r err wbytes rbytes <<< "$summary"
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    log "$phase: FAILED: fio hit the ${limit}s limit"
    return 1
  fi
  if [ "$rc" -ne 0 ] || [ "$err" != 0 ]; then
    log "$phase: FAILED: fio exit status $rc, job error ${err} ($((SECONDS - start))s)"
    return 1
  fi
  case $phase in
    write) log "write: OK, $((wbytes / 1048576)) MiB written ($((SECONDS - start))s)" ;;
    *)
      if [ "${rbytes:-0}" = 0 ] || [ "$rbytes" = null ]; then
        log "$phase: FAILED: nothing was read back"
        return 1
      fi
      log "$phase: OK, $((rbytes / 1048576)) MiB read back and matched ($((SECONDS - start))s)"
      ;;
  esac
}

selftest_tgtd() {
  # shellcheck source=tests/conformance/tgtd.sh
  . "$here/tgtd.sh"
  local work port url
  work=$(mktemp -d "/tmp/$me-selftest.XXXXXX")
  port=$(tgtd_free_port)
  # shellcheck disable=SC2064
  trap "tgtd_stop $port >/dev/null 2>&1 || true; rm -rf '$work'" EXIT
  truncate -s "${SELFTEST_SIZE:-128M}" "$work/lun.img"
  tgtd_start "$port" "$work/lun.img" || die "tgtd did not start"
  url=$(tgtd_url "$port" 1)
  run_phase write "$url" || { log "selftest FAILED in the write phase"; exit 1; }
  log "restarting tgtd (same backing file)"
  tgtd_stop "$port"
  tgtd_start "$port" "$work/lun.img" || die "tgtd did not restart"
  run_phase verify "$url" || { log "selftest FAILED: data did not survive the restart"; exit 1; }
  log "corrupting one 4 KiB block of the backing file; the verify phase must now fail"
  dd if=/dev/zero of="$work/lun.img" bs=4096 seek=777 count=1 conv=notrunc status=none
  if run_phase verify "$url"; then
    log "selftest FAILED: the verify phase did not notice a zeroed block"
    exit 1
  fi
  log "selftest OK: written data survived a tgtd restart, and a zeroed block was detected"
}

phase=both
url=""
while [ $# -gt 0 ]; do
  case $1 in
    --phase) phase=${2:?--phase needs write, verify or both}; shift 2 ;;
    --tgtd-selftest) selftest_tgtd; exit 0 ;;
    -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) [ -z "$url" ] || die "only one URL"; url=$1; shift ;;
  esac
done
[ -n "$url" ] || die "no URL (see --help)"
ud_check_url "$url" || die "refusing $url"
command -v jq >/dev/null 2>&1 || die "jq not found: run scripts/install-peers.sh"

case $phase in
  both)
    run_phase write "$url" || exit 1
    run_phase verify "$url" || exit 1
    ;;
  write | verify) run_phase "$phase" "$url" || exit 1 ;;
  *) die "unknown phase '$phase' (write, verify or both)" ;;
esac
log "OK"
