#!/usr/bin/env bash
# Starts and stops tgtd, the reference user-space iSCSI target, on a loopback port.
#
# As a command:
#   tgtd.sh start PORT FILE [ROFILE [EXTRA_FILE...]]   start tgtd on 127.0.0.1:PORT
#   tgtd.sh stop [PORT]                                 stop it (the only running one when PORT is omitted)
#   tgtd.sh url PORT LUN                                print the iSCSI URL of a LUN
#   tgtd.sh free-port                                   print a free loopback TCP port
#   tgtd.sh status [PORT]                               show the target and its LUNs
# Sourced (`. tests/conformance/tgtd.sh`): the same as functions tgtd_start, tgtd_stop, tgtd_url,
# tgtd_free_port, tgtd_status; sourcing changes no shell options of the caller.
#
# Layout of the target (IQN $TGTD_IQN, default iqn.2026-11.io.userdisk.peer:tgt):
#   LUN 0  tgtd's own controller (always there; not a disk)
#   LUN 1  FILE, read-write
#   LUN 2  ROFILE, read-only (tgtadm --params readonly=1); pass "" or "-" to leave LUN 2 out
#   LUN 3.. EXTRA_FILEs, read-write (e.g. a file on /dev/shm as a memory-backed LUN for perf runs);
#           the word "null" instead of a file is tgtd's null backing store (1 TiB, reads zeros, drops writes)
# Every initiator may log in (bind ALL); the portal is 127.0.0.1 only.
# Each instance gets its own tgtd control port (tgtadm -C), so several can run side by side: PORT itself
# when PORT <= 32767, else PORT - 32768 (tgtd rejects -C values above 32767).
# State (pid, log) lives in $TGTD_STATE_DIR (default /tmp/userdisk-tgtd).

TGTD_IQN=${TGTD_IQN:-iqn.2026-11.io.userdisk.peer:tgt}
TGTD_STATE_DIR=${TGTD_STATE_DIR:-/tmp/userdisk-tgtd}
TGTD_START_TIMEOUT=${TGTD_START_TIMEOUT:-15}

_tgtd_log() { echo "tgtd.sh: $*" >&2; }
_tgtd_err() { echo "tgtd.sh: ERROR: $*" >&2; }

# Is something listening on 127.0.0.1:PORT (TCP)?
_tgtd_listening() {
  ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
}

tgtd_free_port() {
  local port i
  # 20000-32767: below the kernel's ephemeral range (32768-60999), and usable as tgtd's control port too.
  for i in $(seq 1 50); do
    port=$(( 20000 + (RANDOM + i) % 12768 ))
    if ! _tgtd_listening "$port"; then
      echo "$port"
      return 0
    fi
  done
  _tgtd_err "no free port found in 20000-32767 after 50 tries"
  return 1
}

