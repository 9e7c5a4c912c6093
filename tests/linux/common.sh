# shellcheck shell=bash
# What the Linux suite and the scripts built on its image share: the
# initramfs (bulkhead as /init, busybox, a config dir as /etc/bulkhead),
# the kernel settings PID 1 makes, and what the config's services are.
# The running of a suite (boot, waits on events and markers, checks)
# is tests/qemu/suite.sh's, sourced here.
# Source it, then call suite_start (it sets LINUX_VM, the QEMU state dir).

LINUX_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LINUX_ROOT=$(cd "$LINUX_HERE/../.." && pwd)
LINUX_CONFIG=$LINUX_HERE/config
# shellcheck source=tests/qemu/suite.sh
. "$LINUX_ROOT/tests/qemu/suite.sh"

# The kernel's settings PID 1 makes at boot (init/harden.h), as the guest
# scripts read them back from /proc/sys: the hardening checks of the linux
# and xen suites.
HARDENING_SYSCTL='fs/protected_symlinks=1 fs/protected_hardlinks=1 fs/protected_fifos=2 fs/protected_regular=2 kernel/dmesg_restrict=1 kernel/kptr_restrict=2'

# build_initramfs BULKHEAD OUT.cpio.zst [BUILDER ARGS]: the image both scripts
# boot, with the modules of the kernel QEMU boots.
build_initramfs() {
    local bin=$1 out=$2
    shift 2
    "$LINUX_ROOT/initramfs/mkinitramfs.sh" --bulkhead "$bin" --config "$LINUX_CONFIG" \
        --out "$out" --kver "$(_qemu_kver)" --busybox "$@"
}

# Service names from the config, and what the shutdown check needs of them.
config_services() {
    local f
    for f in "$LINUX_CONFIG"/services/*.cfg; do basename "$f" .cfg; done
}

# Services still running at shutdown: all but the one-shots.
config_long_running() {
    local name
    for name in $(config_services); do
        grep -Eq '^restart *= *"never"' "$LINUX_CONFIG/services/$name.cfg" || echo "$name"
    done
}

# config_depends NAME: the names in NAME's `depends = [ ... ]' (one line).
config_depends() {
    sed -n 's/^depends *= *\[\(.*\)\].*/\1/p' "$LINUX_CONFIG/services/$1.cfg" \
        | tr -d ' "' | tr ',' '\n' | sed '/^$/d'
}
