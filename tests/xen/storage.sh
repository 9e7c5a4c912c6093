#!/usr/bin/env bash
# The domains' volumes (issue 5) under Xen 4.17 in QEMU (TCG), with the
# pool on QEMU's virtio disk (ext4, made here), which outlives each boot.
# Domains (tests/xen/storage/config): tmpl (template, root from an image
# with /etc/marker "v1"), app (its AppVM), disp (a named disposable of it);
# each writes notes to its root, private and volatile volumes at boot and
# reports what it found (DOMU-VOL).  Checks:
#   bringup     dom0 up, the pool mounted
#   disposable  disp stops cleanly (ctl stop/start), then crashes: both
#               times it boots with no note on any volume
#   app         app restarts: its private note is kept, root and volatile
#               notes are gone
#   template    tmpl writes marker v2 into its root; app sees v2 after its
#               next start, with its private note still there
#   cleanup     the manager is stopped, disp destroyed behind its back, the
#               manager killed: the new one removes disp's stale dm devices
#               and starts disp clean
#   powercut    QEMU quits while disp is being reset; after the next boot
#               app's private note (from the first boot) is intact, app
#               sees v2, only running domains have dm devices, and no
#               scratch file is left of a stopped domain
#   no-panic    neither Xen nor dom0 panicked
# usage: tests/xen/storage.sh BULKHEAD   (as root)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/linux/common.sh
. "$here/../linux/common.sh"
# shellcheck source=tests/xen/lib.sh
. "$here/lib.sh"
suite_start xen-storage "$@"
LINUX_CONFIG=$here/storage/config
SUITE=xen-storage
CHECKS=(bringup disposable app template cleanup powercut no-panic)
CHECKS_WITHOUT_VM='powercut no-panic'
DOMAIN_TIMEOUT=${DOMAIN_TIMEOUT:-300}
POOL=$LINUX_VM/pool.img
t_qemu=0 t_boot=0

# The template's first root: ext2 with /etc/marker; the pool: empty ext4.
make_images() {
    rm -rf "$LINUX_VM/tmpl-root" && mkdir -p "$LINUX_VM/tmpl-root/etc"
    echo v1 > "$LINUX_VM/tmpl-root/etc/marker"
    rm -f "$LINUX_VM/tmpl-root.img" "$POOL"
    mke2fs -q -t ext2 -d "$LINUX_VM/tmpl-root" "$LINUX_VM/tmpl-root.img" 32M
    mke2fs -q -t ext4 -F "$POOL" 512M
}
xen_new_attempt() { make_images; }

start_with_pool() {
    qemu_start_xen "$1" "$2" "" -drive "file=$POOL,if=virtio,format=raw"
}

boot() {
    boot_guest start_with_pool 'bulkhead: supervisor: service xenconsoled started' \
        'service xenconsoled started' --xen --busybox \
        --add "$LINUX_VM/vmlinux:/var/lib/bulkhead/vmlinux" \
        --add "$LINUX_VM/domu.cpio.gz:/var/lib/bulkhead/domu.cpio.gz" \
        --add "$LINUX_VM/tmpl-root.img:/var/lib/bulkhead/tmpl-root.img" \
        --add "$here/config/scripts/consoles.sh:/etc/bulkhead/scripts/consoles.sh"
}

# vol NAME N: the Nth DOMU-VOL line of NAME in this boot's log.
vol() { serial | grep -E "^$1\| DOMU-VOL name=$1 " | sed -n "$2p" | sed 's/.*DOMU-VOL //'; }
# stamp NAME N: what NAME's Nth boot wrote.
stamp() { serial | grep -E "^$1\| DOMU-WROTE name=$1 " | sed -n "$2p" | awk '{ print $NF }'; }

wait_marker() {
    if ! linux_wait "^($1|VOL-TIMEOUT)|service volumes (exited|killed)" "$DOMAIN_TIMEOUT" ||
        ! serial_has "^$1"; then
        why=$(wait_why "$2"): $(serial | grep -E -m1 '^VOL-TIMEOUT|service volumes (exited|killed)' || true)
        return 1
    fi
}

check_bringup() {
    build_domu
    make_images
    boot || return 1
    if ! linux_wait 'bulkhead: storage: pool /dev/vda mounted on /var/lib/bulkhead/pool' "$STEP_TIMEOUT"; then
        why=$(wait_why 'the pool was not mounted')
        fatal='no pool'
        return 1
    fi
}

