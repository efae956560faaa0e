#!/usr/bin/env bash
# Measures two iSCSI targets side by side with iscsi-perf and fio (libiscsi engine), on a file-backed and a
# memory-backed LUN of each, and prints IOPS and bandwidth of both with the ratio second/first.
#
# usage: perf/compare-peers.sh [options] [FIRST_FILE_URL FIRST_MEM_URL] SECOND_FILE_URL SECOND_MEM_URL
#        perf/compare-peers.sh [options] --second-tgtd
#   With two URLs they are the second target's LUNs and a tgtd is started as the first target.
#   With four URLs both targets are given. URLs must be loopback; the LUNs' data is overwritten.
#   Environment instead of arguments: PERF_FIRST_FILE_URL, PERF_FIRST_MEM_URL, PERF_SECOND_FILE_URL,
#   PERF_SECOND_MEM_URL.
# options (and environment):
#   --second-tgtd        start a second tgtd as the second target (tgtd vs tgtd: ratios should be ~1.0)
#   --first-name NAME    label of the first target  (PERF_FIRST_NAME,  default tgtd)
#   --second-name NAME   label of the second target (PERF_SECOND_NAME, default userdisk, or tgtd-2)
#   -t, --runtime SEC    measured seconds of each run (PERF_RUNTIME, default 10)
#   --ramp SEC           fio warm-up seconds before measuring (PERF_RAMP, default 1)
#   -r, --repeat N       measure each pair N times, alternating which target goes first, and report
#                        the median (PERF_REPEAT, default 1; use 3+ on a busy machine)
#   --tools LIST         iscsi-perf and/or fio (PERF_TOOLS, default "iscsi-perf fio")
#   --workloads LIST     (PERF_WORKLOADS, default all): randread-4k-qd1 randread-4k-qd32
#                        randwrite-4k-qd32 seqread-128k-qd32 (iscsi-perf only reads; it skips randwrite)
#   --luns LIST          file and/or mem (PERF_LUNS, default "file mem")
#   --no-prefill         do not write each LUN once before measuring (PERF_PREFILL=0)
#   -o, --out DIR        keep raw outputs and results.tsv in DIR (PERF_OUT, default a new temp dir)
#   PERF_LUN_SIZE        size of the LUNs of a tgtd started here (default 256M): the file LUN is a sparse
#                        file under /tmp (disk, through the page cache), the memory LUN a file in /dev/shm
#   FIO                  fio with the libiscsi engine (default .tools/fio, from scripts/build-fio.sh)
# fio's jobs are perf/fio/<workload>.fio, parameterised by FIO_FILENAME, FIO_RUNTIME and FIO_RAMP.
# A full default run is 28 measurements of ~10 s: about 5 minutes (x N with --repeat N).
set -euo pipefail

me="compare-peers"
log() { echo "$me: $*"; }
die() { echo "$me: ERROR: $*" >&2; exit 2; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
conf="$here/../tests/conformance"
# shellcheck source=tests/conformance/lib.sh
. "$conf/lib.sh"
# shellcheck source=tests/conformance/tgtd.sh
. "$conf/tgtd.sh"

first_name=${PERF_FIRST_NAME:-tgtd}
second_name=${PERF_SECOND_NAME:-}
runtime=${PERF_RUNTIME:-10}
repeat=${PERF_REPEAT:-1}
ramp=${PERF_RAMP:-1}
tools=${PERF_TOOLS:-iscsi-perf fio}
workloads=${PERF_WORKLOADS:-randread-4k-qd1 randread-4k-qd32 randwrite-4k-qd32 seqread-128k-qd32}
luns=${PERF_LUNS:-file mem}
prefill=${PERF_PREFILL:-1}
out=${PERF_OUT:-}
second_tgtd=0
first_file=${PERF_FIRST_FILE_URL:-}
first_mem=${PERF_FIRST_MEM_URL:-}
second_file=${PERF_SECOND_FILE_URL:-}
second_mem=${PERF_SECOND_MEM_URL:-}

args=()
while [ $# -gt 0 ]; do
  case $1 in
    --second-tgtd) second_tgtd=1; shift ;;
    --first-name) first_name=${2:?}; shift 2 ;;
    --second-name) second_name=${2:?}; shift 2 ;;
    -t | --runtime) runtime=${2:?}; shift 2 ;;
    --ramp) ramp=${2:?}; shift 2 ;;
    -r | --repeat) repeat=${2:?}; shift 2 ;;
    --tools) tools=${2:?}; shift 2 ;;
    --workloads) workloads=${2:?}; shift 2 ;;
    --luns) luns=${2:?}; shift 2 ;;
    --no-prefill) prefill=0; shift ;;
    -o | --out) out=${2:?}; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; exit 0 ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) args+=("$1"); shift ;;
  esac
