#!/bin/sh
# Runs bench/dmreset.c on the scratch disk; its DM-* lines go to the
# serial console for bench/dm.sh.  No udev in this initramfs.
export DM_DISABLE_UDEV=1
/bin/dmreset /dev/vda 30 || echo "DM-FAIL dmreset exited with $?"
echo "DM-DONE"
