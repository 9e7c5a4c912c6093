#!/bin/sh
# Guest (dom0) side of tests/xen/run.sh's hardening check: the modes of the
# directories that hold what domains wrote, the kernel's settings PID 1
# made, and xenstored's standing with the OOM killer. One line each:
# DOM0-MODES, DOM0-SYSCTL, DOM0-OOM.
echo "DOM0-MODES$(for d in /var/log/xen /var/log/xen/console /var/lib/xen /var/lib/xenstored; do
    printf ' %s=%s' "$d" "$(stat -c %a "$d")"; done)"
echo "DOM0-SYSCTL$(cd /proc/sys && for k in fs/protected_symlinks fs/protected_hardlinks \
    fs/protected_fifos fs/protected_regular kernel/dmesg_restrict kernel/kptr_restrict; do
    printf ' %s=%s' "$k" "$(cat "$k")"; done)"
pid=$(/bin/bulkhead ctl services | awk '$1 == "xenstored" { print $3 }')
echo "DOM0-OOM xenstored=$(cat "/proc/$pid/oom_score_adj")"
