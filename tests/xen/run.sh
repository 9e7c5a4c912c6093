#!/usr/bin/env bash
# Boots Xen 4.17 under QEMU (TCG) with the Debian kernel as dom0 and
# bulkhead as its /init, and checks against the serial console:
#   bringup     dom0 seen (control_d), xenstored ready, xen-init-dom0 done,
#               xenconsoled up, in that order
#   toolstack   xl info / xl list and xenstore work from dom0
#   restart     a SIGKILLed xenconsoled is restarted
#   domains     the domain manager creates the autostart domains, a netvm
#               first: sys-net (PV, class net: netback), then alpha (PV,
#               netfront), whose eth0 pings sys-net over the vif
#   desktop     dom0's compositor on bochs-drm shows alpha's window, which
#               comes over vchan with its pixels in pages alpha grants: a key
#               sent with sendkey reaches alpha, the screendump shows its
#               frame in its label colour
#   crash       crashy (PV) panics, is destroyed and created again; the time
#               from its death to the new domain is printed
#   crashloop   crashy panics at every boot: its third death ends it failed
#               (start_limit_burst = 2), and it is not created again
#   ctl         `bulkhead ctl list [--json]', pause, unpause, console, and
#               the refusals users see (tests/xen/config/scripts/domctl.sh)
#   adopt       the domain manager is SIGKILLed; alpha keeps running and the
#               restarted manager adopts it; crashy stays failed
#   netvm       sys-net is destroyed behind bulkhead's back: it is created
#               again, alpha's vif is attached to the new one, and alpha
#               pings it again
#   stopstart   `ctl stop alpha': alpha powers off and stays stopped;
#               `ctl start alpha': created again, it pings sys-net, and its
#               window is back on the desktop over a new vchan
#   poweroff    `bulkhead ctl poweroff': the manager asks the domains to
#               shut down (alpha before its netvm sys-net), then the
#               services stop in reverse dependency
#               order (sentinel, xenconsoled, xenstored) and Xen halts
#   no-panic    neither Xen nor dom0 panicked
# usage: tests/xen/run.sh BULKHEAD   (as root)
# Leaves build/xen/ (serial.log, initrd) and build/results/xen.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/linux/common.sh
. "$here/../linux/common.sh"
# shellcheck source=tests/xen/lib.sh
. "$here/lib.sh"
suite_start xen "$@"
LINUX_CONFIG=$here/config

CHECKS=(bringup toolstack restart domains desktop crash crashloop ctl adopt netvm stopstart
    poweroff no-panic)
# Domains boot slowly under TCG (~10 s to create, ~6 s to their init).
DOMAIN_TIMEOUT=${DOMAIN_TIMEOUT:-240}
SUITE=xen
CHECKS_WITHOUT_VM='no-panic'
t_qemu=0 t_boot=0

check_bringup() {
    build_domu
    boot_guest qemu_start_xen 'bulkhead: supervisor: service xenconsoled started' \
        'service xenconsoled started' --xen --desktop \
        --add "$LINUX_VM/vmlinux:/var/lib/bulkhead/vmlinux" \
        --add "$LINUX_VM/domu.cpio:/var/lib/bulkhead/domu.cpio" || return 1
    in_order 'bulkhead: xen: this is Xen.s dom0 \(control_d\)' \
        'bulkhead: supervisor: service xenstored is ready \(pid [0-9]+, check passed' \
        'bulkhead: supervisor: service xen-init-dom0 done' \
        'bulkhead: supervisor: service xenconsoled started \(pid [0-9]+\)$' || return 1
    local problems='bulkhead: (config: |init: boot failed|xen: .*(cannot|missing)|modules: (module|cannot))'
    if serial_has "$problems"; then
        why="bulkhead reported problems: $(serial | grep -E "$problems" | tr '\n' ' ' | cut -c 1-300)"
        return 1
    fi
}

