#!/usr/bin/env bash
# Boots Xen 4.17 under QEMU (TCG) with the Debian kernel as dom0 and
# bulkhead as its /init, and checks against the serial console:
#   bringup     dom0 seen (control_d), xenstored ready, xen-init-dom0 done,
#               xenconsoled up, in that order
#   toolstack   xl info / xl list and xenstore work from dom0
#   restart     a SIGKILLed xenconsoled is restarted
#   domains     the domain manager creates the autostart domains, a netvm
#               first: sys-net (PV, class net: netback, `xl devd' with
#               vif-bulkhead), then alpha (PV, netfront), whose eth0 pings
#               sys-net over the vif, which sys-net's devd connected
#   hvm         hvm (type = "hvm") on a host with no stub domain, no
#               qemu-system-xen and no xen-qemuuser-* user: the manager
#               refuses it with its file, line and what is missing, never
#               creates it, and `ctl list' shows it failed
#   desktop     dom0's compositor on bochs-drm shows the terminals of alpha
#               (blue) and beta (green), served by each domain's agent over
#               vchan with pixels in pages the domain grants; neither takes
#               the focus as it comes (what is typed then runs nowhere);
#               after Super+Tab a command typed with sendkey runs in the
#               focused one's shell only, and after Super+Tab another runs
#               in the other one only
#   noagent     sys-net (gui = 1) never offers a channel: after the
#               desktop's agent_timeout_ms the compositor logs it and the
#               status bar shows "no agent"
#   windows     beta is crashed on purpose: its window goes with it and
#               comes back with the new beta
#   restartgui  the compositor is SIGKILLed: PID 1 starts it again, the
#               domains keep running and both terminals are back with
#               their text
#   hardening   dom0's own protection: Xen's consoles, logs and store in
#               0700 directories, the kernel's settings PID 1 made (read
#               back in dom0), xenstored's oom_score_adj -1000; alpha's
#               console line with a screen clear and a window title is
#               shown as text by `ctl console' (no ESC reaches the serial)
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
#   gui-drops   the compositor dropped no channel but with its domain's
#               death or its own: no malformed message, no BUFFER it could
#               not map (after its restart too), no full queue
#   backends    no backend was left behind: libxl never timed out waiting
#               for one to be removed (sys-net's devd removes alpha's vif
#               at each of its stops), and the manager never said one was
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

CHECKS=(bringup toolstack restart domains hardening desktop noagent crash crashloop windows restartgui
    ctl hvm adopt netvm stopstart poweroff no-panic gui-drops backends)
# Domains boot slowly under TCG (~10 s to create, ~6 s to their init).
DOMAIN_TIMEOUT=${DOMAIN_TIMEOUT:-240}
# alpha's and beta's terminals are typed into: their image has XKB's data.
DOMU_TERMINAL=1
SUITE=xen
CHECKS_WITHOUT_VM='no-panic gui-drops backends'
t_qemu=0 t_boot=0

check_bringup() {
    build_domu || { why="the domains' image cannot be built (above)"; return 1; }
    # sys-net's: netback with xl devd and vif-bulkhead.
    if ! "$here/domu/build.sh" "${DOMU_KVER:-$(_qemu_kver)}" "$LINUX_VM/driver" \
        "$LINUX_VM/domu-driver.cpio" "$bulkhead" driver; then
        why="sys-net's image cannot be built (above)"
        return 1
    fi
    boot_guest qemu_start_xen 'bulkhead: supervisor: service xenconsoled started' \
        'service xenconsoled started' --xen --desktop \
        --add "$LINUX_VM/vmlinux:/var/lib/bulkhead/vmlinux" \
        --add "$LINUX_VM/domu.cpio:/var/lib/bulkhead/domu.cpio" \
        --add "$LINUX_VM/domu-driver.cpio:/var/lib/bulkhead/domu-driver.cpio" || return 1
    in_order 'bulkhead: xen: this is Xen.s dom0 \(control_d\)' \
        'bulkhead: supervisor: service xenstored is ready \(pid [0-9]+, check passed' \
        'bulkhead: supervisor: service xen-init-dom0 done' \
        'bulkhead: supervisor: service xenconsoled started \(pid [0-9]+\)$' || return 1
    local problems='bulkhead: (config: |init: boot failed|xen: .*(cannot|missing)|modules: (module|cannot)|implib: event=library-on-demand)'
    if serial_has "$problems"; then
        why="bulkhead reported problems: $(serial | grep -E "$problems" | tr '\n' ' ' | cut -c 1-300)"
        return 1
    fi
}

