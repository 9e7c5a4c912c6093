#!/bin/sh
# dom0's side of tests/xen/grub.sh (services/cmdline.cfg): the command
# lines GRUB gave, as dom0 sees them.  Markers: GRUB-DOM0-CMDLINE,
# GRUB-XL-CMDLINE.
echo "GRUB-DOM0-CMDLINE $(cat /proc/cmdline)"
echo "GRUB-XL-CMDLINE $(/usr/lib/xen-4.17/bin/xl info 2>&1 | sed -n 's/^xen_commandline *: //p')"
