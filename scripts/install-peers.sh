#!/usr/bin/env bash
# Installs the iSCSI reference peer and the conformance/perf initiators from Debian:
#   tgt            tgtd + tgtadm, the user-space reference target
#   libiscsi-bin   iscsi-test-cu, iscsi-perf, iscsi-inq, iscsi-ls, iscsi-readcapacity16
#   sg3-utils      sg_* tools (decode sense, craft CDBs by hand when debugging)
#   procps, iproute2  ps/ss: wait for processes and listening ports
#   jq             reads fio's JSON results
#   qemu-utils, qemu-block-extra  qemu-img with its libiscsi driver: a second real initiator that copies a whole LUN
#   gnuplot-nox    draws the PNG charts of perf/run
#   curl           signs S3 requests (--aws-sigv4) to seed the local S3 server in end-to-end tests
# Idempotent: runs `apt-get update` and `apt-get install` only when a package is missing.
set -euo pipefail

log() { echo "install-peers: $*"; }
die() { echo "install-peers: ERROR: $*" >&2; exit 1; }

packages=(tgt libiscsi-bin sg3-utils procps iproute2 jq qemu-utils qemu-block-extra curl gnuplot-nox)
# With INSTALL_SHELLCHECK=1 also installs the linter shellcheck (used only to lint these scripts).
if [ "${INSTALL_SHELLCHECK:-0}" = 1 ]; then
  packages+=(shellcheck)
fi

command -v dpkg-query >/dev/null 2>&1 || die "dpkg-query not found: this script expects Debian/Ubuntu"

missing=()
for p in "${packages[@]}"; do
  if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    log "$p already installed"
  else
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "not root and sudo is missing; cannot install ${missing[*]}"
    sudo="sudo"
  fi
  log "missing: ${missing[*]}; running apt-get update (waits up to 300 s for the dpkg lock)"
  $sudo apt-get -o DPkg::Lock::Timeout=300 update -qq || die "apt-get update failed"
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" \
    || die "apt-get install ${missing[*]} failed"
fi

# Check that the tools we rely on are really there.
for tool in tgtd tgtadm iscsi-test-cu iscsi-perf iscsi-inq iscsi-ls ss gnuplot; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not on PATH after install"
done
log "ok: tgtd, tgtadm, iscsi-test-cu, iscsi-perf, iscsi-inq, iscsi-ls present"
