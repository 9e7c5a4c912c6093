#!/usr/bin/env bash
# Self-test of tests/qemu/lib.sh and initramfs/mkinitramfs.sh: boot a
# busybox-only initramfs, wait for a serial marker, check a screendump,
# answer the guest with a key press and wait for it to power off.
# Usage: tests/qemu/selftest.sh   (root; keeps its work dir on failure)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=tests/qemu/lib.sh
. "$here/lib.sh"

work=$(mktemp -d /tmp/bulkhead-selftest.XXXXXX)
vm=$work/vm
cleanup() {
    local rc=$?
    qemu_stop "$vm"
    if [ $rc -eq 0 ]; then rm -rf "$work"; else echo "selftest: FAILED, logs in $work" >&2; fi
}
trap cleanup EXIT

# Stand-in for bulkhead: answers the builder's module query on the host
# and runs the test script when the kernel starts it as /init.
cat > "$work/fake-bulkhead" <<'EOF'
#!/bin/sh
if [ "${1-}" = check ] && [ "${2-}" = --list-modules ]; then echo bochs; exit 0; fi
exec /bin/sh /selftest-init.sh
EOF
chmod +x "$work/fake-bulkhead"

cat > "$work/selftest-init.sh" <<'EOF'
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
modprobe bochs || echo "SELFTEST: modprobe bochs failed"
# Paint the top 100 lines white (1280x800x32bpp) so the screendump has
# something to find besides black.
dd if=/dev/zero bs=5120 count=100 2>/dev/null | tr '\000' '\377' > /dev/fb0
echo SELFTEST-MARKER
# The host answers with a key press on the VT keyboard (qemu_sendkey).
read -t 60 key < /dev/tty1 && echo "SELFTEST-KEY:$key"
poweroff -f
EOF

mkdir -p "$work/config"
"$root/initramfs/mkinitramfs.sh" --bulkhead "$work/fake-bulkhead" --config "$work/config" \
    --out "$work/initrd.cpio.zst" --busybox --add "$work/selftest-init.sh:/selftest-init.sh"

start=$(date +%s%N)
qemu_start_linux "$vm" "$work/initrd.cpio.zst" quiet
qemu_wait_serial "$vm" '^SELFTEST-MARKER$' 120
echo "selftest: marker after $(( ($(date +%s%N) - start) / 1000000 )) ms"

qemu_screendump "$vm" "$work/screen.png"
# Row 50 lies inside the band the guest painted white.
pixel=$(qemu_png_pixel "$work/screen.png" 640 50)
echo "selftest: screendump pixel (640,50) = $pixel"
[ "$pixel" = "255 255 255" ] || qemu_fail "$vm" "screendump does not show the painted framebuffer"

qemu_sendkey "$vm" o
qemu_sendkey "$vm" k
qemu_sendkey "$vm" ret
qemu_wait_serial "$vm" '^SELFTEST-KEY:ok$' 30
qemu_wait_exit "$vm" 60
echo "selftest: PASS"
