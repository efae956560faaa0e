#!/usr/bin/env bash
# Runs iscsi-test-cu against tgtd (the reference peer, started here) and against a second target, prints
# both results side by side, and applies the acceptance rule: the second target must fail FEWER tests
# AND skip FEWER tests than tgtd (totals over both LUN kinds and all families).
#
# usage: compare-with-tgtd.sh [options] RW_URL RO_URL
#        compare-with-tgtd.sh [options] --against-tgtd
#   RW_URL, RO_URL   the second target's writable and read-only LUNs (loopback; the writable LUN's data is lost)
#   --against-tgtd   use a second, fresh tgtd as the second target (proves the machinery; the rule then fails)
#   -n, --name NAME  the second target's name: its known results are tests/conformance/expected-NAME.txt
#                    (default userdisk; tgtd's own are expected-tgtd.txt)
#   -o, --out DIR    keep both runs' logs and summaries in DIR/tgtd and DIR/NAME (default a new temp dir)
# environment: TGTD_RW_SIZE (default 256M) and TGTD_RO_SIZE (default 64M) size tgtd's backing files;
# CU_FAMILIES, CU_TIMEOUT, CU_MULTIPATH, CU_SANITIZE and the other CU_* settings of run-iscsi-test-cu.sh
# apply to both runs, so both targets see the same tests.
# Exit status: 0 when the rule holds, 1 when it does not, 2 when a run could not be made.
set -euo pipefail

me="compare-with-tgtd"
log() { echo "$me: $*"; }
die() { echo "$me: ERROR: $*" >&2; exit 2; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/conformance/lib.sh
. "$here/lib.sh"
# shellcheck source=tests/conformance/tgtd.sh
. "$here/tgtd.sh"

name=userdisk
out=""
against_tgtd=0
urls=()
while [ $# -gt 0 ]; do
  case $1 in
    -n | --name) name=${2:?--name needs a value}; shift 2 ;;
    -o | --out) out=${2:?--out needs a dir}; shift 2 ;;
    --against-tgtd) against_tgtd=1; shift ;;
    -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) urls+=("$1"); shift ;;
  esac
done
if [ "$against_tgtd" = 1 ]; then
  [ ${#urls[@]} -eq 0 ] || die "--against-tgtd takes no URLs"
  [ "$name" != userdisk ] || name=tgtd
else
  [ ${#urls[@]} -eq 2 ] || die "need the second target's RW_URL and RO_URL (or --against-tgtd); see --help"
  for u in "${urls[@]}"; do
    ud_check_url "$u" || die "refusing $u"
    # Fail before spending a minute on tgtd when the second target is not there.
    timeout 20 iscsi-inq "$u" > /dev/null 2>&1 || die "the second target does not answer at $u (iscsi-inq failed)"
  done
fi

work=$(mktemp -d "/tmp/$me.XXXXXX")
ports=()
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  local p
  for p in "${ports[@]}"; do tgtd_stop "$p" > /dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT
[ -n "$out" ] || out=$(mktemp -d "/tmp/$me-results.XXXXXX")
mkdir -p "$out"

# start_tgtd NAME -> sets tgtd_rw / tgtd_ro to the URLs of a fresh tgtd with temp backing files
start_tgtd() {
  local label=$1 port
  truncate -s "${TGTD_RW_SIZE:-256M}" "$work/$label-rw.img"
  truncate -s "${TGTD_RO_SIZE:-64M}" "$work/$label-ro.img"
  port=$(tgtd_free_port)
  ports+=("$port")
  tgtd_start "$port" "$work/$label-rw.img" "$work/$label-ro.img" || die "tgtd ($label) did not start"
  tgtd_rw=$(tgtd_url "$port" 1)
  tgtd_ro=$(tgtd_url "$port" 2)
}

# run_side LABEL EXPECTED-NAME RW RO -> runs the suite; status 0/1 are results, 2 is an error
run_side() {
  local label=$1 ename=$2 rw=$3 ro=$4 rc=0 start=$SECONDS
  log "running iscsi-test-cu against $label ($rw, $ro); expected results: expected-$ename.txt"
  "$here/run-iscsi-test-cu.sh" --name "$ename" --out "$out/$label" "$rw" "$ro" > "$out/$label.txt" 2>&1 || rc=$?
  sed 's/^/  | /' "$out/$label.txt" | grep -E 'counts|pass .* fail .* skip|OK:|FAIL:|ERROR|WARNING' || true
  log "$label: done in $((SECONDS - start))s (full output: $out/$label.txt)"
  [ "$rc" -le 1 ] || die "the run against $label could not be made (status $rc); see $out/$label.txt"
  return "$rc"
}

tgtd_rw="" tgtd_ro=""
start_tgtd ref
ref_rc=0
run_side tgtd tgtd "$tgtd_rw" "$tgtd_ro" || ref_rc=$?
tgtd_stop "${ports[0]}" || log "WARNING: could not stop the reference tgtd"

second=$name
[ "$second" != tgtd ] || second=tgtd-2
if [ "$against_tgtd" = 1 ]; then
  start_tgtd second
  urls=("$tgtd_rw" "$tgtd_ro")
fi
sec_rc=0
run_side "$second" "$name" "${urls[0]}" "${urls[1]}" || sec_rc=$?

# Side by side.
echo
printf '%-5s %-6s | %-23s | %-23s\n' "" "" "tgtd" "$second"
printf '%-5s %-6s | %6s %7s %7s | %6s %7s %7s\n' kind family pass fail skip pass fail skip
join -j 1 \
  <(awk '{ print $1 "/" $2, $4, $6, $8 }' "$out/tgtd/counts.txt" | sort) \
  <(awk '{ print $1 "/" $2, $4, $6, $8 }' "$out/$second/counts.txt" | sort) |
  sort -t/ -k1,1r -k2,2 |
  awk '{ split($1, k, "/"); printf "%-5s %-6s | %6d %7d %7d | %6d %7d %7d\n", k[1], k[2], $2, $3, $4, $5, $6, $7 }'
read -r _ _ _ _ ref_fail _ ref_skip < <(grep '^TOTAL ALL ' "$out/tgtd/counts.txt" | awk '{ print $1, $2, $3, $4, $6, $7, $8 }')
read -r _ _ _ _ sec_fail _ sec_skip < <(grep '^TOTAL ALL ' "$out/$second/counts.txt" | awk '{ print $1, $2, $3, $4, $6, $7, $8 }')
echo
[ "$ref_rc" -eq 0 ] || log "note: tgtd's results differ from expected-tgtd.txt (see $out/tgtd.txt): the baseline moved"
[ "$sec_rc" -eq 0 ] || log "note: $second has results not listed in expected-$name.txt (see $out/$second.txt)"
log "results kept in $out"

verdict=0
if [ "$sec_fail" -lt "$ref_fail" ]; then
  log "failures: $second $sec_fail < tgtd $ref_fail: fewer, as required"
else
  log "failures: $second $sec_fail >= tgtd $ref_fail: NOT fewer"
  verdict=1
fi
if [ "$sec_skip" -lt "$ref_skip" ]; then
  log "skips:    $second $sec_skip < tgtd $ref_skip: fewer, as required"
else
  log "skips:    $second $sec_skip >= tgtd $ref_skip: NOT fewer"
  verdict=1
fi
if [ "$verdict" -eq 0 ]; then
  log "PASS: $second fails fewer and skips fewer iscsi-test-cu tests than tgtd"
else
  log "FAIL: the rule 'fewer failures AND fewer skips than tgtd' does not hold for $second"
fi
exit "$verdict"