check_desktop() {
    local png=$LINUX_VM/desktop.png counts blue
    if ! linux_wait 'bulkhead: compositor: domain alpha: GUI channel up \(vchan\)' "$DOMAIN_TIMEOUT"; then
        why=$(wait_why "the compositor never connected to alpha's vchan")
        return 1
    fi
    if ! linux_wait 'alpha\| DEMO alpha window 0 FOCUS 1' "$STEP_TIMEOUT"; then
        why=$(wait_why "alpha's window did not get the focus")
        return 1
    fi
    if ! qemu_sendkey "$LINUX_VM" a 2>"$LINUX_VM/wait.err" ||
        ! linux_wait 'alpha\| DEMO alpha window 0 KEY 30 0' "$STEP_TIMEOUT"; then
        why=$(wait_why 'the key a did not reach alpha')
        return 1
    fi
    sleep 1
    screendump "$png" || return 1
    counts=$(python3 "$LINUX_ROOT/tests/qemu/png.py" count "$png" 3465a4 203080)
    read -r blue content <<<"$counts"
    info "desktop: alpha's window over vchan, key a delivered; $png: $blue frame and $content content pixels"
    if [ "${blue:-0}" -lt 2000 ] || [ "${content:-0}" -lt 100000 ]; then
        why="$png does not show alpha's window (3465a4: $blue, 203080: $content pixels)"
        return 1
    fi
    # A drop is the compositor doing its job on bad bytes, and the demo comes
    # back; it is said, not hidden (seen once: "malformed message" right
    # after the first connection, cause unknown: docs/ARCHITECTURE.md).
    if serial_has 'compositor: domain alpha: GUI channel dropped'; then
        info "desktop: NOTE alpha's channel was dropped and came back:" \
            "$(serial | grep -m1 'GUI channel dropped')"
    fi
}

check_toolstack() {
    if ! linux_wait '^XENCONSOLED-(KILL|TIMEOUT)' "$STEP_TIMEOUT"; then
        why=$(wait_why 'the toolstack service printed nothing')
        return 1
    fi
    if ! serial_has '^XL-LIST Domain-0 +0 '; then
        why="xl list shows no Domain-0: $(serial | grep -E '^XL-' | tr '\n' ' ')"
        return 1
    fi
    if ! serial_has '^XL-INFO .*xen_version=4\.17'; then
        why="xl info: $(serial | grep -E '^XL-INFO')"
        return 1
    fi
    if ! serial_has '^XENSTORE-DOM0-NAME Domain-0$'; then
        why="xenstore has no dom0 name: $(serial | grep -E '^XENSTORE-')"
        return 1
    fi
    info "toolstack: $(serial | grep -E '^XL-INFO' | cut -c 9-)"
}

check_restart() {
    if ! linux_wait '^XENCONSOLED-(BACK|TIMEOUT)' "$STEP_TIMEOUT"; then
        why=$(wait_why 'no XENCONSOLED-BACK')
        return 1
    fi
    if ! serial_has '^XENCONSOLED-BACK '; then
        why="$(serial | grep -E '^XENCONSOLED-TIMEOUT')"
        return 1
    fi
    in_order '^XENCONSOLED-KILL pid=' \
        'bulkhead: supervisor: service xenconsoled killed by SIGKILL; restarting in 100 ms$' \
        '^XENCONSOLED-BACK ' || return 1
    info "restart: $(serial | grep -E '^XENCONSOLED-BACK')"
}

check_domains() {
    if ! linux_wait 'DOMU-PING name=alpha ok' "$DOMAIN_TIMEOUT"; then
        why=$(wait_why 'alpha never reached sys-net over its vif (no DOMU-PING)')
        return 1
    fi
    in_order 'bulkhead: domains: domain manager up: 3 domains configured' \
        'bulkhead: domains: domain sys-net created \(domid [0-9]+\) in [0-9]+ ms' \
        'bulkhead: domains: creating domain alpha$' \
        'bulkhead: domains: domain alpha created \(domid [0-9]+\) in [0-9]+ ms' \
        'DOMU-PING name=alpha ok' || return 1
    if ! serial_has 'DOMU-VIF name=sys-net vif=vif[0-9]+\.0'; then
        why='sys-net never served a vif'
        return 1
    fi
    info "domains: $(serial | grep -E 'domain (sys-net|alpha) created' | head -n 2 | sed 's/.*bulkhead: domains: //' | tr '\n' ';')"
}

