#!/usr/bin/env bash
# Builds fio with the libiscsi I/O engine and installs the binary as .tools/fio in the repository.
#
# Debian's own fio package is built without libiscsi, so we rebuild it from Debian's source package:
#   1. a private deb-src list (its own Dir::Etc::SourceList / Dir::State::Lists / Dir::Cache in a temp dir,
#      so the machine's apt configuration and package lists are left alone),
#   2. `apt-get source fio` into the temp dir,
#   3. build dependencies from Debian (libiscsi-dev, libaio-dev, pkg-config, zlib1g-dev, gcc, make, dpkg-dev),
#   4. ./configure --enable-libiscsi --disable-native && make -j2,
#   5. copy the binary to .tools/fio and check that `fio --enghelp` lists libiscsi.
# Idempotent: does nothing when .tools/fio already lists the libiscsi engine (FORCE=1 rebuilds).
# Nothing fetched lands in the repository; the temp dir is removed on exit (KEEP_BUILD=1 keeps it).
set -euo pipefail

log() { echo "build-fio: $*"; }
die() { echo "build-fio: ERROR: $*" >&2; exit 1; }

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dest_dir="$repo/.tools"
dest="$dest_dir/fio"

has_libiscsi() {
  [ -x "$1" ] && "$1" --enghelp 2>/dev/null | grep -qw libiscsi
}

if [ "${FORCE:-0}" != 1 ] && has_libiscsi "$dest"; then
  log "$dest already lists the libiscsi engine ($("$dest" --version)); nothing to do (FORCE=1 rebuilds)"
  exit 0
fi

command -v apt-get >/dev/null 2>&1 || die "apt-get not found: this script expects Debian"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || die "not root and sudo is missing"
  sudo="sudo"
fi

# --- build dependencies ---------------------------------------------------------------------------
build_deps=(dpkg-dev gcc make pkg-config libiscsi-dev libaio-dev zlib1g-dev xz-utils)
missing=()
for p in "${build_deps[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing build dependencies: ${missing[*]} (waits up to 300 s for the dpkg lock)"
  $sudo apt-get -o DPkg::Lock::Timeout=300 update -qq || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" \
    || die "apt-get install ${missing[*]} failed"
else
  log "build dependencies present: ${build_deps[*]}"
fi

# --- private deb-src list -------------------------------------------------------------------------
# Take the archive that serves the fio binary package (e.g. "500 http://deb.debian.org/debian bookworm/main
# amd64 Packages") and point a deb-src line at the same archive, suite and component.
origin=$(apt-cache policy fio 2>/dev/null | awk '$1 ~ /^[0-9]+$/ && $2 ~ /^https?:/ && $NF == "Packages" { print $2, $3; exit }')
[ -n "$origin" ] || die "apt-cache policy fio names no archive serving fio; run 'apt-get update' first"
archive_uri=${origin%% *}
suite_component=${origin#* }
suite=${suite_component%%/*}
component=${suite_component#*/}
[ "$suite" != "$component" ] || component=main
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -r "$keyring" ] || die "$keyring missing (package debian-archive-keyring)"

work=$(mktemp -d /tmp/build-fio.XXXXXX)
cleanup() {
  if [ "${KEEP_BUILD:-0}" = 1 ]; then
    log "keeping build dir $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT

mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/src" "$work/parts"
echo "deb-src [signed-by=$keyring] $archive_uri $suite $component" > "$work/sources.list"
log "private source list: $(cat "$work/sources.list")"

apt_private=(
  -o "Dir::Etc::SourceList=$work/sources.list"
  -o "Dir::Etc::SourceParts=$work/parts"
  -o "Dir::State::Lists=$work/lists"
  -o "Dir::Cache=$work/cache"
  -o "APT::Sandbox::User=root"
  -o "DPkg::Lock::Timeout=300"
)
log "apt-get update (private lists in $work/lists)"
apt-get "${apt_private[@]}" update -qq || die "apt-get update of the private deb-src list failed"

log "apt-get source fio (into $work/src)"
(cd "$work/src" && apt-get "${apt_private[@]}" source -qq fio) || die "apt-get source fio failed"
srcdir=$(find "$work/src" -mindepth 1 -maxdepth 1 -type d -name 'fio-*' | head -n 1)
if [ -z "$srcdir" ] || [ ! -x "$srcdir/configure" ]; then
  die "no unpacked fio source tree with ./configure in $work/src"
fi
log "source tree: $srcdir"

# --- build ----------------------------------------------------------------------------------------
log "configure --enable-libiscsi --disable-native"
(cd "$srcdir" && ./configure --enable-libiscsi --disable-native > "$work/configure.log" 2>&1) \
  || { tail -n 30 "$work/configure.log" >&2; die "fio configure failed (log above)"; }
grep -E '^(lib)?iscsi engine[[:space:]]+yes' "$work/configure.log" >/dev/null \
  || { grep -i iscsi "$work/configure.log" >&2 || true; die "configure did not enable the libiscsi engine (libiscsi-dev >= 1.9 via pkg-config?)"; }

jobs=${BUILD_JOBS:-2}
log "make -j$jobs"
(cd "$srcdir" && make -j"$jobs" > "$work/make.log" 2>&1) \
  || { tail -n 40 "$work/make.log" >&2; die "fio make failed (log above)"; }

# --- install and verify ---------------------------------------------------------------------------
has_libiscsi "$srcdir/fio" || die "the built fio does not list libiscsi in --enghelp"
mkdir -p "$dest_dir"
install -m 0755 "$srcdir/fio" "$dest.tmp"
mv -f "$dest.tmp" "$dest"
has_libiscsi "$dest" || die "$dest does not list libiscsi in --enghelp"
log "installed $dest ($("$dest" --version)); --enghelp lists libiscsi"