# terminal_up NAME: NAME's agent has dom0's compositor on its channel.
terminal_up() {
    linux_wait "bulkhead: compositor: domain $1: GUI channel up \(vchan\)" "$DOMAIN_TIMEOUT" &&
        linux_wait "$1\| bulkhead agent: dom0 connected" "$STEP_TIMEOUT"
}

# desktop_counts PNG: pixels of alpha's frame (blue), beta's (green) and
# the terminals' text.
desktop_counts() { python3 "$LINUX_ROOT/tests/qemu/png.py" count "$1" 3465a4 73d216 d0d0d0; }

# typed NAME FILE: NAME's shell wrote FILE from what was typed.
typed() { serial_has "^$1\| DOMU-TYPED name=$1 $2: "; }

# wait_desktop PNG MIN_TEXT: screendumps until one shows both frames and
# MIN_TEXT pixels of the focused terminal's text (the agents draw at
# emulation speed); sets blue, green, text.  1 after STEP_TIMEOUT.
wait_desktop() {
    local deadline=$(($(now_ms) + STEP_TIMEOUT * 1000))
    while :; do
        screendump "$1" || return 1
        read -r blue green text <<<"$(desktop_counts "$1")"
        [ "${blue:-0}" -ge 2000 ] && [ "${green:-0}" -ge 2000 ] && [ "${text:-0}" -ge "$2" ] &&
            return 0
        [ "$(now_ms)" -lt "$deadline" ] || break
        sleep 2
    done
    why="$1 does not show both terminals (3465a4: $blue, 73d216: $green, text: $text pixels)"
    return 1
}

check_desktop() {
    local png=$LINUX_VM/desktop.png blue green text first second
    terminal_up alpha && terminal_up beta ||
        { why=$(wait_why "the terminals of alpha and beta did not both reach the compositor"); return 1; }
    # Neither terminal was asked for: neither has the focus, and what is
    # typed now reaches no domain (no DOMU-TYPED /tmp/typed0 ever).
    qemu_type "$LINUX_VM" $'echo early >/tmp/typed0\n' 2>"$LINUX_VM/wait.err" ||
        { why="sendkey: $(head -n 1 "$LINUX_VM/wait.err")"; return 1; }
    # The user's Super+Tab focuses the first window.
    qemu_sendkey "$LINUX_VM" meta_l-tab 2>"$LINUX_VM/wait.err" ||
        { why="sendkey: $(head -n 1 "$LINUX_VM/wait.err")"; return 1; }
    wait_desktop "$png" 5 || return 1
    info "desktop: alpha's and beta's terminals over vchan; $png: frames $blue blue, $green green, text $text pixels"
    # Into the focused terminal, then Super+Tab into the other: each
    # command runs in one domain only.
    qemu_type "$LINUX_VM" $'echo hello >/tmp/typed\n' 2>"$LINUX_VM/wait.err" ||
        { why="sendkey: $(head -n 1 "$LINUX_VM/wait.err")"; return 1; }
    if ! linux_wait 'DOMU-TYPED name=[a-z]+ /tmp/typed: ' "$STEP_TIMEOUT"; then
        why=$(wait_why 'the command typed into the focused terminal did not run')
        return 1
    fi
    first=$(serial | sed -n 's/.*DOMU-TYPED name=\([a-z]*\) \/tmp\/typed: .*/\1/p' | head -n 1)
    second=$([ "$first" = alpha ] && echo beta || echo alpha)
    qemu_sendkey "$LINUX_VM" meta_l-tab && sleep 1 &&
        qemu_type "$LINUX_VM" $'echo world >/tmp/typed2\n' 2>"$LINUX_VM/wait.err" ||
        { why="sendkey: $(head -n 1 "$LINUX_VM/wait.err")"; return 1; }
    if ! linux_wait "DOMU-TYPED name=$second /tmp/typed2: " "$STEP_TIMEOUT"; then
        why=$(wait_why "after Super+Tab, the command typed did not run in $second")
        return 1
    fi
    sleep 2
    if ! serial_has "DOMU-TYPED name=$first /tmp/typed: hello$" ||
        ! serial_has "DOMU-TYPED name=$second /tmp/typed2: world$" ||
        typed "$second" /tmp/typed || typed "$first" /tmp/typed2 ||
        serial_has "DOMU-TYPED name=[a-z]+ /tmp/typed0: "; then
        why="what was typed: $(serial | grep -E 'DOMU-TYPED' | tr '\n' '|')"
        return 1
    fi
    screendump "$LINUX_VM/typed.png" || return 1
    info "desktop: \"echo hello\" ran in $first only, and after Super+Tab \"echo world\" in $second only (typed.png)"
}