check_crash() {
    local re='bulkhead: domains: domain crashy created \(domid [0-9]+\) in [0-9]+ ms, [0-9]+ ms after its death'
    if ! linux_wait "$re" "$DOMAIN_TIMEOUT"; then
        why=$(wait_why 'crashy was not created again after its crash')
        return 1
    fi
    # The console copy polls its files: its lines are not ordered with ours.
    if ! serial_has 'DOMU-CRASHING name=crashy'; then
        why='crashy never said it was crashing'
        return 1
    fi
    in_order 'bulkhead: domains: domain crashy \(domid [0-9]+\) shut down: crash; restart' \
        'bulkhead: domains: domain crashy: restarting in 100 ms' "$re" || return 1
    info "crash: $(serial | grep -E "$re" | head -n 1 | sed 's/.*bulkhead: domains: //')"
}

check_crashloop() {
    local re='bulkhead: domains: domain crashy failed: it died more than 2 times in 300 s'
    if ! linux_wait "$re" "$DOMAIN_TIMEOUT"; then
        why=$(wait_why 'crashy did not end failed')
        return 1
    fi
    local n
    n=$(serial | grep -cE 'bulkhead: domains: creating domain crashy$')
    if [ "$n" -ne 3 ]; then
        why="crashy was created $n times; 3 expected (2 restarts, then failed)"
        return 1
    fi
    info "crashloop: $(serial | grep -E "$re" | sed 's/.*bulkhead: domains: //')"
}

# ctl_line MARKER: the first serial line with MARKER, marker removed.
ctl_line() { serial | sed -n "s/^$1 //p" | head -n 1; }

# wait_script MARKER WHAT: waits for domctl.sh's MARKER; fails on its
# CTL-TIMEOUT, when the script has ended without it, or with WHAT when
# nothing comes.
wait_script() {
    local ended='bulkhead: supervisor: service domctl (exited|killed)'
    if ! linux_wait "^($1|CTL-TIMEOUT)|$ended" "$DOMAIN_TIMEOUT"; then
        why=$(wait_why "$2")
        return 1
    fi
    if serial_has '^CTL-TIMEOUT'; then
        why=$(ctl_line CTL-TIMEOUT)
        return 1
    fi
    if ! serial_has "^$1" && serial_has "$ended"; then
        why="the ctl script ended before $1: $(serial | grep -E -m1 "$ended")"
        return 1
    fi
}