tgtd_url() {
  [ $# -eq 2 ] || { _tgtd_err "usage: tgtd_url PORT LUN"; return 2; }
  echo "iscsi://127.0.0.1:$1/$TGTD_IQN/$2"
}

# tgtd's control port for the instance on PORT (tgtd accepts only -C 0..32767).
_tgtd_ctl() {
  if [ "$1" -le 32767 ]; then echo "$1"; else echo $(( $1 - 32768 )); fi
}

_tgtd_adm() {
  local port=$1
  shift
  tgtadm -C "$(_tgtd_ctl "$port")" --lld iscsi "$@"
}

# Creates the target and its LUNs on a running tgtd; returns non-zero at the first failing tgtadm call.
_tgtd_configure() {
  local port=$1 file=$2 rofile=$3
  shift 3
  _tgtd_adm "$port" --op new --mode target --tid 1 -T "$TGTD_IQN" || return 1
  _tgtd_adm "$port" --op new --mode logicalunit --tid 1 --lun 1 -b "$file" || return 1
  _tgtd_log "LUN 1 = $file (read-write)"
  if [ -n "$rofile" ] && [ "$rofile" != - ]; then
    _tgtd_adm "$port" --op new --mode logicalunit --tid 1 --lun 2 -b "$rofile" || return 1
    _tgtd_adm "$port" --op update --mode logicalunit --tid 1 --lun 2 --params readonly=1 || return 1
    _tgtd_log "LUN 2 = $rofile (read-only)"
  fi
  local lun=3 extra
  for extra in "$@"; do
    if [ "$extra" = null ]; then
      _tgtd_adm "$port" --op new --mode logicalunit --tid 1 --lun "$lun" --bstype null -b null || return 1
      _tgtd_log "LUN $lun = null backing store"
    else
      _tgtd_adm "$port" --op new --mode logicalunit --tid 1 --lun "$lun" -b "$extra" || return 1
      _tgtd_log "LUN $lun = $extra (read-write)"
    fi
    lun=$((lun + 1))
  done
  _tgtd_adm "$port" --op bind --mode target --tid 1 -I ALL || return 1
}

tgtd_start() {
  if [ $# -lt 2 ]; then
    _tgtd_err "usage: tgtd_start PORT FILE [ROFILE [EXTRA_FILE...]]"
    return 2
  fi
  local port=$1 file=$2 rofile=${3:-}
  shift 2
  [ $# -gt 0 ] && shift
  case $port in '' | *[!0-9]*) _tgtd_err "PORT must be a number, got '$port'"; return 2 ;; esac
  command -v tgtd >/dev/null 2>&1 || { _tgtd_err "tgtd not found: run scripts/install-peers.sh"; return 1; }
  command -v tgtadm >/dev/null 2>&1 || { _tgtd_err "tgtadm not found: run scripts/install-peers.sh"; return 1; }
  [ -f "$file" ] || [ -b "$file" ] || { _tgtd_err "backing file '$file' does not exist"; return 1; }
  if [ -n "$rofile" ] && [ "$rofile" != - ]; then
    [ -f "$rofile" ] || [ -b "$rofile" ] || { _tgtd_err "read-only backing file '$rofile' does not exist"; return 1; }
  fi
  if _tgtd_listening "$port"; then
    _tgtd_err "127.0.0.1:$port is already in use"
    return 1
  fi

  mkdir -p "$TGTD_STATE_DIR"
  local pidfile="$TGTD_STATE_DIR/$port.pid" logfile="$TGTD_STATE_DIR/$port.log"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    _tgtd_err "a tgtd for port $port is already running (pid $(cat "$pidfile"))"
    return 1
  fi

  local ctl
  ctl=$(_tgtd_ctl "$port")
  if tgtadm -C "$ctl" --op show --mode system >/dev/null 2>&1; then
    _tgtd_err "another tgtd already answers on control port $ctl (tgtadm -C $ctl)"
    return 1
  fi
  _tgtd_log "starting tgtd -f on 127.0.0.1:$port (control port $ctl, log $logfile)"
  # setsid: tgtd gets its own process group, so a Ctrl-C in the caller's terminal does not hit it
  # halfway through a stop, and stopping it never touches the caller's group.
  setsid tgtd -f -C "$ctl" --iscsi "portal=127.0.0.1:$port" > "$logfile" 2>&1 < /dev/null &
  local pid=$!
  echo "$pid" > "$pidfile"

  local deadline=$(( SECONDS + TGTD_START_TIMEOUT ))
  until _tgtd_listening "$port" && _tgtd_adm "$port" --op show --mode target >/dev/null 2>&1; do
    if ! kill -0 "$pid" 2>/dev/null; then
      _tgtd_err "tgtd exited during start-up; its log:"
      sed 's/^/  | /' "$logfile" >&2
      rm -f "$pidfile"
      return 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      _tgtd_err "tgtd did not listen on 127.0.0.1:$port within ${TGTD_START_TIMEOUT}s; its log:"
      sed 's/^/  | /' "$logfile" >&2
      tgtd_stop "$port" || true
      return 1
    fi
    sleep 0.1
  done

  if ! _tgtd_configure "$port" "$file" "$rofile" "$@"; then
    _tgtd_err "configuring the target with tgtadm failed; stopping tgtd"
    tgtd_stop "$port" || true
    return 1
  fi
  # The read-only flag must really be set, or the read-only conformance run would test nothing.
  if [ -n "$rofile" ] && [ "$rofile" != - ]; then
    if ! _tgtd_adm "$port" --op show --mode target | awk '/LUN: 2$/{l=1} l && /Readonly:/{print; exit}' | grep -q 'Yes'; then
      _tgtd_err "LUN 2 is not read-only after --params readonly=1"
      tgtd_stop "$port" || true
      return 1
    fi
  fi
  _tgtd_log "ready: pid $pid, target $TGTD_IQN, $(tgtd_url "$port" 1)"
}

tgtd_stop() {
  local port=${1:-}
  if [ -z "$port" ]; then
    local files=()
    local f
    for f in "$TGTD_STATE_DIR"/*.pid; do
      [ -e "$f" ] && files+=("$f")
    done
    if [ ${#files[@]} -eq 0 ]; then
      _tgtd_log "no tgtd started by this script is recorded in $TGTD_STATE_DIR; nothing to stop"
      return 0
    fi
    if [ ${#files[@]} -gt 1 ]; then
      _tgtd_err "several tgtd instances are recorded (${files[*]}); name the PORT to stop"
      return 2
    fi
    port=$(basename "${files[0]}" .pid)
  fi
  local pidfile="$TGTD_STATE_DIR/$port.pid"
  if [ ! -f "$pidfile" ]; then
    _tgtd_log "no tgtd recorded for port $port; nothing to stop"
    return 0
  fi
  local pid
  pid=$(cat "$pidfile")
  if ! kill -0 "$pid" 2>/dev/null; then
    _tgtd_log "tgtd for port $port (pid $pid) is not running any more"
    rm -f "$pidfile"
    return 0
  fi
  _tgtd_log "stopping tgtd on port $port (pid $pid)"
  # Orderly: take the target offline, delete it (dropping sessions), then ask tgtd to exit.
  _tgtd_adm "$port" --op update --mode target --tid 1 -n State -v offline >/dev/null 2>&1 || true
  _tgtd_adm "$port" --op delete --mode target --tid 1 --force >/dev/null 2>&1 || true
  tgtadm -C "$(_tgtd_ctl "$port")" --op delete --mode system >/dev/null 2>&1 || true
  local i
  for i in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    _tgtd_log "tgtd did not exit after 'tgtadm --op delete --mode system'; sending SIGTERM"
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 30); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
  fi
  if kill -0 "$pid" 2>/dev/null; then
    _tgtd_log "tgtd still running; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.2
  fi
  if kill -0 "$pid" 2>/dev/null; then
    _tgtd_err "could not stop tgtd pid $pid"
    return 1
  fi
  local ctl
  ctl=$(_tgtd_ctl "$port")
  rm -f "$pidfile" "/var/run/tgtd/socket.$ctl" "/var/run/tgtd/socket.$ctl.lock" 2>/dev/null || true
  _tgtd_log "stopped tgtd on port $port"
}

tgtd_status() {
  local port=${1:-}
  if [ -z "$port" ]; then
    local f
    for f in "$TGTD_STATE_DIR"/*.pid; do
      [ -e "$f" ] || continue
      port=$(basename "$f" .pid)
      echo "port $port pid $(cat "$f")"
    done
    return 0
  fi
  _tgtd_adm "$port" --op show --mode target
}

# Run as a command (not sourced)?
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  cmd=${1:-}
  [ $# -gt 0 ] && shift
  case $cmd in
    start) tgtd_start "$@" ;;
    stop) tgtd_stop "$@" ;;
    url) tgtd_url "$@" ;;
    free-port) tgtd_free_port ;;
    status) tgtd_status "$@" ;;
    *)
      echo "usage: $0 start PORT FILE [ROFILE [EXTRA_FILE...]] | stop [PORT] | url PORT LUN | free-port | status [PORT]" >&2
      exit 2
      ;;
  esac
fi