# Our domains send nothing wrong: every channel the compositor dropped
# went with its domain (crashed, stopped) or with the compositor.  A drop
# for anything else (a malformed message, a BUFFER that cannot be mapped,
# a full queue) is a failure, not a note.
check_gui_drops() {
    local drops
    drops=$(serial | grep -E 'compositor: domain [a-z0-9-]+: GUI channel dropped: ' |
        grep -vE 'GUI channel dropped: (domain [0-9]+ is gone|the compositor stops)$' || true)
    if [ -n "$drops" ]; then
        why="unexpected drops: $(echo "$drops" | sed 's/.*compositor: //' | tr '\n' '|')"
        return 1
    fi
    info "gui-drops: $(serial | grep -c 'GUI channel dropped: ') drops, each with its domain or the compositor"
}

# sys-net may have windows but runs no agent: the compositor says so.
check_noagent() {
    local re='bulkhead: compositor: domain sys-net: no GUI agent 25 s after it started running'
    if ! linux_wait "$re" "$DOMAIN_TIMEOUT"; then
        why=$(wait_why 'the compositor never said that sys-net has no agent')
        return 1
    fi
    screendump "$LINUX_VM/noagent.png" || return 1
    info "noagent: $(serial | grep -E -m1 "$re" | sed 's/.*compositor: //') (noagent.png: \"no agent\" in the bar)"
}

# The domctl script crashes beta once the desktop check has typed.
check_windows() {
    local png=$LINUX_VM/beta-back.png blue green text
    wait_script GUI-BACK "beta's window did not come back after its crash" || return 1
    # The compositor sees the old domain gone at its next look (once a
    # second): the manager may have created the new one by then.
    in_order '^GUI-CRASH beta domid=' \
        'bulkhead: domains: domain beta \(domid [0-9]+\) shut down: crash; restart' \
        'bulkhead: domains: domain beta created \(domid [0-9]+\)' '^GUI-BACK ' || return 1
    in_order '^GUI-CRASH beta domid=' \
        'bulkhead: compositor: domain beta: GUI channel dropped: domain [0-9]+ is gone' \
        'bulkhead: compositor: domain beta: GUI channel up \(vchan\)' '^GUI-BACK ' || return 1
    wait_desktop "$png" 0 || return 1
    info "windows: $(ctl_line GUI-BACK): its window back ($png: frames $blue blue, $green green)"
}

