#!/usr/bin/env bash
# Runs libiscsi's conformance suite (iscsi-test-cu) against a writable and a read-only LUN, turns its
# output into one outcome per test, and checks the outcomes against a list of known failures and skips.
#
# usage: run-iscsi-test-cu.sh [options] [RW_URL [RO_URL]]
#   RW_URL   writable LUN, e.g. iscsi://127.0.0.1:3260/iqn.2026-11.io.userdisk:disks/0   (or env CU_RW_URL)
#            destructive tests run on it (--dataloss, --allow-sanitize): its data is lost.
#   RO_URL   read-only LUN of the same kind of target (or env CU_RO_URL); "none" skips the read-only run.
#            Run without --dataloss: tests that would change data skip, the rest run on a write-protected LUN.
# options (each also as an environment variable):
#   -n, --name NAME         check against tests/conformance/expected-NAME.txt   (CU_NAME, default userdisk)
#   -e, --expected FILE     check against FILE instead                           (CU_EXPECTED)
#   -o, --out DIR           keep logs and summaries in DIR                       (CU_OUT, default a new temp dir)
#   -F, --families LIST     test families, comma or space separated              (CU_FAMILIES, default "SCSI iSCSI")
#   -T, --timeout SEC       time limit of one iscsi-test-cu run                  (CU_TIMEOUT, default 300)
#       --no-multipath      do not pass the URL a second time as the multipath   (CU_MULTIPATH=0)
#                           path (the MultipathIO suite is then skipped)
#       --no-sanitize       do not pass --allow-sanitize on the writable LUN      (CU_SANITIZE=0)
#       --xml               also rerun each family with -x and keep CUnit's XML   (CU_XML=1)
#       --write-expected F  write this run's failures and skips to F in the expected-file format
#   -i, --initiator IQN     first initiator name  (CU_INITIATOR,  default iqn.2026-11.io.userdisk.test:init-1)
#   -I, --initiator2 IQN    second initiator name (CU_INITIATOR2, default iqn.2026-11.io.userdisk.test:init-2)
#
# Outputs in the out dir:
#   <kind>-<family>.log   iscsi-test-cu's own output (kind: rw or ro)
#   summary-<kind>.txt    one line per test: <family> <Family.Suite.Test> <PASSED|FAILED|SKIPPED>
#   reasons-<kind>.txt    <Family.Suite.Test> <outcome> <first [SKIPPED]/[FAILED] message or assertion>
#   counts.txt            <kind|TOTAL> <family|ALL> pass N fail N skip N
#   unexpected.txt, now-passing.txt   the verdict against the expected file
# A test counts as SKIPPED when it printed a [SKIPPED] line and did not fail (iscsi-test-cu itself counts
# skips as passes), and as FAILED when CUnit said so or when it never reported (suite set-up failure,
# crash, time-out): the list of tests comes from `iscsi-test-cu -l`.
#
# Expected file: lines `<test> <fail|skip> <reason...>`; `#` starts a comment. <test> is
# Family.Suite.Test, may use `*` as a wildcard, and may start with `rw:` or `ro:` to apply to one LUN kind.
# Exit status: 0 when every failure and skip is listed, 1 when some are not (they are printed, and so are
# listed entries that now pass), 2 on a usage error or when the target cannot be reached.
# Only loopback targets (127.0.0.0/8, localhost, [::1]) are accepted.
set -euo pipefail

me="run-iscsi-test-cu"
log() { echo "$me: $*"; }
die() { echo "$me: ERROR: $*" >&2; exit 2; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/conformance/lib.sh
. "$here/lib.sh"

name=${CU_NAME:-userdisk}
expected=${CU_EXPECTED:-}
out=${CU_OUT:-}
families=${CU_FAMILIES:-SCSI iSCSI}
timeout_s=${CU_TIMEOUT:-300}
multipath=${CU_MULTIPATH:-1}
sanitize=${CU_SANITIZE:-1}
xml=${CU_XML:-0}
write_expected=""
init1=${CU_INITIATOR:-iqn.2026-11.io.userdisk.test:init-1}
init2=${CU_INITIATOR2:-iqn.2026-11.io.userdisk.test:init-2}
rw_url=${CU_RW_URL:-}
ro_url=${CU_RO_URL:-}

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }

