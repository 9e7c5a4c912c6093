#!/bin/sh
# Guest (dom0) side of tests/xen/run.sh's hardening check: the modes of the
# directories that hold what domains wrote, the kernel's settings PID 1
# made, and xenstored's standing with the OOM killer. One line each:
# DOM0-MODES, DOM0-SYSCTL, DOM0-OOM.
modes=''
for d in /var/log/xen /var/log/xen/console /var/lib/xen /var/lib/xenstored; do
    modes="$modes $d=$(stat -c %a "$d")"
done
echo "DOM0-MODES$modes"
settings=''
for k in fs/protected_symlinks fs/protected_hardlinks fs/protected_fifos fs/protected_regular \
    kernel/dmesg_restrict kernel/kptr_restrict; do
    settings="$settings $k=$(cat "/proc/sys/$k")"
done
echo "DOM0-SYSCTL$settings"
pid=$(/bin/bulkhead ctl services | awk '$1 == "xenstored" { print $3 }')
echo "DOM0-OOM xenstored=$(cat "/proc/$pid/oom_score_adj")"
