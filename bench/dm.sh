#!/usr/bin/env bash
# Benchmark of the device-mapper work that resets a disposable's root
# volume (bench/dmreset.c: dm-snapshot with a non-persistent COW against a
# dm-thin snapshot through libdevmapper, and against LVM thin snapshots
# through lvm2's commands, as Qubes resets them), on the Linux test bed:
# the Debian kernel under QEMU (TCG) with a 512 MiB virtio scratch disk,
# all three on the same disk in the same boot.  Prints what dmreset
# prints: min / median / max per way and the ratios; judges nothing.
# usage: bench/dm.sh PATH/TO/bulkhead   (root)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/linux/common.sh
. "$here/../tests/linux/common.sh"
suite_start bench-dm "$@"
SUITE=bench-dm
LINUX_CONFIG=$here/dm/config

# shellcheck disable=SC2046  # pkg-config's flags are words
gcc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$LINUX_VM/dmreset" "$here/dmreset.c" \
    $(pkg-config --cflags --libs devmapper)
truncate -s 512M "$LINUX_VM/disk.img"
build_initramfs "$bulkhead" "$LINUX_VM/initrd.cpio.zst" \
    --add "$LINUX_VM/dmreset:/bin/dmreset" --add "$(command -v lvm):/sbin/lvm" \
    --add "$here/dm/lvm.conf:/etc/lvm/lvm.conf" >/dev/null
qemu_start_linux "$LINUX_VM" "$LINUX_VM/initrd.cpio.zst" "" \
    -drive "file=$LINUX_VM/disk.img,if=virtio,format=raw"
if ! linux_wait '^DM-DONE' 300 || serial_has '^DM-FAIL'; then
    echo "bench-dm: failed: $(serial | grep -E -m1 '^DM-FAIL' || echo "$LINUX_WAIT_ERR")" >&2
    serial_tail >&2
    exit 1
fi
serial | sed -n 's/^DM-RESULT /bench-dm: /p'
info "serial log in $LINUX_VM"