done
case ${#args[@]} in
  0) ;;
  2) second_file=${args[0]}; second_mem=${args[1]} ;;
  4) first_file=${args[0]}; first_mem=${args[1]}; second_file=${args[2]}; second_mem=${args[3]} ;;
  *) die "give 2 URLs (second target) or 4 (first and second), not ${#args[@]}; see --help" ;;
esac
for v in "$runtime" "$ramp" "$repeat"; do
  case $v in '' | *[!0-9]*) die "--runtime, --ramp and --repeat take whole numbers, got '$v'" ;; esac
done
[ "$runtime" -gt 0 ] || die "--runtime must be at least 1 second"
[ "$repeat" -gt 0 ] || die "--repeat must be at least 1"
repeat_note=""
[ "$repeat" -eq 1 ] || repeat_note=yes
tools=${tools//,/ }
workloads=${workloads//,/ }
luns=${luns//,/ }
for w in $workloads; do
  case $w in randread-4k-qd1 | randread-4k-qd32 | randwrite-4k-qd32 | seqread-128k-qd32) ;; *) die "unknown workload $w" ;; esac
done
for t in $tools; do
  case $t in iscsi-perf | fio) ;; *) die "unknown tool $t (iscsi-perf, fio)" ;; esac
done
for l in $luns; do
  case $l in file | mem) ;; *) die "unknown LUN kind $l (file, mem)" ;; esac
done

command -v iscsi-perf >/dev/null 2>&1 || die "iscsi-perf not found: run scripts/install-peers.sh"
command -v iscsi-readcapacity16 >/dev/null 2>&1 || die "iscsi-readcapacity16 not found: run scripts/install-peers.sh"
command -v jq >/dev/null 2>&1 || die "jq not found: run scripts/install-peers.sh"
fio=$(ud_fio) || die "fio with libiscsi is needed (scripts/build-fio.sh)"

work=$(mktemp -d "/tmp/$me.XXXXXX")
ports=()
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  local p
  for p in "${ports[@]}"; do tgtd_stop "$p" > /dev/null 2>&1 || true; done
  rm -f /dev/shm/"$(basename "$work")"-*-mem.img
  rm -rf "$work"
}
trap cleanup EXIT
[ -n "$out" ] || out=$(mktemp -d "/tmp/$me-results.XXXXXX")
mkdir -p "$out"

# start_tgtd LABEL -> sets started_file / started_mem
start_tgtd() {
  local label=$1 port size=${PERF_LUN_SIZE:-256M}
  [ -d /dev/shm ] || die "/dev/shm is missing: no memory-backed LUN for tgtd"
  truncate -s "$size" "$work/$label-file.img"
  truncate -s "$size" "/dev/shm/$(basename "$work")-$label-mem.img"
  port=$(tgtd_free_port)
  ports+=("$port")
  # LUN 1 = file on disk, LUN 2 left out, LUN 3 = file in /dev/shm (memory)
  tgtd_start "$port" "$work/$label-file.img" - "/dev/shm/$(basename "$work")-$label-mem.img" ||
    die "tgtd ($label) did not start"
  started_file=$(tgtd_url "$port" 1)
  started_mem=$(tgtd_url "$port" 3)
}

started_file="" started_mem=""
if [ -z "$first_file" ] && [ -z "$first_mem" ]; then
  log "no first target given: starting tgtd as '$first_name'"
  start_tgtd first
  first_file=$started_file first_mem=$started_mem
