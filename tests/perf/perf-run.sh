#!/usr/bin/env bash
# The perf suites work end to end (not how fast: perf/RESULTS.md holds numbers, measured on purpose, never here):
#   - `perf/run --suite quick` with 1 s jobs starts userdisk serve and tgtd, runs every quick job on both, and leaves
#     fio's JSON (no errors), results.tsv, the table, summary.md, PNG charts and an index.html that shows them;
#   - `perf/run --suite verify` passes on a file LUN, across a restart of userdisk serve between the write and the
#     check, after a write that stopped part-way through the region;
#   - the same check fails when the data changed behind the target's back (so the suite can fail);
#   - perf/run refuses to write to a --target it did not start unless --i-know-this-erases names it.
# Prints "perf-run: passed N, failed N" and writes "passed N" / "failed N" to $E2E_RESULT when set.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
passed=0
failed=0
say() { printf '== perf-run: %s\n' "$*"; }
ok() { passed=$((passed + 1)); say "ok: $*"; }
fail() { failed=$((failed + 1)); printf 'perf-run: FAIL: %s\n' "$*" >&2; }

work=$(mktemp -d /tmp/userdisk-perf-run.XXXXXX)
trap '[ -n "${KEEP_PERF_RUN:-}" ] || rm -rf "$work"' EXIT

# --- quick suite, short --------------------------------------------------------------------------------------------
quick="$work/quick"
if perf/run --suite quick --runtime 1 --ramp 0 --size 256m --out "$quick" >"$work/quick.log" 2>&1; then
  ok "perf/run --suite quick exited 0"
else
  tail -n 30 "$work/quick.log"
  fail "perf/run --suite quick failed"
