#!/bin/sh
# Guest side of the "boot" check: prints what PID 1 is and whether the
# modules from bulkhead.cfg were loaded and made their device nodes.
# The host greps the DEVCHECK lines on the serial console.

# devtmpfs creates nodes from a kernel thread, so they may lag the module
# load by a moment: poll, but give up after 10 s.
missing=''
for dev in /dev/dri/card0 /dev/input/event0; do
    i=0
    while [ ! -e "$dev" ] && [ "$i" -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
    [ -e "$dev" ] || missing="$missing $dev"
done
for mod in evdev bochs; do
    grep -q "^$mod " /proc/modules || missing="$missing module:$mod"
done
# What PID 1 set at boot: the kernel's settings, read back, and the sizes
# of the tmpfs mounts it made (tests/linux/run.sh's hardening check).
echo "DEVCHECK-SYSCTL$(cd /proc/sys && for k in fs/protected_symlinks fs/protected_hardlinks \
    fs/protected_fifos fs/protected_regular kernel/dmesg_restrict kernel/kptr_restrict; do
    printf ' %s=%s' "$k" "$(cat "$k")"; done)"
echo "DEVCHECK-TMPFS $(awk '$2 == "/run" || $2 == "/dev/shm" { printf "%s:%s ", $2, $4 }' /proc/mounts)"
echo "DEVCHECK: pid1-exe=$(readlink /proc/1/exe) pid1-comm=$(cat /proc/1/comm) hostname=$(hostname)"
if [ -z "$missing" ]; then
    echo "DEVCHECK-OK /dev/dri/card0 /dev/input/event0 evdev bochs"
else
    echo "DEVCHECK-FAIL missing:$missing"
    exit 1
fi