fi
if [ "$second_tgtd" = 1 ]; then
  if [ -n "$second_file" ] || [ -n "$second_mem" ]; then
    die "--second-tgtd and second-target URLs exclude each other"
  fi
  [ -n "$second_name" ] || second_name=tgtd-2
  log "starting a second tgtd as '$second_name'"
  start_tgtd second
  second_file=$started_file second_mem=$started_mem
fi
[ -n "$second_name" ] || second_name=userdisk
[ "$first_name" != "$second_name" ] || second_name="$second_name-2"

declare -A url
url[first/file]=$first_file url[first/mem]=$first_mem
url[second/file]=$second_file url[second/mem]=$second_mem
for side in first second; do
  for l in $luns; do
    [ -n "${url[$side/$l]}" ] || die "no URL for the $side target's $l LUN (see --help)"
    ud_check_url "${url[$side/$l]}" || die "refusing ${url[$side/$l]}"
  done
done
label() { if [ "$1" = first ]; then echo "$first_name"; else echo "$second_name"; fi; }

declare -A blocksize
for side in first second; do
  for l in $luns; do
    blocksize[$side/$l]=$(ud_block_size "${url[$side/$l]}") || die "cannot read the capacity of ${url[$side/$l]}"
    log "$(label "$side") $l LUN: ${url[$side/$l]} (block size ${blocksize[$side/$l]})"
  done
done

# Write each LUN once so reads hit written blocks rather than holes a target could answer for free.
if [ "$prefill" = 1 ]; then
  for side in first second; do
    for l in $luns; do
      log "prefill: writing all of $(label "$side")'s $l LUN once (fio prefill.fio)"
      FIO_FILENAME=$(ud_fio_filename "${url[$side/$l]}") timeout -k 5 600 "$fio" "$here/fio/prefill.fio" \
        --output-format=json --output="$out/prefill-$side-$l.json" > "$out/prefill-$side-$l.err" 2>&1 ||
        die "prefill of ${url[$side/$l]} failed: $(grep -v '^note:' "$out/prefill-$side-$l.err" | head -n 5)"
    done
  done
fi

# run_iscsi_perf SIDE LUN WORKLOAD -> prints "IOPS MiB/s", or "n/a n/a" when iscsi-perf cannot run it
run_iscsi_perf() {
  local side=$1 l=$2 w=$3 rep=$4
  local bs=${blocksize[$side/$l]} bytes depth rnd=() f
  case $w in
    randread-4k-qd1) bytes=4096 depth=1 rnd=(-r) ;;
    randread-4k-qd32) bytes=4096 depth=32 rnd=(-r) ;;
    seqread-128k-qd32) bytes=131072 depth=32 ;;
    *) echo "n/a n/a"; return 0 ;;
  esac
  [ $((bytes % bs)) -eq 0 ] || die "block size $bs does not divide $bytes"
  f="$out/iscsi-perf-$side-$l-$w-$rep.txt"
  timeout -k 5 $((runtime + 30)) iscsi-perf -i "iqn.2026-11.io.userdisk.test:perf" -m "$depth" -b $((bytes / bs)) \
    "${rnd[@]}" -t "$runtime" "${url[$side/$l]}" > "$f" 2>&1 < /dev/null ||
    die "iscsi-perf $w on ${url[$side/$l]} failed: $(tr '\r' '\n' < "$f" | tail -n 5)"
  local iops
  iops=$(tr '\r' '\n' < "$f" | grep -o 'iops average [0-9]*' | tail -n 1 | awk '{ print $3 }')
  if ! grep -q 'finished' "$f" || [ -z "$iops" ]; then
    die "iscsi-perf printed no final average in $f"
  fi
  awk -v i="$iops" -v b="$bytes" 'BEGIN { printf "%.0f %.1f\n", i, i * b / 1048576 }'
}