fi
rows=$(awk -F'\t' 'NR > 1 && $4 > 0 && $11 == 0' "$quick/results.tsv" 2>/dev/null | wc -l)
if [ "$rows" = 14 ]; then ok "results.tsv: 7 jobs x 2 targets, every one with IOPS > 0 and no fio error"; else fail "results.tsv has $rows good rows, expected 14"; fi
json_ok=0
for j in "$quick"/json/*.json; do
  [ -e "$j" ] && jq -e '.jobs[0].error == 0 and (.jobs[0].mixed.iops > 0)' "$j" >/dev/null 2>&1 && json_ok=$((json_ok + 1))
done
if [ "$json_ok" = 14 ]; then ok "14 fio JSON results kept, each with IOPS and no error"; else fail "$json_ok good fio JSON files, expected 14"; fi
ratios=$(awk -F'\t' '$13 ~ /^[0-9.]+$/' "$quick/table.tsv" 2>/dev/null | wc -l)
if [ "$ratios" = 7 ] && grep -q 'ratio = UserDisk IOPS / tgtd IOPS' "$work/quick.log"; then
  ok "the printed table has a UserDisk / tgtd ratio for all 7 jobs"
else
  fail "the table has $ratios ratios, expected 7"
fi
pngs=0
for c in iops throughput latency; do
  f="$quick/charts/$c-file.png"
  # a real PNG, not an empty plot: signature and a few KiB of drawing
  if [ -f "$f" ] && [ "$(head -c 8 "$f" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] && [ "$(stat -c %s "$f")" -gt 8000 ]; then
    pngs=$((pngs + 1))
  fi
done
if [ "$pngs" = 3 ]; then ok "charts: iops, throughput and latency PNGs drawn"; else fail "$pngs of 3 charts are real PNGs"; fi
if [ -f "$quick/index.html" ] && [ "$(grep -c '<img src="charts/' "$quick/index.html")" = 3 ] &&
  [ "$(grep -c '<tr><td>file</td>' "$quick/index.html")" = 7 ]; then
  ok "index.html holds the 7 rows and the 3 charts"
else
  fail "index.html lacks rows or charts"
fi

# --- verify suite across a restart ---------------------------------------------------------------------------------
if perf/run --suite verify --out "$work/verify" >"$work/verify.log" 2>&1; then
  ok "perf/run --suite verify exited 0"
else
  tail -n 30 "$work/verify.log"
  fail "perf/run --suite verify failed"
fi
written=$(sed -n 's/.*verify-write .*: \([0-9]*\) MiB of \([0-9]*\) MiB written/\1 \2/p' "$work/verify.log")
read -r w total <<<"${written:-0 0}"
if grep -q 'verify-check after the restart: passed: all [0-9]* MiB' "$work/verify.log" && [ "$w" -gt 0 ]; then
  ok "verify-check passed after userdisk serve restarted ($w MiB of $total MiB written before the restart)"
else
  fail "verify-check did not pass after the restart"
fi
if grep -q 'userdisk serve stopped (SIGTERM); starting it again' "$work/verify.log"; then ok "userdisk serve was restarted between write and check"; else fail "no restart between write and check"; fi

# --- the check can fail: same write, then the backing file is changed while the target is down ----------------------
bin="src/UserDisk.Server/bin/${CONFIG:-Release}/net10.0/userdisk"
# shellcheck source=tests/conformance/lib.sh
. tests/conformance/lib.sh
# shellcheck source=tests/conformance/tgtd.sh
. tests/conformance/tgtd.sh
fio=$(ud_fio)
port=$(tgtd_free_port)
http=$(tgtd_free_port)
cat >"$work/serve.json" <<EOF
{ "UserDisk": { "Frontend": "iscsi", "Http": "127.0.0.1:$http", "DataDir": "$work/data",
  "Targets": [ { "Name": "iqn.2026-11.io.userdisk:verify", "Portal": "127.0.0.1:$port",
    "Luns": [ { "Number": 0, "Backstore": "file:$work/lun.img?size=256M&create" } ] } ] } }
EOF
serve() {
  "$bin" serve --config "$work/serve.json" >>"$work/serve.log" 2>&1 &
  serve_pid=$!
  for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$http/readyz" >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}
export FIO_ENGINE=libiscsi FIO_SIZE=256m FIO_RUNTIME=5 FIO_FILENAME
FIO_FILENAME=$(ud_fio_filename "iscsi://127.0.0.1:$port/iqn.2026-11.io.userdisk:verify/0")
mkdir -p "$work/state"
serve
"$fio" --aux-path="$work/state" --section=verify-write perf/fio/verify.fio >"$work/neg-write.log" 2>&1 || fail "verify-write failed"
kill -TERM "$serve_pid"; wait "$serve_pid" || true
# 1 MiB of random bytes over the start of the region, where the write surely went
dd if=/dev/urandom of="$work/lun.img" bs=1M count=1 seek=8 conv=notrunc status=none
serve
if "$fio" --aux-path="$work/state" --section=verify-check perf/fio/verify.fio >"$work/neg-check.log" 2>&1; then
  fail "verify-check passed although 1 MiB of the file was overwritten"
elif grep -q 'verify: bad' "$work/neg-check.log"; then
  ok "verify-check fails when blocks were changed behind the target ($(grep -c 'verify: bad' "$work/neg-check.log") bad block reports)"
else
  tail -n 5 "$work/neg-check.log"
  fail "verify-check failed without reporting a bad block"
fi
kill -TERM "$serve_pid"; wait "$serve_pid" || true

# --- the erase guard -----------------------------------------------------------------------------------------------
url="iscsi://127.0.0.1:$port/iqn.2026-11.io.userdisk:verify/0"
if perf/run --target "$url" --peer none >"$work/guard.log" 2>&1; then
  fail "perf/run wrote to --target $url without --i-know-this-erases"
elif grep -q "pass --i-know-this-erases $url" "$work/guard.log"; then
  ok "perf/run refuses to write to a target it did not start without --i-know-this-erases"
else
  cat "$work/guard.log"
  fail "perf/run refused, but not for the erase guard"
fi

echo "perf-run: passed $passed, failed $failed"
if [ -n "${E2E_RESULT:-}" ]; then printf 'passed %d\nfailed %d\n' "$passed" "$failed" >"$E2E_RESULT"; fi
[ "$failed" -eq 0 ]
