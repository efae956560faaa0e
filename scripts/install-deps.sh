#!/usr/bin/env bash
# Installs what UserDisk's build and tests need on a Debian 12 machine. Idempotent: installs only what is missing.
set -euo pipefail

# Debian packages the build and tests use (gcc, make and the libc/kernel headers build native-shim); the iSCSI peers (tgt, libiscsi-bin) and fio come from
# scripts/install-peers.sh and scripts/build-fio.sh, which the conformance stage runs.
packages=(curl ca-certificates gcc make libc6-dev linux-libc-dev)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "install-deps: installing ${missing[*]}"
  # Another process may hold the dpkg lock; wait for it rather than fail.
  $sudo apt-get -o DPkg::Lock::Timeout=300 update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "install-deps: the .NET 10 SDK (dotnet) is not on PATH; install it from Debian's Microsoft feed or the dotnet-install script" >&2
  exit 1
fi

sdk_major=$(dotnet --version | cut -d. -f1)
if [ "$sdk_major" -lt 10 ]; then
  echo "install-deps: .NET SDK $(dotnet --version) found; UserDisk needs 10 or newer" >&2
  exit 1
fi
