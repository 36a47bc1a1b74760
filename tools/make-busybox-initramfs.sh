#!/usr/bin/env bash
# Build a small initramfs for booting Debian's kernel to a shell under
# xenner: Debian's busybox-static, an /init that mounts /proc and /sys,
# says hello and starts a shell on the PV console. Written to
# ${XENNER_KERNEL_CACHE:-~/.cache/xenner/kernels}/busybox-initramfs.gz;
# nothing goes into git. Needs apt-get download (network) and cpio.
#
#   tools/fetch-debian-kernels.sh && tools/make-busybox-initramfs.sh
#   npx xenner run ~/.cache/xenner/kernels/vmlinuz-*-cloud-amd64 --memory 256 \
#     --initrd ~/.cache/xenner/kernels/busybox-initramfs.gz --cmdline console=hvc0
set -euo pipefail
cache="${XENNER_KERNEL_CACHE:-$HOME/.cache/xenner/kernels}"
out="$cache/busybox-initramfs.gz"
mkdir -p "$cache"
command -v cpio >/dev/null || { echo "make-busybox-initramfs: cpio is needed (apt-get install cpio)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download -q busybox-static >/dev/null 2>&1) || { echo "make-busybox-initramfs: cannot download busybox-static" >&2; exit 1; }
dpkg-deb -x "$work"/busybox-static_*.deb "$work/pkg"
root="$work/root"
mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys"
cp "$work/pkg/bin/busybox" "$root/bin/"
for a in sh echo ls cat mount uname poweroff reboot dmesg; do ln -s busybox "$root/bin/$a"; done
cat > "$root/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
echo "xenner: userspace is up"
uname -a
exec sh
INIT
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip -9) > "$out"
echo "$out"
