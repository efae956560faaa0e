#!/usr/bin/env bash
# Helpers shared by the conformance and peer-measurement scripts. Source it; it sets no shell options.
#   ud_check_url URL        succeed when URL is iscsi://[user[%pass]@]HOST[:PORT]/IQN/LUN on loopback
#   ud_fio_filename URL     print URL with every ':' escaped as '\:' (fio splits file names at ':')
#   ud_fio                  print the path of a fio that has the libiscsi engine, or fail with a reason
#   ud_block_size URL       print the LUN's logical block size in bytes (READ CAPACITY 16)
#   ud_repo                 the repository's root directory

ud_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

ud_check_url() {
  local url=$1 rest host
  case $url in
    iscsi://*) ;;
    *) echo "'$url' is not an iscsi:// URL" >&2; return 1 ;;
  esac
  rest=${url#iscsi://}
  case $rest in *@*) rest=${rest#*@} ;; esac
  host=${rest%%/*}
  case $host in
    \[::1\] | \[::1\]:* | localhost | localhost:* | 127.*) ;;
    *)
      echo "'$url' is not a loopback target: only 127.0.0.0/8, localhost and [::1] may be tested here" >&2
      return 1
      ;;
  esac
  case $rest in
    */*/[0-9]*) ;;
    *) echo "'$url' lacks /IQN/LUN" >&2; return 1 ;;
  esac
}

ud_fio_filename() {
  printf '%s\n' "${1//:/\\:}"
}

ud_fio() {
  local fio=${FIO:-$ud_repo/.tools/fio}
  if [ ! -x "$fio" ]; then
    echo "no fio at $fio: run scripts/build-fio.sh (or set FIO=path)" >&2
    return 1
  fi
  if ! "$fio" --enghelp 2>/dev/null | grep -qw libiscsi; then
    echo "$fio has no libiscsi engine: run scripts/build-fio.sh" >&2
    return 1
  fi
  echo "$fio"
}

ud_block_size() {
  local out bs
  out=$(timeout 20 iscsi-readcapacity16 "$1" 2>&1) || {
    echo "READ CAPACITY 16 on $1 failed: $out" >&2
    return 1
  }
  bs=$(printf '%s\n' "$out" | awk -F: '/LOGICAL BLOCK LENGTH IN BYTES/ { gsub(/ /, "", $2); print $2; exit }')
  case $bs in
    '' | *[!0-9]*) echo "no block length in READ CAPACITY 16 output of $1" >&2; return 1 ;;
  esac
  echo "$bs"
}
