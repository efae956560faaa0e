#!/usr/bin/env bash
# Assembles the files containers/Containerfile copies into the image (the build context stays small):
#   usage: scripts/image-rootfs.sh PUBLISH_DIR ROOTFS_DIR
#   ROOTFS/usr/local/bin/   userdisk (self-contained single file), libuserdisk_shim.so, appsettings.json
#   ROOTFS/lib*, usr/lib*/  the shared libraries `ldd` lists for userdisk and the shim, with the dynamic loader,
#                           plus libssl/libcrypto (.NET loads them with dlopen for HTTPS, e.g. s3:// backstores)
#   ROOTFS/etc/             passwd/group naming the numeric user 10001, CA certificates for HTTPS
#   ROOTFS/tmp, var/lib/userdisk  (the Containerfile sets owners and modes)
# Only a FROM scratch image needs the libraries; a runtime-deps base already has them (they are harmless there).
set -euo pipefail

die() { echo "image-rootfs: ERROR: $*" >&2; exit 1; }

[ $# -eq 2 ] || die "usage: $0 PUBLISH_DIR ROOTFS_DIR"
publish=$1
rootfs=$2
[ -x "$publish/userdisk" ] || die "$publish/userdisk missing: run the publish first"
[ -f "$publish/libuserdisk_shim.so" ] || die "$publish/libuserdisk_shim.so missing: run \`make native\` before the publish"

rm -rf "$rootfs"
mkdir -p "$rootfs/usr/local/bin" "$rootfs/etc/ssl/certs" "$rootfs/tmp" "$rootfs/var/lib/userdisk"
# Merged-/usr hosts (/lib -> usr/lib): the same links in the image, so a library is stored once.
for top in lib lib64 lib32 libx32 bin sbin; do
  if [ -L "/$top" ]; then
    mkdir -p "$rootfs/$(readlink "/$top")"
    ln -s "$(readlink "/$top")" "$rootfs/$top"
  fi
done
install -m 0755 "$publish/userdisk" "$rootfs/usr/local/bin/userdisk"
install -m 0755 "$publish/libuserdisk_shim.so" "$rootfs/usr/local/bin/libuserdisk_shim.so"
install -m 0644 "$publish/appsettings.json" "$rootfs/usr/local/bin/appsettings.json"

# Copies a library to its real path and, when it was reached through a symbolic link (libstdc++.so.6 ->
# libstdc++.so.6.0.30), links that path to it.
copy_lib() {
  local path=$1 real
  [ -e "$path" ] || return 0
  real=$(readlink -f "$path")
  mkdir -p "$rootfs$(dirname "$path")" "$rootfs$(dirname "$real")"
  [ -e "$rootfs$real" ] || cp "$real" "$rootfs$real"
  [ -e "$rootfs$path" ] || ln -s "$real" "$rootfs$path"
}

libs=()
for binary in "$publish/userdisk" "$publish/libuserdisk_shim.so"; do
  # Lines look like "libm.so.6 => /lib/x86_64-linux-gnu/libm.so.6 (0x...)" or "/lib64/ld-linux-x86-64.so.2 (0x...)".
  while read -r path; do
    libs+=("$path")
  done < <(ldd "$binary" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }')
done
# dlopen()ed by System.Net.Security / System.Security.Cryptography: not in ldd's list.
for name in libssl.so.3 libcrypto.so.3; do
  path=$(ldconfig -p | awk -v n="$name" '$1 == n && /x86-64/ && !found { print $NF; found = 1 }')
  [ -n "$path" ] && libs+=("$path")
done
[ ${#libs[@]} -gt 0 ] || die "ldd listed no libraries for $publish/userdisk"
for lib in "${libs[@]}"; do
  copy_lib "$lib"
done

if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  install -m 0644 /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
fi
printf 'root:x:0:0:root:/root:/sbin/nologin\nuserdisk:x:10001:10001:userdisk:/var/lib/userdisk:/sbin/nologin\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nuserdisk:x:10001:\n' >"$rootfs/etc/group"

chmod 1777 "$rootfs/tmp"
chmod 0750 "$rootfs/var/lib/userdisk"

echo "image-rootfs: $(find "$rootfs" -type f | wc -l) files, $(du -sh "$rootfs" | cut -f1) in $rootfs"
