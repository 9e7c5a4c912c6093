#!/bin/sh
# Runs bench/dmreset.c on the scratch disk; its DM-* lines go to the
# serial console for bench/dm.sh.  No udev in this initramfs: lvm2 is told
# so by /etc/lvm/lvm.conf (bench/dm/lvm.conf).
export DM_DISABLE_UDEV=1 LVM_SUPPRESS_FD_WARNINGS=1
mkdir -p /run/lock/lvm
/bin/dmreset /dev/vda 30 --lvm || echo "DM-FAIL dmreset exited with $?"
echo "DM-DONE"