# run_fio SIDE LUN WORKLOAD -> prints "IOPS MiB/s"
run_fio() {
  local side=$1 l=$2 w=$3 rep=$4 f dir="read"
  [ "$w" != randwrite-4k-qd32 ] || dir="write"
  f="$out/fio-$side-$l-$w-$rep.json"
  FIO_FILENAME=$(ud_fio_filename "${url[$side/$l]}") FIO_RUNTIME=$runtime FIO_RAMP=$ramp \
    timeout -k 5 $((runtime + ramp + 30)) "$fio" "$here/fio/$w.fio" --output-format=json --output="$f" \
    > "$f.err" 2>&1 < /dev/null || die "fio $w on ${url[$side/$l]} failed: $(grep -v '^note:' "$f.err" | head -n 5)"
  local err
  err=$(jq -r '[.jobs[].error] | add' "$f") || die "fio wrote no JSON to $f"
  [ "$err" = 0 ] || die "fio $w on ${url[$side/$l]} reported error $err"
  jq -r --arg d "$dir" '[([.jobs[][$d].iops] | add), ([.jobs[][$d].bw_bytes] | add) / 1048576] | "\(.[0] | round) \(.[1] * 10 | round / 10)"' "$f"
}

# median "IOPS MiB/s" lines -> the line with the median IOPS (the lower middle one for an even count)
median() {
  printf '%s' "$1" | sed '/^$/d' | sort -n -k1,1 | awk '{ l[NR] = $0 } END { print l[int((NR + 1) / 2)] }'
}

describe() {
  case $1 in
    randread-4k-qd1) echo "4K rand read QD1" ;;
    randread-4k-qd32) echo "4K rand read QD32" ;;
    randwrite-4k-qd32) echo "4K rand write QD32" ;;
    seqread-128k-qd32) echo "128K seq read QD32" ;;
  esac
}

printf 'workload\tlun\ttool\t%s_iops\t%s_mibps\t%s_iops\t%s_mibps\tratio\n' \
  "$first_name" "$first_name" "$second_name" "$second_name" > "$out/results.tsv"
n=0
for l in $luns; do for w in $workloads; do for t in $tools; do
  if [ "$t" = fio ] || [ "$w" != randwrite-4k-qd32 ]; then n=$((n + 2 * repeat)); fi
done; done; done
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
log "$n measurements of ${runtime}s each (fio ramps up ${ramp}s more); load average now $load_before; raw outputs in $out"
start_all=$SECONDS
for l in $luns; do
  for w in $workloads; do
    for t in $tools; do
      [ "$t" = fio ] || [ "$w" != randwrite-4k-qd32 ] || continue
      declare -A r=([first]="" [second]="")
      for rep in $(seq 1 "$repeat"); do
        # Alternate which target goes first, so drift and warm-up favour neither.
        order="first second"
        [ $((rep % 2)) -eq 1 ] || order="second first"
        for side in $order; do
          log "$t $w on $(label "$side")'s $l LUN${repeat_note:+ (run $rep of $repeat)}"
          if [ "$t" = fio ]; then m=$(run_fio "$side" "$l" "$w" "$rep"); else m=$(run_iscsi_perf "$side" "$l" "$w" "$rep"); fi
          r[$side]+="$m"$'\n'
        done
      done
      read -r fi_iops fi_bw <<< "$(median "${r[first]}")"
      read -r se_iops se_bw <<< "$(median "${r[second]}")"
      ratio=$(awk -v a="$fi_iops" -v b="$se_iops" 'BEGIN { if (a > 0) printf "%.2f", b / a; else print "n/a" }')
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$w" "$l" "$t" "$fi_iops" "$fi_bw" "$se_iops" "$se_bw" "$ratio" >> "$out/results.tsv"
    done
  done
done

echo
log "results ($(date -u '+%Y-%m-%d %H:%M UTC'), ${runtime}s per run, median of $repeat, $(nproc) CPUs, load average before/after: $load_before / $(cut -d' ' -f1-3 /proc/loadavg)); ratio = $second_name / $first_name:"
printf '%-20s %-4s %-10s | %9s %9s | %9s %9s | %6s\n' "workload" "lun" "tool" "$first_name" "MiB/s" "$second_name" "MiB/s" "ratio"
printf '%s\n' "-------------------------------------+---------------------+---------------------+-------"
tail -n +2 "$out/results.tsv" | while IFS=$'\t' read -r w l t a ab b bb ratio; do
  printf '%-20s %-4s %-10s | %9d %9.1f | %9d %9.1f | %6s\n' "$(describe "$w")" "$l" "$t" "$a" "$ab" "$b" "$bb" "$ratio"
done
log "done in $((SECONDS - start_all))s of measuring; table as TSV: $out/results.tsv"