# The domctl script SIGKILLs the compositor; PID 1 starts it again.
check_restartgui() {
    local png=$LINUX_VM/compositor-back.png blue green text
    wait_script GUI-RESTARTED "the terminals did not come back after the compositor's restart" ||
        return 1
    in_order '^GUI-KILL compositor pid=' \
        'bulkhead: supervisor: service compositor killed by SIGKILL; restarting' \
        'bulkhead: compositor: compositor up: ' '^GUI-RESTARTED ' || return 1
    # Confined: no capability, no_new_privs, a seccomp filter (its uid is
    # still root's on a screen: drm-compositor/sandbox.h).
    local confined
    confined=$(ctl_line GUI-CONFINED)
    if ! [[ "$confined" =~ CapEff:0000000000000000\ CapBnd:0000000000000000\ NoNewPrivs:1\ Seccomp:2 ]]; then
        why="the compositor is not confined: $confined"
        return 1
    fi
    if ! [[ "$(ctl_line GUI-RESTARTED)" =~ ^alpha=running\ beta=running$ ]]; then
        why="after the compositor's restart: $(ctl_line GUI-RESTARTED)"
        return 1
    fi
    # The new compositor gives nobody the focus; the user's Super+Tab
    # does, and the focused terminal shows what was typed before: its
    # screen was kept.
    qemu_sendkey "$LINUX_VM" meta_l-tab 2>"$LINUX_VM/wait.err" ||
        { why="sendkey: $(head -n 1 "$LINUX_VM/wait.err")"; return 1; }
    wait_desktop "$png" 40 || return 1
    info "restartgui: compositor $confined; both terminals back, their text kept ($png: frames $blue blue, $green green, text $text)"
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
    in_order 'bulkhead: domains: domain manager up: 5 domains configured' \
        'bulkhead: domains: domain sys-net created \(domid [0-9]+\) in [0-9]+ ms' \
        'bulkhead: domains: creating domain alpha$' \
        'bulkhead: domains: domain alpha created \(domid [0-9]+\) in [0-9]+ ms' \
        'DOMU-PING name=alpha ok' || return 1
    if ! serial_has '^sys-net\| DOMU-BACKEND name=sys-net backend/vif/[0-9]+/0 state=4 hotplug-status=connected'; then
        why="sys-net's devd never connected a vif: $(serial | grep -E 'DOMU-BACKEND' | tr '\n' '|')"
        return 1
    fi
    info "domains: $(serial | grep -E 'domain (sys-net|alpha) created' | head -n 2 | sed 's/.*bulkhead: domains: //' | tr '\n' ';')"
}