check_ctl() {
    wait_script CTL-ADOPTED 'the ctl script did not finish' || return 1
    local list
    list=$(serial | sed -n 's/^CTL-LIST //p')
    if ! grep -qE '^alpha +[0-9]+ +running +standalone +blue +pv +2[0-9][0-9] +1 +[0-9]+s +[0-9]+$' <<<"$list" ||
        ! grep -qE '^crashy +- +failed +standalone +red +pv +256 +1 +- +2$' <<<"$list"; then
        why="ctl list: $(tr '\n' '|' <<<"$list")"
        return 1
    fi
    local json
    json=$(ctl_line CTL-JSON)
    if ! python3 -c 'import json, sys
d = {x["name"]: x for x in json.loads(sys.argv[1])}
assert d["alpha"]["state"] == "running" and d["alpha"]["id"] > 0, d["alpha"]
assert d["alpha"]["uptime_ms"] > 0 and d["alpha"]["class"] == "standalone", d["alpha"]
assert d["crashy"]["state"] == "failed" and d["crashy"]["id"] is None, d["crashy"]
assert d["crashy"]["restarts"] == 2, d["crashy"]' "$json" 2>"$LINUX_VM/json.err"; then
        why="ctl list --json: $(tail -n 1 "$LINUX_VM/json.err"): $json"
        return 1
    fi
    local want
    for want in 'CTL-PAUSED paused' 'CTL-UNPAUSED running' \
        'CTL-REFUSED bulkhead ctl: the domain manager refused: alpha is running: nothing to do' \
        'CTL-REFUSED bulkhead ctl: the domain manager refused: no domain nosuch is configured \(see `bulkhead ctl list.\)' \
        'CTL-REFUSED bulkhead ctl: the domain manager refused: sys-net is the netvm of alpha, which is running: stop alpha first' \
        'CTL-CONSOLE DOMU-UP name=alpha'; do
        if ! serial_has "^$want"; then
            why="no \"$want\": $(serial | grep -E '^CTL-(PAUSED|UNPAUSED|REFUSED|CONSOLE)' | tr '\n' '|')"
            return 1
        fi
    done
    in_order 'bulkhead: domains: domain alpha \(domid [0-9]+\) paused' \
        'bulkhead: domains: domain alpha \(domid [0-9]+\) unpaused' || return 1
    info "ctl: $(serial | sed -n 's/^CTL-LIST //p' | sed -n 2,3p | tr -s ' ' | tr '\n' '|')"
}

check_adopt() {
    if ! linux_wait 'bulkhead: domains: adopted running domain alpha' "$DOMAIN_TIMEOUT"; then
        why=$(wait_why 'the restarted domain manager did not adopt alpha')
        return 1
    fi
    in_order '^DM-KILL pid=[0-9]+' \
        'bulkhead: supervisor: service domains killed by SIGKILL; restarting' \
        'bulkhead: domains: adopted running domain alpha \(domid [0-9]+\)' || return 1
    # No creation of alpha between the manager's death and the adoption.
    if serial | sed -n '/^DM-KILL pid=/,/^CTL-ADOPTED /p' |
        grep -E 'bulkhead: domains: (creating domain alpha|domain alpha created)' >/dev/null; then
        why='alpha was created again instead of adopted'
        return 1
    fi
    local line
    line=$(ctl_line CTL-ADOPTED)
    # The uptime goes on from the domain's creation, not the adoption.
    if ! [[ "$line" =~ ^alpha=([0-9]+)\ was=([0-9]+)\ running\ up=([0-9]+)s\ crashy=failed$ ]] ||
        [ "${BASH_REMATCH[3]}" -lt 5 ] ||
        [ "${BASH_REMATCH[1]}" != "${BASH_REMATCH[2]}" ]; then
        why="after the manager's restart: $line"
        return 1
    fi
    info "adopt: $line"
}

check_netvm() {
    wait_script NET-BACK 'no NET-BACK after sys-net was destroyed' || return 1
    in_order '^NET-DESTROY domid=' \
        'bulkhead: domains: domain sys-net \(domid [0-9]+\) was destroyed from outside' \
        'bulkhead: domains: domain sys-net created \(domid [0-9]+\) in [0-9]+ ms, [0-9]+ ms after its death' \
        'bulkhead: domains: domain alpha: vif 0.s backend died with domid [0-9]+; attaching it to sys-net' \
        'bulkhead: domains: domain alpha: vif 0 attached again to sys-net \(domid [0-9]+\)' \
        '^NET-BACK ' || return 1
    local line
    line=$(ctl_line NET-BACK)
    if ! [[ "$line" =~ ^sys-net=([0-9]+)\ was=([0-9]+)\ alpha=running$ ]] ||
        [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ]; then
        why="after sys-net came back: $line"
        return 1
    fi
    if [ "$(serial | grep -cE 'DOMU-PING name=alpha ok mac=00:16:3e:5e:6c:0a$')" -lt 2 ]; then
        why="alpha did not ping sys-net again with its MAC: $(serial | grep -E 'DOMU-PING' | tr '\n' '|')"
        return 1
    fi
    info "netvm: $line; $(serial | grep -E 'domain sys-net created .* after its death' | sed 's/.*bulkhead: domains: //')"
}

