#!/usr/bin/env bash
# Installs what UserDisk's build and tests need on a Debian 12 machine. Idempotent: installs only what is missing.
set -euo pipefail

# Debian packages the build and tests use: gcc, make and the libc/kernel headers build native-shim; squashfs-tools
# builds test images; systemd gives systemd-analyze, which verifies the shipped units; node and npm run s3rver, the
# local S3 server of the S3 backstore tests (no S3 server is packaged in Debian). The iSCSI peers (tgt, libiscsi-bin),
# qemu-img and fio come from scripts/install-peers.sh and scripts/build-fio.sh, which the later stages run.
packages=(curl ca-certificates gcc make libc6-dev linux-libc-dev squashfs-tools systemd)
# A node installed some other way (nvm, NodeSource) is as good as Debian's: only ask apt for it when there is none.
if ! command -v node >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

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

# s3rver, pinned: the S3 tests start it from here (tests/UserDisk.Storage.Tests/S3rverFixture.cs). .tools/ is git-ignored.
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
s3rver_prefix="$repo_root/.tools/s3rver"
# Checked by version, so a changed pin (or an install that stopped half-way) is installed again.
if ! grep -qs '"version": "3.7.1"' "$s3rver_prefix/node_modules/s3rver/package.json"; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "install-deps: npm is not on PATH; it is needed to install s3rver for the S3 tests" >&2
    exit 1
  fi
  echo "install-deps: installing s3rver@3.7.1 into .tools/s3rver"
  mkdir -p "$s3rver_prefix"
  npm install --prefix "$s3rver_prefix" --no-audit --no-fund --loglevel=error s3rver@3.7.1 >/dev/null
fi