check_hardening() {
    local modes='/var/log/xen=700 /var/log/xen/console=700 /var/lib/xen=700 /var/lib/xenstored=700'
    local esc='^alpha\| DOMU-ESC name=alpha \\x1b\[2J\\x1b\]0;owned\\x07 end$'
    local want
    if ! linux_wait '^DOM0-OOM ' "$STEP_TIMEOUT"; then
        why=$(wait_why 'the hardening service printed nothing')
        return 1
    fi
    for want in "DOM0-MODES $modes" "DOM0-SYSCTL $HARDENING_SYSCTL" 'DOM0-OOM xenstored=-1000'; do
        if ! serial_has "^$want\$"; then
            why="$(serial | grep -E -m1 "^${want%% *} " || echo "no ${want%% *} line"), not: $want"
            return 1
        fi
    done
    if ! linux_wait '^alpha\| DOMU-ESC ' "$DOMAIN_TIMEOUT"; then
        why=$(wait_why "alpha's escape line never came through ctl console")
        return 1
    fi
    if ! serial_has "$esc"; then
        why="alpha's escape line as ctl console showed it: $(serial | grep -m1 'alpha| DOMU-ESC' | od -An -c | tr -s ' ' | head -c 300)"
        return 1
    fi
    if serial | grep -E '^[a-z0-9-]+\| ' | grep -q $'\033'; then
        why="an ESC byte of a domain's console reached the serial line: $(serial | grep -E '^[a-z0-9-]+\| ' | grep -m1 $'\033' | od -An -c | head -c 200)"
        return 1
    fi
    info "hardening: $(serial | grep -E -m1 '^DOM0-MODES'); $(serial | grep -E -m1 '^DOM0-OOM'); $(serial | grep -m1 'alpha| DOMU-ESC')"
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

# The manager's refusal, and domctl.sh's `ctl list' (after crashy's crash
# loop, long after hvm's start at boot).
check_hvm() {
    local re='bulkhead: domains: domain hvm: cannot build its libxl config: /etc/bulkhead/domains/hvm\.cfg:7: '
    if ! linux_wait "$re" "$DOMAIN_TIMEOUT"; then
        why=$(wait_why 'the manager never refused hvm')
        return 1
    fi
    local line want
    line=$(serial | grep -E -m1 "$re" | sed 's/.*hvm\.cfg:7: //')
    for want in 'type = "hvm" needs its device model (QEMU) in a stub domain or deprivileged in dom0, never as root in dom0, and this host has neither: ' \
        'no stub domain is installed (/usr/lib/xen-4.17/boot/qemu-stubdom-linux-kernel)' \
        'qemu-system-xen is not installed (/usr/libexec/xen-qemu-system-i386)' \
        'there is no user xen-qemuuser-hvm nor xen-qemuuser-range-base' \
        'or set type = "pvh"'; do
        if [[ $line != *"$want"* ]]; then
            why="the refusal does not say \"$want\": $line"
            return 1
        fi
    done
    # qemu64 offers SVM without NPT: Xen has HVM, not HAP.  Without HVM
    # (another QEMU_XEN_CPU) the refusal says that too.
    local host
    host=$(serial | sed -n 's/.*bulkhead: domains: host: hardware virtualisation (VT-x\/AMD-V) \(yes\|no\), HAP (EPT\/NPT) \(yes\|no\)$/\1 \2/p' | head -n 1)
    if [ -z "$host" ]; then
        why="the manager did not log the host's capabilities: $(serial | grep -E -m1 'domains: host: ')"
        return 1
    fi
    want='; besides, type = "hvm" needs hardware virtualisation (Intel VT-x or AMD-V), which this host does not offer'
    if [[ ${host% *} = no && $line != *"$want"* ]] || [[ ${host% *} = yes && $line = *"$want"* ]]; then
        why="host: HVM ${host% *}, but the refusal says: $line"
        return 1
    fi
    if ! linux_wait '^CTL-LIST hvm ' "$DOMAIN_TIMEOUT"; then
        why=$(wait_why 'no `ctl list'"'"' line for hvm')
        return 1
    fi
    local row
    row=$(serial | grep -E -m1 '^CTL-LIST hvm ' | cut -c 10-)
    if ! [[ $row =~ ^hvm\ +-\ +failed\ +standalone\ +purple\ +hvm\ + ]]; then
        why="ctl list: $row"
        return 1
    fi
    # Never handed to libxl, so no device model was started for it.
    if serial_has 'bulkhead: domains: creating domain hvm$'; then
        why='the manager went on to create hvm'
        return 1
    fi
    info "hvm: refused (host: HVM ${host% *}, HAP ${host#* }): ${line:0:120}...; ctl list: $(tr -s ' ' <<<"$row")"
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
    # When libxl gave up on a slow backend, the manager's next try (5 s on)
    # finds the vif connected: alpha may ping before the manager says so.
    if ! linux_wait 'bulkhead: domains: domain alpha: vif 0 attached again to sys-net' "$STEP_TIMEOUT"; then
        why=$(wait_why "the manager never said alpha's vif is attached to the new sys-net")
        return 1
    fi
    in_order '^NET-DESTROY domid=' \
        'bulkhead: domains: domain sys-net \(domid [0-9]+\) was destroyed from outside' \
        'bulkhead: domains: domain sys-net created \(domid [0-9]+\) in [0-9]+ ms, [0-9]+ ms after its death' \
        'bulkhead: domains: domain alpha: vif 0.s backend died with domid [0-9]+; attaching it to sys-net' \
        'bulkhead: domains: domain alpha: vif 0 attached again to sys-net \(domid [0-9]+\)' || return 1
    in_order 'bulkhead: domains: domain alpha: vif 0.s backend died with domid [0-9]+; attaching it to sys-net' \
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

# libxl waits 10 s for a backend to be removed, then gives up on it; the
# manager says which it left.
check_backends() {
    local re='timed out while waiting for .* to be removed|bulkhead: domains: .* was left behind'
    if serial_has "$re"; then
        why="$(serial | grep -E "$re" | tr '\n' ' ' | cut -c 1-400)"
        return 1
    fi
}

xen_run_attempts "${CHECKS[@]}"

if [ "$t_boot" -gt 0 ]; then
    info "timing: QEMU start to xenconsoled up $(fmt_ms $((t_boot - t_qemu))) wall"
fi
info "timing: whole run $(fmt_ms $(($(now_ms) - run_start)))"
info "artifacts in $LINUX_VM (serial.log, initrd.cpio.gz)"
finish_suite