check_stopstart() {
    wait_script CTL-STARTED 'no CTL-STARTED after ctl stop/start alpha' || return 1
    in_order '^NET-BACK ' \
        'bulkhead: domains: asking domain alpha \(domid [0-9]+\) to shut down' \
        'bulkhead: domains: domain alpha \(domid [0-9]+\) shut down: poweroff; as asked' \
        '^CTL-STOPPED stopped ' \
        'bulkhead: domains: domain alpha: start asked' \
        'bulkhead: domains: domain alpha created \(domid [0-9]+\)' \
        '^CTL-STARTED running id=[0-9]+$' || return 1
    # The compositor let the dead alpha's channel go and took the new one's.
    wait_script CTL-WINDOW-BACK "the new alpha's window did not come back" || return 1
    in_order 'bulkhead: domains: asking domain alpha \(domid [0-9]+\) to shut down' \
        'bulkhead: compositor: domain alpha: GUI channel dropped: domain [0-9]+ is gone' \
        'bulkhead: compositor: domain alpha: GUI channel up \(vchan\)' || return 1
    info "stopstart: $(ctl_line CTL-STOPPED); $(ctl_line CTL-STARTED); its window back over a new vchan"
}

check_poweroff() {
    if ! linux_wait '^CTL-POWEROFF' "$DOMAIN_TIMEOUT"; then
        why=$(wait_why 'the ctl script never asked for poweroff')
        return 1
    fi
    local t_ask
    t_ask=$(now_ms)
    # dom0 powers off through ACPI S5, which Xen enters: QEMU exits.
    if ! linux_wait_exit "$DOMAIN_TIMEOUT"; then
        why=$(wait_why 'QEMU did not exit after ctl poweroff')
        return 1
    fi
    in_order '^CTL-POWEROFF' \
        'bulkhead: init: poweroff requested by bulkhead ctl' \
        'bulkhead: domains: asking domain alpha \(domid [0-9]+\) to shut down' \
        'bulkhead: domains: domain alpha \(domid [0-9]+\) shut down: poweroff; as asked' \
        'bulkhead: domains: asking domain sys-net \(domid [0-9]+\) to shut down' \
        'bulkhead: domains: domain sys-net \(domid [0-9]+\) shut down: poweroff; as asked' \
        'bulkhead: domains: all domains are down' \
        'bulkhead: supervisor: service domains stopped \(exited with status 0\)' \
        'bulkhead: init: all services stopped' || return 1
    in_order 'bulkhead: init: poweroff requested by bulkhead ctl' \
        'bulkhead: supervisor: service sentinel stopped' \
        'bulkhead: supervisor: stopping service xenconsoled' \
        'bulkhead: supervisor: service xenconsoled stopped' \
        'bulkhead: supervisor: stopping service xenstored' \
        'bulkhead: supervisor: service xenstored stopped' \
        'bulkhead: init: all services stopped' \
        'bulkhead: init: poweroff now' || return 1
    if ! serial_has '\(XEN\) .*Entering ACPI S5 state'; then
        why='Xen did not enter ACPI S5'
        return 1
    fi
    info "poweroff: QEMU exited $(fmt_ms $(($(now_ms) - t_ask))) after CTL-POWEROFF was seen"
}

xen_run_attempts "${CHECKS[@]}"

if [ "$t_boot" -gt 0 ]; then
    info "timing: QEMU start to xenconsoled up $(fmt_ms $((t_boot - t_qemu))) wall"
fi
info "timing: whole run $(fmt_ms $(($(now_ms) - run_start)))"
info "artifacts in $LINUX_VM (serial.log, initrd.cpio.gz)"
finish_suite