positional=()
while [ $# -gt 0 ]; do
  case $1 in
    -n | --name) name=${2:?--name needs a value}; shift 2 ;;
    -e | --expected) expected=${2:?--expected needs a file}; shift 2 ;;
    -o | --out) out=${2:?--out needs a dir}; shift 2 ;;
    -F | --families) families=${2:?--families needs a list}; shift 2 ;;
    -T | --timeout) timeout_s=${2:?--timeout needs seconds}; shift 2 ;;
    -i | --initiator) init1=${2:?--initiator needs an IQN}; shift 2 ;;
    -I | --initiator2) init2=${2:?--initiator2 needs an IQN}; shift 2 ;;
    --no-multipath) multipath=0; shift ;;
    --no-sanitize) sanitize=0; shift ;;
    --xml) xml=1; shift ;;
    --write-expected) write_expected=${2:?--write-expected needs a file}; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    --) shift; positional+=("$@"); break ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) positional+=("$1"); shift ;;
  esac
done
[ ${#positional[@]} -le 2 ] || die "at most two URLs (RW_URL RO_URL), got ${#positional[@]}"
[ ${#positional[@]} -ge 1 ] && rw_url=${positional[0]}
[ ${#positional[@]} -ge 2 ] && ro_url=${positional[1]}
[ -n "$rw_url" ] || die "no writable LUN URL: pass RW_URL or set CU_RW_URL (see --help)"
[ -n "$ro_url" ] || die "no read-only LUN URL: pass RO_URL (or 'none') or set CU_RO_URL"
case $timeout_s in '' | *[!0-9]*) die "--timeout must be whole seconds, got '$timeout_s'" ;; esac
[ -n "$expected" ] || expected="$here/expected-$name.txt"
families=${families//,/ }

command -v iscsi-test-cu >/dev/null 2>&1 || die "iscsi-test-cu not found: run scripts/install-peers.sh"
command -v iscsi-inq >/dev/null 2>&1 || die "iscsi-inq not found: run scripts/install-peers.sh"

check_url() { ud_check_url "$1" || die "refusing $1"; }
check_url "$rw_url"
[ "$ro_url" = none ] || check_url "$ro_url"
[ "$rw_url" != "$ro_url" ] || die "the writable and read-only URLs are the same LUN"

if [ -z "$out" ]; then
  out=$(mktemp -d "/tmp/$me.XXXXXX")
else
  mkdir -p "$out"
fi
out=$(cd "$out" && pwd)
log "results in $out"

# Tests of each family, from the suite's own list (lines Family.Suite.Test).
iscsi-test-cu -l > "$out/all-tests.txt" 2>&1 || die "iscsi-test-cu -l failed: $(head -n 3 "$out/all-tests.txt")"
for fam in $families; do
  n=$(awk -F. -v f="$fam" 'NF == 3 && $1 == f' "$out/all-tests.txt" | wc -l)
  [ "$n" -gt 0 ] || die "family '$fam' has no tests in 'iscsi-test-cu -l' (families: $(awk -F. 'NF == 1' "$out/all-tests.txt" | tr '\n' ' '))"
done

# Turns one iscsi-test-cu log into "<family> <Family.Suite.Test> <outcome>" lines (stdout) and
# "<test> <outcome> <reason>" lines (appended to $3). CUnit prints "  Test: NAME ..." and then, after any
# messages the test logged (each on its own line), "passed" or "FAILED"; assertion failures follow as
# "    N. file:line - condition".
parse_log() {
  local fam=$1 logf=$2 reasons=$3
  awk -v fam="$fam" -v reasons="$reasons" '
    function clean(s) { gsub(/\t/, " ", s); sub(/^ +/, "", s); sub(/ +$/, "", s); return substr(s, 1, 200) }
    function emit(t, o, r) {
      if (t in outcome) return
      outcome[t] = o; order[++n] = t
      if (o != "PASSED") reason[t] = r
    }
    function handle(text) {
      if (text ~ /^passed/) { emit(cur, skipped ? "SKIPPED" : "PASSED", smsg); cur = ""; return }
      if (text ~ /^FAILED/) { emit(cur, "FAILED", fmsg); last_failed = (fmsg == "" ? cur : ""); cur = ""; return }
      if (index(text, "[SKIPPED]")) { skipped = 1; if (smsg == "") smsg = clean(text) }
      else if (index(text, "[FAILED]") && fmsg == "") fmsg = clean(text)
    }
    NR == FNR { split($0, p, "."); if (p[1] == fam && p[3] != "" && p[4] == "") listed[++nl] = $0; next }
    /^Suite: / { suite = $2; next }
    /^  Test: / {
      if (cur != "") emit(cur, "FAILED", "no outcome printed")
      line = $0; sub(/^  Test: /, "", line)
      i = index(line, " ...")
      if (i == 0) { cur = ""; next }
      cur = fam "." suite "." substr(line, 1, i - 1); skipped = 0; smsg = ""; fmsg = ""; last_failed = ""
      handle(substr(line, i + 4)); next
    }
    /^    [0-9]+\. / && last_failed != "" { reason[last_failed] = clean($0); last_failed = ""; next }
    /^Run Summary:/ { in_summary = 1 }
    in_summary && $1 == "tests" { cu_ran = $3; cu_failed = $5 }
    cur != "" { handle($0) }
    END {
      if (cur != "") emit(cur, "FAILED", "no outcome printed (run cut short?)")
      for (i = 1; i <= nl; i++) if (!(listed[i] in outcome)) emit(listed[i], "FAILED", "not run: suite set-up failed, crash or time-out")
      for (i = 1; i <= n; i++) {
        t = order[i]; print fam, t, outcome[t]
        if (outcome[t] != "PASSED") print t, outcome[t], (reason[t] == "" ? "-" : reason[t]) >> reasons
        if (outcome[t] == "FAILED" && reason[t] !~ /^not run/) nf++
        if (reason[t] !~ /^not run/) nr++
      }
      if (cu_ran != "" && (cu_ran != nr || cu_failed != nf))
        printf "PARSE-MISMATCH CUnit says ran %s failed %s, parsed ran %d failed %d\n", cu_ran, cu_failed, nr, nf > "/dev/stderr"
    }
  ' "$out/all-tests.txt" "$logf"
}

# Runs every family against one LUN and writes summary-<kind>.txt / reasons-<kind>.txt.
run_kind() {
  local kind=$1 url=$2
  shift 2
  local flags=("$@") fam logf rc mp=()
  [ "$multipath" = 1 ] && mp=("$url")
  log "[$kind] checking that $url answers (iscsi-inq)"
  if ! timeout 20 iscsi-inq -i "$init1" "$url" > "$out/$kind-inquiry.txt" 2>&1; then
    sed 's/^/  | /' "$out/$kind-inquiry.txt" >&2
    die "[$kind] cannot reach $url (iscsi-inq failed; output above)"
  fi
  : > "$out/summary-$kind.txt"
  : > "$out/reasons-$kind.txt"
  for fam in $families; do
    logf="$out/$kind-$fam.log"
    log "[$kind] iscsi-test-cu -t $fam ${flags[*]} -f -i $init1 -I $init2 $url ${mp[*]} (limit ${timeout_s}s, log $logf)"
    local start=$SECONDS
    rc=0
    (cd "$out" && timeout -k 10 "$timeout_s" iscsi-test-cu -t "$fam" "${flags[@]}" -f -i "$init1" -I "$init2" "$url" "${mp[@]}") \
      > "$logf" 2>&1 < /dev/null || rc=$?
    case $rc in
      0 | 1) ;;
      124 | 137) log "[$kind] WARNING: $fam run hit the ${timeout_s}s limit; unreported tests count as failed" ;;
      *) log "[$kind] WARNING: iscsi-test-cu exited with status $rc (crash?); unreported tests count as failed" ;;
    esac
    if ! parse_log "$fam" "$logf" "$out/reasons-$kind.txt" >> "$out/summary-$kind.txt" 2> "$out/parse-$kind-$fam.err"; then
      die "parsing $logf failed: $(cat "$out/parse-$kind-$fam.err")"
    fi
    if [ -s "$out/parse-$kind-$fam.err" ]; then
      cat "$out/parse-$kind-$fam.err" >&2
      die "parsing $logf disagrees with CUnit's own summary; the output format may have changed"
    fi
    rm -f "$out/parse-$kind-$fam.err"
    awk -v k="$kind" -v f="$fam" -v s=$((SECONDS - start)) '$1 == f { c[$3]++ } END {
      printf "run-iscsi-test-cu: [%s] %-6s pass %d fail %d skip %d (%d tests, %ds)\n", k, f, c["PASSED"], c["FAILED"], c["SKIPPED"], c["PASSED"] + c["FAILED"] + c["SKIPPED"], s }' \
      "$out/summary-$kind.txt"
    if [ "$xml" = 1 ]; then
      log "[$kind] rerunning $fam with -x for CUnit's XML report"
      rm -f "$out/CUnitAutomated-Results.xml" "$out/CUnitAutomated-Listing.xml"
      (cd "$out" && timeout -k 10 "$timeout_s" iscsi-test-cu -x -t "$fam" "${flags[@]}" -i "$init1" -I "$init2" "$url" "${mp[@]}") \
        > /dev/null 2>&1 < /dev/null || true
      if [ -f "$out/CUnitAutomated-Results.xml" ]; then
        mv "$out/CUnitAutomated-Results.xml" "$out/$kind-$fam.xml"
        rm -f "$out/CUnitAutomated-Listing.xml"
        log "[$kind] XML: $out/$kind-$fam.xml (note: CUnit's XML reports skipped tests as passed)"
      else
        log "[$kind] WARNING: no CUnitAutomated-Results.xml was written"
      fi
    fi
  done
}

rw_flags=(-d)
[ "$sanitize" = 1 ] && rw_flags+=(-S)
kinds=(rw)
run_kind rw "$rw_url" "${rw_flags[@]}"
if [ "$ro_url" != none ]; then
  kinds+=(ro)
  run_kind ro "$ro_url"
fi

# Counts per kind and family, and totals.
: > "$out/counts.txt"
for kind in "${kinds[@]}"; do
  awk -v k="$kind" '{ c[$1 " " $3]++; fams[$1] = 1; t[$3]++ } END {
      for (f in fams) printf "%s %s pass %d fail %d skip %d\n", k, f, c[f " PASSED"], c[f " FAILED"], c[f " SKIPPED"]
      printf "%s ALL pass %d fail %d skip %d\n", k, t["PASSED"], t["FAILED"], t["SKIPPED"] }' "$out/summary-$kind.txt" \
    | sort >> "$out/counts.txt"
done
for kind in "${kinds[@]}"; do sed "s/^/$kind /" "$out/summary-$kind.txt"; done > "$out/all-results.txt"
awk '{ t[$4]++ } END { printf "TOTAL ALL pass %d fail %d skip %d\n", t["PASSED"], t["FAILED"], t["SKIPPED"] }' "$out/all-results.txt" >> "$out/counts.txt"

echo
log "counts (iscsi-test-cu's own summary counts skips as passes; these do not):"
while read -r kind fam _ p _ f _ s; do
  printf '  %-5s %-6s pass %4d fail %4d skip %4d\n' "$kind" "$fam" "$p" "$f" "$s"
done < "$out/counts.txt"

# Reasons joined to results, for the expected-file check: "<kind> <test> <outcome> <reason>".
for kind in "${kinds[@]}"; do sed "s/^/$kind /" "$out/reasons-$kind.txt"; done > "$out/all-reasons.txt"

if [ -n "$write_expected" ]; then
  # One line per failing or skipped test; a test with the same outcome on both LUN kinds gets no prefix.
  {
    echo "# Known failures and skips of iscsi-test-cu against '$name' (written by $me on $(date -u +%Y-%m-%d))."
    echo "# <test> <fail|skip> <reason>; rw:/ro: limits a line to the writable/read-only LUN; * is a wildcard."
    awk -v nkinds=${#kinds[@]} '
      { k = $1; t = $2; o = ($3 == "SKIPPED" ? "skip" : "fail")
        r = $0; sub(/^[^ ]+ [^ ]+ [^ ]+ /, "", r)
        if (!(t in seen)) order[++n] = t
        seen[t]++; out[t, k] = o; why[t, k] = r; kinds_of[t] = kinds_of[t] " " k }
      END {
        for (i = 1; i <= n; i++) {
          t = order[i]
          if (nkinds == 2 && seen[t] == 2 && out[t, "rw"] == out[t, "ro"]) { print t, out[t, "rw"], why[t, "rw"]; continue }
          split(substr(kinds_of[t], 2), ks, " ")
          for (j in ks) print ks[j] ":" t, out[t, ks[j]], why[t, ks[j]]
        }
      }' "$out/all-reasons.txt"
  } > "$write_expected"
  log "wrote $(grep -vc '^#' "$write_expected") expected entries to $write_expected"
fi

# Verdict against the expected file.
if [ -f "$expected" ]; then
  log "checking against $expected"
  exp_file=$expected
else
  log "WARNING: $expected does not exist; every failure and skip is unexpected"
  exp_file=/dev/null
fi
bad_entries=$(awk '!/^[[:space:]]*(#|$)/ && $2 != "fail" && $2 != "skip" { print FILENAME ":" FNR ": " $0 }' "$exp_file")
[ -z "$bad_entries" ] || die "malformed expected entries (second field must be fail or skip):
$bad_entries"

awk -v unexpected="$out/unexpected.txt" -v passing="$out/now-passing.txt" '
  function glob2re(g,   r) {
    r = g; gsub(/[.+?()|{}^$\[\]\\]/, "\\\\&", r); gsub(/\*/, ".*", r); return "^" r "$"
  }
  FILENAME == ARGV[1] {
    if ($0 ~ /^[[:space:]]*(#|$)/) next
    ne++; pat = $1; ekind[ne] = ""
    if (pat ~ /^(rw|ro):/) { ekind[ne] = substr(pat, 1, 2); pat = substr(pat, 4) }
    ere[ne] = glob2re(pat); estat[ne] = $2; etext[ne] = $0
    next
  }
  FILENAME == ARGV[2] { r = $0; sub(/^[^ ]+ [^ ]+ [^ ]+ /, "", r); why[$1 " " $2] = r; next }
  {
    k = $1; t = $3; o = $4
    for (i = 1; i <= ne; i++) {
      if (ekind[i] != "" && ekind[i] != k) continue
      if (t !~ ere[i]) continue
      ran[i]++
      if (o == "PASSED") break
      used[i]++
      want = (o == "SKIPPED" ? "skip" : "fail")
      if (estat[i] != want) print k ":" t, o, "(listed as " estat[i] "; " why[k " " t] ")" > unexpected
      break
    }
    if (i > ne && o != "PASSED") print k ":" t, o, "(" why[k " " t] ")" > unexpected
  }
  END {
    printf "" >> unexpected; printf "" >> passing
    for (i = 1; i <= ne; i++) if (ran[i] > 0 && used[i] == 0) print etext[i] > passing
  }' "$exp_file" "$out/all-reasons.txt" "$out/all-results.txt"

n_unexpected=$(wc -l < "$out/unexpected.txt")
n_passing=$(wc -l < "$out/now-passing.txt")
if [ "$n_passing" -gt 0 ]; then
  log "$n_passing listed entries now pass (trim them from $(basename "$expected")):"
  sed 's/^/  + /' "$out/now-passing.txt"
fi
if [ "$n_unexpected" -gt 0 ]; then
  log "$n_unexpected UNEXPECTED results (not listed in $(basename "$expected")):"
  sed 's/^/  - /' "$out/unexpected.txt"
  log "FAIL: $n_unexpected unexpected failures/skips; logs and summaries in $out"
  exit 1
fi
log "OK: every failure and skip is listed in $(basename "$expected"); logs and summaries in $out"
