#!/usr/bin/env bash
# Fetch Debian's current kernel images (bzImages that are also Xen PV
# kernels) for the loader tests: linux-image-*-cloud-amd64 (lz4 payload),
# linux-image-*-amd64 (xz) and, when the i386 architecture can be enabled,
# linux-image-*-686-pae (xz, 32-bit PAE). Only boot/vmlinuz-* is kept, in
# ${XENNER_KERNEL_CACHE:-~/.cache/xenner/kernels}; nothing goes into git.
# Needs root for apt-get update / dpkg --add-architecture.
set -euo pipefail
cache="${XENNER_KERNEL_CACHE:-$HOME/.cache/xenner/kernels}"
mkdir -p "$cache/debs"
export DEBIAN_FRONTEND=noninteractive

# The metapackage names the current versioned package.
current() { apt-cache depends "$1" 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[^ ]*\)$/\1/p' | head -n1; }

want=(linux-image-cloud-amd64 linux-image-amd64)
if dpkg --print-foreign-architectures | grep -qx i386 || dpkg --add-architecture i386; then
  want+=(linux-image-686-pae:i386)
fi
apt-get update -qq || echo "fetch-debian-kernels: apt-get update reported errors; using the lists it has" >&2

for meta in "${want[@]}"; do
  pkg=$(current "$meta" || true)
  if [ -z "$pkg" ]; then echo "fetch-debian-kernels: no package behind $meta" >&2; continue; fi
  name=${pkg%%:*}
  if ls "$cache"/vmlinuz-"${name#linux-image-}" >/dev/null 2>&1; then continue; fi
  (cd "$cache/debs" && apt-get download -q "$pkg" >/dev/null 2>&1) || { echo "fetch-debian-kernels: cannot download $pkg" >&2; continue; }
  deb=$(ls -t "$cache"/debs/"${name}"_*.deb | head -n1)
  dpkg-deb --fsys-tarfile "$deb" | tar -x -O --wildcards './boot/vmlinuz-*' > "$cache/vmlinuz-${name#linux-image-}"
  rm -f "$deb"
  echo "fetch-debian-kernels: $cache/vmlinuz-${name#linux-image-}"
done

# GRUB for Xen PV guests (grub-xen-bin), made into images as Debian's
# grub-xen-host does, with grub-mkimage from grub-common.
if [ ! -f "$cache/grub-x86_64-xen.bin" ] || [ ! -f "$cache/grub-i386-xen.bin" ]; then
  command -v grub-mkimage >/dev/null 2>&1 || apt-get install -y -qq grub-common >/dev/null 2>&1 || true
  if command -v grub-mkimage >/dev/null 2>&1 && (cd "$cache/debs" && apt-get download -q grub-xen-bin >/dev/null 2>&1); then
    tmp=$(mktemp -d)
    dpkg-deb -x "$(ls -t "$cache"/debs/grub-xen-bin_*.deb | head -n1)" "$tmp"
    for platform in x86_64-xen i386-xen; do
      grub-mkimage -O "$platform" -d "$tmp/usr/lib/grub/$platform" -o "$cache/grub-$platform.bin" -p '(xen/xvda,msdos1)/boot/grub' normal echo ls
      echo "fetch-debian-kernels: $cache/grub-$platform.bin"
    done
    rm -rf "$tmp" "$cache"/debs/grub-xen-bin_*.deb
  else
    echo "fetch-debian-kernels: no grub-mkimage or grub-xen-bin; GRUB images skipped" >&2
  fi
fi
