#!/bin/sh
# Guest side of the "luks" and "keyfile" checks: run by the PID 1 of the
# real root. Prints who PID 1 is, what / is, the marker the test put in
# the root, the data disk's marker when it is open, and powers off, which
# closes the volumes.
echo "ROOT-PID1 exe=$(readlink /proc/1/exe) hostname=$(hostname)"
echo "ROOT-MOUNT $(awk '$2 == "/" { print $1, $3 }' /proc/mounts)"
echo "ROOT-MARKER $(cat /etc/root-marker)"
# What the initramfs held is gone (its memory given back).
echo "ROOT-SYSROOT $(ls -d /sysroot 2>/dev/null || echo none)"
if [ -e /dev/mapper/cryptdata ]; then
    mkdir -p /mnt/data
    if mount -o ro /dev/mapper/cryptdata /mnt/data; then
        echo "DATA-MARKER $(cat /mnt/data/marker)"
    else
        echo "DATA-MOUNT-FAILED"
    fi
fi
echo "ROOT-DONE"
/bin/bulkhead ctl poweroff