check_disposable() {
    wait_marker VOL-DISP-DONE 'disp did not go through its stop and crash' || return 1
    local n line
    for n in 1 2 3; do
        line=$(vol disp "$n")
        if [ "$line" != "name=disp marker=v1 root-note=none private-note=none volatile-note=none" ]; then
            why="disp's boot $n found: $line"
            return 1
        fi
    done
    in_order '^VOL-DM .*bulkhead-disp-root' \
        'bulkhead: domains: asking domain disp \(domid [0-9]+\) to shut down' \
        'bulkhead: domains: domain disp: volumes released in [0-9]+ ms' \
        'bulkhead: domains: domain disp: volumes ready in [0-9]+ ms' \
        'bulkhead: domains: domain disp \(domid [0-9]+\) shut down: crash; restart' \
        'bulkhead: domains: domain disp: volumes released in [0-9]+ ms' \
        'bulkhead: domains: domain disp: volumes ready in [0-9]+ ms' || return 1
    info "disposable: 3 boots, each clean; $(serial | grep -E 'domain disp: volumes (ready|released)' | sed 's/.*domain disp: //' | head -n 4 | tr '\n' ';')"
}

check_app() {
    wait_marker VOL-APP-DONE 'app did not restart' || return 1
    local want line
    want="name=app marker=v1 root-note=none private-note=$(stamp app 1) volatile-note=none"
    line=$(vol app 2)
    if [ "$line" != "$want" ]; then
        why="app's second boot found: $line; expected: $want"
        return 1
    fi
    info "app: $line"
}

check_template() {
    wait_marker VOL-TEMPLATE-DONE 'app did not start after the template changed' || return 1
    local want line
    want="name=app marker=v2 root-note=none private-note=$(stamp app 2) volatile-note=none"
    line=$(vol app 3)
    if [ "$line" != "$want" ]; then
        why="app after the template's change found: $line; expected: $want"
        return 1
    fi
    if [ "$(ctl_line VOL-TMPL-FILES)" != "private.img root.img " ]; then
        why="the stopped template's files: $(ctl_line VOL-TMPL-FILES)"
        return 1
    fi
    info "template: $line"
}

ctl_line() { serial | sed -n "s/^$1 //p" | head -n 1; }

check_cleanup() {
    wait_marker VOL-CLEANUP-DONE 'disp did not come back after the manager was killed' || return 1
    in_order '^VOL-DM-KILL .*bulkhead-disp-root' \
        'bulkhead: supervisor: service domains killed by SIGKILL' \
        'bulkhead: storage: removed leftover bulkhead-disp-(root|private|volatile): its domain does not run' \
        'bulkhead: domains: storage: 3 leftover devices removed' \
        'bulkhead: domains: domain disp was running under the previous manager and is gone' || return 1
    local line
    line=$(vol disp 4)
    if [ "$line" != "name=disp marker=v2 root-note=none private-note=none volatile-note=none" ]; then
        why="disp after the cleanup found: $line"
        return 1
    fi
    info "cleanup: $(ctl_line VOL-CLEANUP-DONE)"
}

check_powercut() {
    if ! linux_wait '^VOL-RESET-NOW' "$DOMAIN_TIMEOUT"; then
        why=$(wait_why 'no VOL-RESET-NOW')
        return 1
    fi
    # Pulled as soon as seen: the kill and the reset are under way.
    qemu_monitor "$LINUX_VM" quit >/dev/null 2>&1 || true
    sleep 1
    qemu_stop "$LINUX_VM"
    local app1 stage
    app1=$(stamp app 3)
    stage=$(serial | sed -n '/^VOL-RESET-NOW/,$p' | grep -E 'bulkhead: (domains|storage): ' | sed 's/.*bulkhead: //' | tr '\n' ';')
    cp "$LINUX_VM/serial.log" "$LINUX_VM/serial-boot1.log"
    : > "$LINUX_VM/serial.log"
    boot || return 1
    if ! linux_wait '^VOL-BOOT2-DONE|^VOL-TIMEOUT' "$DOMAIN_TIMEOUT" || ! serial_has '^VOL-BOOT2-DONE'; then
        why=$(wait_why 'the second boot did not finish'): $(ctl_line VOL-TIMEOUT)
        return 1
    fi
    local line want
    want="name=app marker=v2 root-note=none private-note=$app1 volatile-note=none"
    line=$(vol app 1)
    if [ "$line" != "$want" ]; then
        why="after the power cut app found: $line; expected: $want"
        return 1
    fi
    local dm files
    dm=$(ctl_line VOL-DM)
    files=$(ctl_line VOL-FILES)
    if [ "$dm" != "bulkhead-app-private bulkhead-app-root bulkhead-app-volatile bulkhead-disp-private bulkhead-disp-root bulkhead-disp-volatile " ]; then
        why="dm devices after the power cut: $dm"
        return 1
    fi
    if [ "$files" != "app/private.img app/root-cow.img app/volatile.img disp/private-cow.img disp/root-cow.img disp/volatile.img tmpl/private.img tmpl/root.img " ]; then
        why="pool files after the power cut: $files"
        return 1
    fi
    info "powercut: cut during [$stage]; after it: $line"
}

xen_run_attempts "${CHECKS[@]}"
info "timing: whole run $(fmt_ms $(($(now_ms) - run_start)))"
info "artifacts in $LINUX_VM (serial-boot1.log, serial.log, pool.img)"
finish_suite
