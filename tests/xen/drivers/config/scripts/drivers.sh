#!/bin/sh
# dom0's side of tests/xen/drivers.sh, markers one line each (DRV-*):
# once alpha reached everything it should (its console log), says which
# network interfaces dom0 has and which driver holds each passed-through
# device; then crashes sys-net on purpose (its init panics on
# data/bulkhead-cmd = crash), waits for alpha to reach sys-net again
# through the new one, and powers the machine off.
. /etc/bulkhead/scripts/waits.sh
# What the backends look like, for the log of a failed run.
fail() {
    echo "DRV-TIMEOUT $*"
    ctl list
    xenstore-ls -f /local/domain 2>/dev/null | grep -E '/backend/|/device/' | grep -vE 'feature-|multi-queue' | head -n 150
    exit 1
}
log() { cat "/var/log/xen/console/guest-$1.log" 2>/dev/null; }
domid() { ctl list 2>/dev/null | awk -v n="$1" '$1 == n { print $2 }'; }
# probes NAME LABEL: how many times NAME's probe LABEL said "ok".
probes() { log "$1" | grep -c "DOMU-PROBE name=$1 $2 ok"; }
reached() { [ "$(probes alpha sysnet)" -ge "$1" ] && [ "$(probes alpha host)" -ge "$1" ]; }

until_true 900 "alpha did not reach sys-net and the host" reached 1
echo "DRV-DOM0-NET interfaces=$(ls /sys/class/net | tr '\n' ' ')"
for bdf in 0000:00:03.0 0000:00:04.0 0000:00:05.0; do
    drv=$(readlink "/sys/bus/pci/devices/$bdf/driver")
    echo "DRV-DOM0-PCI $bdf driver=${drv##*/}"
done
old=$(domid sys-net)
crashed_at=$(cut -d. -f1 /proc/uptime)
echo "DRV-CRASH sys-net domid=$old"
xenstore-write "/local/domain/$old/data/bulkhead-cmd" crash ||
    fail "cannot write sys-net's data/bulkhead-cmd"
new_net() { n=$(domid sys-net); [ -n "$n" ] && [ "$n" != - ] && [ "$n" != "$old" ]; }
until_true 300 "sys-net was not created again" new_net
echo "DRV-NEW sys-net domid=$(domid sys-net)"
until_true 600 "alpha did not reach sys-net and the host again" reached 2
echo "DRV-AGAIN alpha domid=$(domid alpha) beta domid=$(domid beta)" \
    "after=$(($(cut -d. -f1 /proc/uptime) - crashed_at))s"
echo "DRV-DONE"
ctl poweroff
