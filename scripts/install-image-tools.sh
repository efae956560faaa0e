#!/usr/bin/env bash
# Installs what `make image` and `make image-test` need to build and run the container image without a
# Docker engine or a registry:
#   podman, buildah  build (buildah bud --isolation chroot) and run the image
#   runc             the OCI runtime podman is told to use (crun does not work on every host)
#   uidmap           newuidmap/newgidmap, for rootless podman
# Idempotent and quiet: runs `apt-get update` and `apt-get install` only when a package is missing, and waits
# up to 300 s for the dpkg lock (other jobs may be installing at the same time).
set -euo pipefail

log() { echo "install-image-tools: $*"; }
die() { echo "install-image-tools: ERROR: $*" >&2; exit 1; }

packages=(podman buildah runc uidmap)

command -v dpkg-query >/dev/null 2>&1 || die "dpkg-query not found: this script expects Debian/Ubuntu"

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
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
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null || die "apt-get install ${missing[*]} failed"
fi

for tool in podman buildah runc ldd; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not on PATH after install"
done
