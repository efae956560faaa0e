#!/usr/bin/env bash
# The conformance stage of `make test`: real initiators against `userdisk serve`.
#   1. starts the Release build of `userdisk serve` on free loopback ports with a writable file LUN (0), a
#      read-only file LUN (1) and a memory LUN (2);
#   2. runs libiscsi's iscsi-test-cu against it and against tgtd in the same run (compare-with-tgtd.sh):
#      every failure and skip must be listed with its reason in expected-userdisk.txt, and UserDisk must
#      fail fewer and skip fewer tests than tgtd;
#   3. fio (libiscsi engine) writes crc32c-verified blocks over LUN 0, userdisk is restarted (SIGTERM, as an
#      operator would), and the blocks are read back and verified: nothing may be lost.
# Writes "passed N" / "failed N" to $CONFORMANCE_RESULT (if set) for scripts/run-tests.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
conformance=tests/conformance
config=${CONFIG:-Release}
bin="$root/src/UserDisk.Server/bin/$config/net10.0/userdisk"
iqn=iqn.2026-11.io.userdisk:conformance
passed=0
failed=0

say() { printf '== conformance: %s\n' "$*"; }
fail() { printf 'conformance: %s\n' "$*" >&2; failed=$((failed + 1)); }

[ -x "$bin" ] || { echo "conformance: $bin is missing: build first (make build)" >&2; exit 2; }
scripts/install-peers.sh >/dev/null
[ -x .tools/fio ] || scripts/build-fio.sh

work=$(mktemp -d /tmp/userdisk-conformance.XXXXXX)
serve_pid=""
stop_serve() {
  if [ -n "$serve_pid" ] && kill -0 "$serve_pid" 2>/dev/null; then
    kill -TERM "$serve_pid"
    wait "$serve_pid" || true
  fi
  serve_pid=""
}
cleanup() {
  stop_serve
  [ -n "${KEEP_CONFORMANCE:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

port=$("$conformance/tgtd.sh" free-port)
http=$("$conformance/tgtd.sh" free-port)
while [ "$http" = "$port" ]; do http=$("$conformance/tgtd.sh" free-port); done

# The read-only LUN holds a known pattern, so reads of it return real data.
head -c $((64 * 1024 * 1024)) /dev/urandom > "$work/ro.img"
cat > "$work/config.json" <<JSON
{
  "UserDisk": {
    "Frontend": "iscsi",
    "Http": "127.0.0.1:$http",
    "DataDir": "$work",
    "Targets": [
      {
        "Name": "$iqn",
        "Portal": "127.0.0.1:$port",
        "Luns": [
          { "Number": 0, "Name": "rw", "Backstore": "file:{DataDir}/rw.img?size=256M&create" },
          { "Number": 1, "Name": "ro", "Backstore": "file:{DataDir}/ro.img", "ReadOnly": true },
          { "Number": 2, "Name": "mem", "Backstore": "memory:256M" }
        ]
      }
    ]
  }
}
JSON

start_serve() {
  "$bin" serve --config "$work/config.json" >>"$work/serve.log" 2>&1 &
  serve_pid=$!
  for _ in $(seq 1 100); do
    if curl -fsS "http://127.0.0.1:$http/readyz" >/dev/null 2>&1; then
      return 0
    fi
    kill -0 "$serve_pid" 2>/dev/null || break
    sleep 0.2
  done
  tail -n 30 "$work/serve.log" >&2
  echo "conformance: userdisk serve did not become ready" >&2
  exit 2
}

rw="iscsi://127.0.0.1:$port/$iqn/0"
ro="iscsi://127.0.0.1:$port/$iqn/1"
say "userdisk serve on 127.0.0.1:$port (HTTP $http), data in $work"
start_serve

# Both targets run the same tests. The multipath suite is left out for both: passing the same URL twice makes
# libiscsi keep a second session open, and that session then (correctly, SPC-5) receives the unit attentions
# other tests raise, which libiscsi's tests written against targets without them do not expect.
export CU_MULTIPATH=0
cmp_rc=0
"$conformance/compare-with-tgtd.sh" --name userdisk --out "$work/compare" "$rw" "$ro" || cmp_rc=$?
counts="$work/compare/userdisk/counts.txt"
if [ -f "$counts" ]; then
  read -r _ _ _ upass _ ufail _ uskip < <(grep '^TOTAL ALL' "$counts")
  passed=$((passed + upass))
  unexpected=0
  [ -s "$work/compare/userdisk/unexpected.txt" ] && unexpected=$(wc -l < "$work/compare/userdisk/unexpected.txt")
  failed=$((failed + unexpected))
  say "userdisk: pass $upass fail $ufail skip $uskip ($unexpected unexpected)"
fi
if [ "$cmp_rc" -eq 0 ]; then
  passed=$((passed + 1))
else
  fail "compare-with-tgtd.sh exited $cmp_rc (see above)"
fi

say "data integrity: fio writes crc32c-verified blocks, userdisk restarts, fio verifies"
if "$conformance/fio-verify.sh" --phase write "$rw"; then
  stop_serve
  start_serve
  if "$conformance/fio-verify.sh" --phase verify "$rw"; then
    passed=$((passed + 1))
    say "data integrity: every block written before the restart read back intact"
  else
    fail "fio verify after restart found lost or corrupted blocks"
  fi
else
  fail "fio write phase failed"
fi

if grep -E "Unhandled exception|FailFast" "$work/serve.log" >/dev/null; then
  fail "userdisk serve logged an unhandled exception (see $work/serve.log)"
fi

say "passed $passed, failed $failed"
if [ -n "${CONFORMANCE_RESULT:-}" ]; then
  printf 'passed %d\nfailed %d\n' "$passed" "$failed" > "$CONFORMANCE_RESULT"
fi
[ "$failed" -eq 0 ]
