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
#               (blue; the agent's own) and beta (green; foot, a real
#               Wayland program from its image, through the agent as the
#               domain's Wayland compositor), served by each domain's agent
#               over vchan with pixels in pages the domain grants; neither takes
#               the focus as it comes (what is typed then runs nowhere);
#               after Super+Tab a command typed with sendkey runs in the
#               focused one's shell only, and after Super+Tab another runs
#               in the other one only
#   clipboard   dom0's clipboard over vchan: a command line typed in alpha's
#               terminal, selected with the (PS/2) mouse, Ctrl+Shift+C;
#               beta clicked, Ctrl+Shift+V, foot's Shift+Insert and Return:
#               it runs in beta only
#   calls       `rpctest alpha' typed into beta's foot floods dom0 with
#               requests (8 answered, all cleared when withdrawn), then
#               calls alpha's services (tests/xen/domu/rpc) under dom0's
#               policy (config/policy.d/calls.policy): streams, statuses, a
#               deny, 4 MiB, a directory copied with `bulkhead copy-to',
#               dom0's question (policy `ask') answered with Return, Escape
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
#   dom0call    dom0 calls alpha's and beta's services and runs commands
#               there (`ctl rpc', `ctl run [--pass-io]'): streams, status,
#               4 MiB, refusals, confined while it relays, ended by SIGINT,
#               no key left
#   ctl         `bulkhead ctl list [--json]', pause, unpause, console, and
#               the refusals users see (tests/xen/config/scripts/domctl.sh)
#   adopt       the domain manager is SIGKILLed; alpha keeps running and the
#               restarted manager adopts it; crashy stays failed
#   netvm       sys-net is destroyed behind bulkhead's back: it is created
#               again, alpha's vif is attached to the new one, and alpha
#               pings it again
#   stopstart   `ctl stop alpha': alpha powers off and stays stopped; the
#               launcher's "alpha" (Super+Return, typed): the compositor asks
#               the manager to start it, it is created again, pings sys-net,
#               its window is back on the desktop over a new vchan, and the
#               terminal asked for comes focused once its agent is up
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

CHECKS=(bringup toolstack restart domains hardening desktop clipboard calls noagent crash crashloop windows restartgui
    dom0call ctl hvm adopt netvm stopstart poweroff no-panic gui-drops backends)
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
    boot_guest qemu_start_xen "$(ev service-started name=xenconsoled)" \
        'service xenconsoled started' --xen --desktop \
        --add "$LINUX_VM/vmlinux:/var/lib/bulkhead/vmlinux" \
        --add "$LINUX_VM/domu.cpio:/var/lib/bulkhead/domu.cpio" \
        --add "$LINUX_VM/domu-driver.cpio:/var/lib/bulkhead/domu-driver.cpio" || return 1
    in_order "$(ev xen-dom0)" "$(ev service-ready name=xenstored)" \
        "$(ev service-done name=xen-init-dom0)" "$(ev service-started name=xenconsoled)" || return 1
    local problems='bulkhead: (config: |init: boot failed|xen: .*(cannot|missing)|modules: (module|cannot)|implib: event=library-on-demand)'
    if serial_has "$problems"; then
        why="bulkhead reported problems: $(serial | grep -E "$problems" | tr '\n' ' ' | cut -c 1-300)"
        return 1
    fi
}

# terminal_up NAME: NAME's agent has dom0's compositor on its channel.
terminal_up() {
    expect_event gui-up name="$1" transport=vchan "$DOMAIN_TIMEOUT" &&
        expect "^$1\\| $(ev dom0-connected)" "$STEP_TIMEOUT"
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
    terminal_up alpha && terminal_up beta || return 1
    expect '^beta\| DOMU-WAYLAND name=beta foot=' "$STEP_TIMEOUT" "foot did not start in beta" ||
        return 1
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
    expect 'DOMU-TYPED name=[a-z]+ /tmp/typed: ' "$STEP_TIMEOUT" \
        'the command typed into the focused terminal did not run' || return 1
    first=$(serial | sed -n 's/.*DOMU-TYPED name=\([a-z]*\) \/tmp\/typed: .*/\1/p' | head -n 1)
    second=$([ "$first" = alpha ] && echo beta || echo alpha)
    qemu_sendkey "$LINUX_VM" meta_l-tab && sleep 1 &&
        qemu_type "$LINUX_VM" $'echo world >/tmp/typed2\n' 2>"$LINUX_VM/wait.err" ||
        { why="sendkey: $(head -n 1 "$LINUX_VM/wait.err")"; return 1; }
    expect "DOMU-TYPED name=$second /tmp/typed2: " "$STEP_TIMEOUT" \
        "after Super+Tab, the command typed did not run in $second" || return 1
    sleep 2
    if ! serial_has "DOMU-TYPED name=$first /tmp/typed: hello$" ||
        ! serial_has "DOMU-TYPED name=$second /tmp/typed2: world$" ||
        typed "$second" /tmp/typed || typed "$first" /tmp/typed2 ||
        serial_has "DOMU-TYPED name=[a-z]+ /tmp/typed0: "; then
        why="what was typed: $(serial | grep -E 'DOMU-TYPED' | tr '\n' '|')"
        return 1
    fi
    screendump "$LINUX_VM/typed.png" || return 1
    info "desktop: \"echo hello\" ran in $first only, and after Super+Tab \"echo world\" in $second only (typed.png; beta's terminal is foot: $(serial | grep -m1 -oE 'DOMU-WAYLAND name=beta foot=[0-9]+'))"
}

# dom0's clipboard over vchan, driven as a user would (lib.sh's
# clipboard_alpha_to_beta): a command line typed in alpha's terminal,
# selected with the PS/2 mouse, Ctrl+Shift+C; beta clicked, Ctrl+Shift+V,
# foot's own Shift+Insert and Return: it runs in beta, and only there.
check_clipboard() {
    clipboard_alpha_to_beta 'touch /tmp/typedclip' "$LINUX_VM/clipboard-copied.png" || return 1
    expect 'DOMU-TYPED name=beta /tmp/typedclip: ' "$STEP_TIMEOUT" \
        "the pasted command did not run in beta's foot" || return 1
    if typed alpha /tmp/typedclip; then
        why="the command ran in alpha, where it was only typed"
        return 1
    fi
    screendump "$LINUX_VM/clipboard-pasted.png" || return 1
    # dom0's pointer went to the screen's corner on the way (0,0: its
    # rectangle starts at -1,-1); nothing may land outside the frame: the
    # last row is the desktop's alone (once, stray bytes of a copy before
    # the buffer's start showed there).
    local stray
    stray=$(python3 "$LINUX_ROOT/tests/qemu/png.py" lastrow "$LINUX_VM/clipboard-copied.png")
    [ "$stray" = 0 ] ||
        { why="clipboard-copied.png: $stray stray pixels on the screen's last row"; return 1; }
    info "clipboard: alpha's terminal selection (20 bytes) copied, pasted into beta over vchan, typed by foot's Shift+Insert and run there only (clipboard-copied.png, clipboard-pasted.png)"
}

# rpc_line WHAT: the status and the rest of beta's rpctest line WHAT.
rpc_line() { serial | grep -o -- "DOMU-RPC name=beta $1 .*" | head -n 1 | sed "s/^DOMU-RPC name=beta $1 //"; }

# matches LABEL LINE ERE: LINE matches ERE, or 1 with $why naming LABEL.
matches() {
    [[ "$2" =~ $3 ]] && return 0
    why="$1: \"$2\", not /$3/"
    return 1
}

# rpc_expect WHAT ERE: beta's line WHAT matches ERE, or 1 with $why.
rpc_expect() { matches "call $1" "$(rpc_line "$1")" "$2"; }

check_calls() {
    local png=$LINUX_VM/calls.png gx0 gx1 gy0 gy1
    screendump "$png" || return 1
    read -r gx0 gx1 gy0 gy1 <<<"$(frame_box "$png" 73d216)"
    [ -n "$gy1" ] || { why="no frame of beta in $png"; return 1; }
    # beta has the focus after the clipboard's paste; else a click gives it.
    if ! serial | grep -E "$(ev window-focus focused=1)" | tail -n 1 |
        grep -E "$(ev window-focus name=beta focused=1)" >/dev/null; then
        focused_anew beta $(((gx0 + gx1) / 2)) $(((gy0 + gy1) / 2)) ||
            { why="a click did not focus beta's foot $(head -n 1 "$LINUX_VM/wait.err")"; return 1; }
    fi
    qemu_type "$LINUX_VM" "rpctest alpha" 2>"$LINUX_VM/wait.err" &&
        qemu_sendkey "$LINUX_VM" ret 2>"$LINUX_VM/wait.err" ||
        { why="sendkey: $(head -n 1 "$LINUX_VM/wait.err")"; return 1; }
    # dom0's question over the desktop, answered with QEMU's keyboard:
    # Return (alpha, the one choice), then Escape for the second.
    local shown
    shown=$(ev ask-shown source=beta service=test.Upper choices=1 chosen=alpha)
    expect "$shown" "$DOMAIN_TIMEOUT" "no question for beta's call test.Upper+asked" || return 1
    sleep 2
    screendump "$LINUX_VM/ask.png" || return 1
    # Its choices line is dom0's yellow, which nothing else draws; inside
    # the question's box (render_ask_rect: the middle two thirds).
    local ax0 ax1 ay0 ay1
    read -r ax0 ax1 ay0 ay1 <<<"$(frame_box "$LINUX_VM/ask.png" ffff80)"
    if ! [[ "$ax0 $ax1 $ay0 $ay1" =~ ^[0-9]+\ [0-9]+\ [0-9]+\ [0-9]+$ ]] ||
        [ "$ax0" -lt 213 ] || [ "$ax1" -gt 1066 ]; then
        why="no question drawn over the desktop (ask.png: its yellow at ${ax0:-?}-${ax1:-?})"
        return 1
    fi
    qemu_sendkey "$LINUX_VM" ret && expect_event rpc-answered source=beta choice=alpha \
        "$STEP_TIMEOUT" || { why="Return did not answer the question"; return 1; }
    linux_wait_count "$shown" 2 "$DOMAIN_TIMEOUT" ||
        { why="no question for beta's call test.Upper+refused"; return 1; }
    sleep 1
    qemu_sendkey "$LINUX_VM" esc && expect_event rpc-answered source=beta choice=- \
        "$STEP_TIMEOUT" || { why="Escape did not answer the question"; return 1; }
    expect 'DOMU-RPC name=beta done' "$DOMAIN_TIMEOUT" "rpctest did not end in beta" || return 1
    # The deny names the rule's FILE:LINE.
    local nope
    nope=$(grep -n '^test.Nope ' "$here/config/policy.d/calls.policy" | cut -d: -f1)
    sleep 2
    screendump "$LINUX_VM/calls-done.png" || return 1
    # The flood cost dom0 little: the manager and xenstored together well
    # under a third of its length (a manager that turned without pause,
    # reading held requests, spent about all of it).
    local cpu
    cpu=$(ctl_line CTL-FLOOD-CPU)
    if ! [[ "$cpu" =~ ^manager_ms=([0-9]+)\ xenstored_ms=([0-9]+)\ over_s=([0-9]+)$ ]] ||
        [ $((BASH_REMATCH[1] + BASH_REMATCH[2])) -gt $((BASH_REMATCH[3] * 1000 / 3)) ]; then
        why="dom0's CPU during beta's flood: ${cpu:-no CTL-FLOOD-CPU line}"
        return 1
    fi
    rpc_expect flood '^answered=8 left=0$' &&
        rpc_expect upper '^status=0 out=HELLO FROM BETA$' &&
        rpc_expect source '^status=0 out=beta test.Source arg=abc$' &&
        rpc_expect exit '^status=7 out=leaving with 7$' &&
        rpc_expect exit2 '^status=7$' &&
        rpc_expect denied "^status=126 out=bulkhead rpc-call: alpha test.Nope: denied by the policy \\(.*calls\\.policy:$nope\\)\$" &&
        rpc_expect missing '^status=127 out=bulkhead: this domain has no service test.Missing' &&
        rpc_expect malformed '^status=2 out=bulkhead rpc-call: .* is not a call' &&
        rpc_expect copy '^status=0 out=$' &&
        rpc_expect incoming '^status=0 out=\. \./tocopy \./tocopy/a \./tocopy/link \./tocopy/sub \./tocopy/sub/b a=one b=two link=a$' &&
        rpc_expect hostile '^status=1 out=.*' &&
        rpc_expect asked '^status=0 out=ASKED$' &&
        rpc_expect refused '^status=126 out=bulkhead rpc-call: alpha test.Upper\+refused: the user said no$' || return 1
    local bulk
    bulk=$(rpc_line bulk)
    if ! [[ "$bulk" =~ ^status=0\ sent=([0-9a-f]{32})\ 4194304\ got=([0-9a-f]{32})\ 4194304\ ms=([0-9]+)$ ]] ||
        [ "${BASH_REMATCH[1]}" != "${BASH_REMATCH[2]}" ]; then
        why="4 MiB through a call: $bulk"
        return 1
    fi
    local ms=${BASH_REMATCH[3]}
    # dom0 decided each (its events), and was asked no more than that.
    in_order "$(ev rpc-serve source=beta id=[0-9]+ service=test.Upper target=alpha)" \
        "$(ev rpc-connected source=beta id=[0-9]+ service=test.Upper target=alpha)" \
        "$(ev rpc-refused source=beta id=[0-9]+ service=test.Nope)" || return 1
    info "calls: beta flooded 200 requests and malformed keys (dom0 answered 8, all cleared once withdrawn; dom0 spent $cpu), then called alpha's services from its terminal: capitals, exit 7, denied by the policy (126), a missing service (127), 4 MiB in $ms ms with the same MD5, a directory copied into ~/Incoming/beta, a stream that is not one refused, dom0's question over the desktop (ask.png: ${ax0}-${ax1} x ${ay0}-${ay1}) answered Return (allowed) and Escape (refused) (calls-done.png)"
}

# Our domains send nothing wrong: every channel the compositor dropped
# went with its domain (crashed, stopped) or with the compositor.  A drop
# for anything else (a malformed message, a BUFFER that cannot be mapped,
# a full queue) is a failure, not a note.
check_gui_drops() {
    local drops
    drops=$(serial | grep -E "$(ev gui-dropped)" |
        grep -vE "$(ev gui-dropped 'reason=(domain [0-9]+ is gone|the compositor stops)')\$" || true)
    if [ -n "$drops" ]; then
        why="unexpected drops: $(echo "$drops" | sed 's/.*event=//' | tr '\n' '|')"
        return 1
    fi
    info "gui-drops: $(serial | grep -cE "$(ev gui-dropped)") drops, each with its domain or the compositor"
}

# chip_cells PNG RRGGBB TEXT: whether a status-bar chip of that label
# colour shows a text as wide as TEXT (the bar's font: 8 px a cell, the
# last cell's glyph 7 px wide), e.g. "sys-net no agent" (16 cells), not
# "sys-net running" (15).
chip_cells() {
    python3 "$LINUX_ROOT/tests/qemu/png.py" chips "$1" "$2" |
        awk -v want=$((${#3} * 8 - 1)) '$2 >= want - 1 && $2 <= want + 1 { ok = 1 } END { exit !ok }'
}

# sys-net may have windows but runs no agent: the compositor says so, its
# chip in the status bar says "no agent", and no window of its (red, as
# crashy's, which has none either) is on the desktop.
check_noagent() {
    local png=$LINUX_VM/noagent.png red chips
    expect_event no-agent name=sys-net after_s=25 "$DOMAIN_TIMEOUT" || return 1
    # The bar is redrawn after the line: a second at most.
    sleep 1
    screendump "$png" || return 1
    chips=$(python3 "$LINUX_ROOT/tests/qemu/png.py" chips "$png" cc0000 | tr '\n' ' ')
    if ! chip_cells "$png" cc0000 'sys-net no agent'; then
        why="$png: no red chip as wide as \"sys-net no agent\" (red chips at x and text width: $chips)"
        return 1
    fi
    red=$(python3 "$LINUX_ROOT/tests/qemu/png.py" count "$png" cc0000)
    if [ "$red" -ne $(($(wc -w <<<"$chips") / 2 * 100)) ]; then
        why="$png: $red red pixels, more than its chips' squares ($chips): a window of sys-net or crashy"
        return 1
    fi
    info "noagent: $(serial | grep -E -m1 "$(ev no-agent name=sys-net)" | sed 's/.*event=//') ($png: red chips $chips; no red window)"
}

# The domctl script crashes beta once the desktop check has typed.
check_windows() {
    local png=$LINUX_VM/beta-back.png blue green text
    expect_marker '^GUI-BACK' "beta's window did not come back after its crash" || return 1
    # The compositor sees the old domain gone at its next look (once a
    # second): the manager may have created the new one by then.
    in_order '^GUI-CRASH beta domid=' "$(ev domain-died name=beta how=crash)" \
        "$(ev domain-restart name=beta)" "$(ev domain-created name=beta)" '^GUI-BACK ' || return 1
    in_order '^GUI-CRASH beta domid=' \
        "$(ev gui-dropped name=beta 'reason=domain [0-9]+ is gone')" \
        "$(ev gui-up name=beta transport=vchan)" '^GUI-BACK ' || return 1
    wait_desktop "$png" 0 || return 1
    info "windows: $(ctl_line GUI-BACK): its window back ($png: frames $blue blue, $green green)"
}

# The domctl script SIGKILLs the compositor; PID 1 starts it again.
check_restartgui() {
    local png=$LINUX_VM/compositor-back.png blue green text
    expect_marker '^GUI-RESTARTED' "the terminals did not come back after the compositor's restart" ||
        return 1
    in_order '^GUI-KILL compositor pid=' \
        "$(ev service-restart name=compositor status=signal:KILL)" \
        "$(ev compositor-up)" '^GUI-RESTARTED ' || return 1
    # Confined: its own uid, no capability, no_new_privs, a seccomp
    # filter (drm-compositor/sandbox.h); its input broker keeps root's
    # uid and nothing else (input/broker.h).
    local confined broker manager
    confined=$(ctl_line GUI-CONFINED)
    if ! [[ "$confined" =~ ^Uid:900\ CapEff:0000000000000000\ CapBnd:0000000000000000\ NoNewPrivs:1\ Seccomp:2 ]]; then
        why="the compositor is not confined: $confined"
        return 1
    fi
    manager=$(ctl_line MANAGER-CONFINED)
    if ! [[ "$manager" =~ ^Uid:0\ NoNewPrivs:1\ Seccomp:2 ]]; then
        why="the domain manager has no seccomp filter: $manager"
        return 1
    fi
    broker=$(ctl_line GUI-BROKER)
    if ! [[ "$broker" =~ ^Uid:0\ CapEff:0000000000000000\ CapBnd:0000000000000000\ NoNewPrivs:1\ Seccomp:2 ]]; then
        why="the input broker is not confined: $broker"
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
    info "restartgui: compositor $confined; input broker $broker; domain manager $manager; both terminals back, their text kept ($png: frames $blue blue, $green green, text $text)"
}

check_toolstack() {
    expect '^XENCONSOLED-(KILL|TIMEOUT)' "$STEP_TIMEOUT" 'the toolstack service printed nothing' ||
        return 1
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
    expect '^XENCONSOLED-(BACK|TIMEOUT)' "$STEP_TIMEOUT" 'no XENCONSOLED-BACK' || return 1
    if ! serial_has '^XENCONSOLED-BACK '; then
        why="$(serial | grep -E '^XENCONSOLED-TIMEOUT')"
        return 1
    fi
    in_order '^XENCONSOLED-KILL pid=' \
        "$(ev service-restart name=xenconsoled status=signal:KILL in_ms=100)" \
        '^XENCONSOLED-BACK ' || return 1
    info "restart: $(serial | grep -E '^XENCONSOLED-BACK')"
}

check_domains() {
    expect 'DOMU-PING name=alpha ok' "$DOMAIN_TIMEOUT" \
        'alpha never reached sys-net over its vif (no DOMU-PING)' || return 1
    in_order "$(ev manager-up domains=5)" "$(ev domain-created name=sys-net 'domid=[0-9]+')" \
        "$(ev domain-creating name=alpha)" "$(ev domain-created name=alpha 'domid=[0-9]+')" \
        'DOMU-PING name=alpha ok' || return 1
    # sys-net's init reports its backends' states by polling xenstore: the
    # connected state may come a moment after alpha's ping went through.
    if ! expect '^sys-net\| DOMU-BACKEND name=sys-net backend/vif/[0-9]+/0 state=4 hotplug-status=connected' \
        "$STEP_TIMEOUT"; then
        why="sys-net's devd never connected a vif: $(serial | grep -E 'DOMU-BACKEND' | tr '\n' '|')"
        return 1
    fi
    info "domains: $(serial | grep -E "$(ev domain-created 'name=sys-net|alpha')" | head -n 2 | sed 's/.*event=//' | tr '\n' ';')"
}

check_hardening() {
    local modes='/var/log/xen=700 /var/log/xen/console=700 /var/lib/xen=700 /var/lib/xenstored=700'
    local esc='^alpha\| DOMU-ESC name=alpha \\x1b\[2J\\x1b\]0;owned\\x07 end$'
    local want
    expect '^DOM0-OOM ' "$STEP_TIMEOUT" 'the hardening service printed nothing' || return 1
    for want in "DOM0-MODES $modes" "DOM0-SYSCTL $HARDENING_SYSCTL" 'DOM0-OOM xenstored=-1000'; do
        if ! serial_has "^$want\$"; then
            why="$(serial | grep -E -m1 "^${want%% *} " || echo "no ${want%% *} line"), not: $want"
            return 1
        fi
    done
    expect '^alpha\| DOMU-ESC ' "$DOMAIN_TIMEOUT" "alpha's escape line never came through ctl console" ||
        return 1
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
    local re
    re=$(ev domain-restart name=crashy)
    expect "$re" "$DOMAIN_TIMEOUT" 'crashy did not crash, or was not restarted' || return 1
    re="$(ev domain-created name=crashy)"
    # The second creation: the one after its death.
    if ! linux_wait_count "$re" 2 "$DOMAIN_TIMEOUT"; then
        why='crashy was not created again after its crash'
        return 1
    fi
    # The console copy polls its files: its lines are not ordered with ours.
    if ! serial_has 'DOMU-CRASHING name=crashy'; then
        why='crashy never said it was crashing'
        return 1
    fi
    in_order "$(ev domain-died name=crashy how=crash)" "$(ev domain-restart name=crashy in_ms=100)" \
        "$re" || return 1
    # The time from its death to the new domain: the prose says it.
    info "crash: $(serial | grep -E 'domain crashy created .* after its death' | head -n 1 | sed 's/.*bulkhead: domains: //')"
}

check_crashloop() {
    local re
    re=$(ev domain-failed name=crashy 'reason=died more than 2 times in 300 s')
    expect "$re" "$DOMAIN_TIMEOUT" 'crashy did not end failed' || return 1
    local n
    n=$(serial | grep -cE "$(ev domain-creating name=crashy)")
    if [ "$n" -ne 3 ]; then
        why="crashy was created $n times; 3 expected (2 restarts, then failed)"
        return 1
    fi
    info "crashloop: $(serial | grep -E "$re" | sed 's/.*event=//')"
}


# domctl.sh's markers (expect_marker): it says CTL-TIMEOUT when a step of
# its own timed out.
MARKER_FAIL='^CTL-TIMEOUT' MARKER_SERVICE=domctl MARKER_TIMEOUT=$DOMAIN_TIMEOUT

# call_expect TAG ERE: dom0's CALL-TAG line matches ERE, or 1 with $why.
call_expect() { matches "dom0's call $1" "$(ctl_line "CALL-$1")" "$2"; }

# dom0 calls the domains' services and runs commands there (domctl.sh).
check_dom0call() {
    expect_marker '^CALL-KEYS ' "dom0's calls did not end" || return 1
    local sent
    sent=$(ctl_line CALL-BULK-SENT)
    call_expect UPPER '^status=0 out=FROM DOM0 err=$' &&
        call_expect SOURCE '^status=0 out=dom0 test.Source arg=xyz err=$' &&
        call_expect EXIT '^status=9 out= err=leaving with 9 $' &&
        call_expect MISSING '^status=127 out= err=bulkhead: this domain has no service test.Missing' &&
        call_expect RUN '^status=5 out=got abc err=oops $' &&
        call_expect DETACHED '^status=0 out= err=$' &&
        call_expect DETACHED-RAN '^status=0 out=ran err=$' &&
        call_expect BULK "^status=0 out=$sent 4194304 err=\$" &&
        call_expect GHOST '^status=126 out= err=bulkhead ctl: ghost test.Upper: no domain is called ghost $' &&
        call_expect DEFAULT '^status=126 out= err=bulkhead ctl: @default test.Upper: dom0 names the domain it calls' &&
        call_expect SIGNALLED '^status=130$' &&
        call_expect KEYS '^alpha=0 beta=0$' || return 1
    [[ "$sent" =~ ^[0-9a-f]{32}$ ]] || { why="no MD5 of the 4 MiB sent: $sent"; return 1; }
    # Confined while it relays: nobody, no capability, no_new_privs, seccomp.
    local confined
    confined=$(ctl_line CALL-CONFINED)
    [[ "$confined" =~ ^Uid:65534\ CapEff:0000000000000000\ CapBnd:0000000000000000\ NoNewPrivs:1\ Seccomp:2 ]] ||
        { why="ctl run while it relays: $confined"; return 1; }
    in_order "$(ev rpc-call source=dom0 id=[0-9]+ service=test.Upper target=beta)" \
        "$(ev rpc-serve source=dom0 id=[0-9]+ service=test.Upper target=beta)" \
        "$(ev rpc-connected source=dom0 id=[0-9]+ service=test.Upper target=beta)" \
        "$(ev rpc-done source=dom0 id=[0-9]+)" '^CALL-UPPER ' || return 1
    info "dom0-call: ctl rpc (capitals, the source dom0, exit 9, 127, 4 MiB with the same MD5), ctl run --pass-io (stdin, stdout, stderr, exit 5) and detached; ghost and @default refused (126); relaying as $confined; SIGINT ends it (130); no key left"
}

check_ctl() {
    expect_marker '^CTL-ADOPTED' 'the ctl script did not finish' || return 1
    local list
    list=$(serial | sed -n 's/^CTL-LIST //p')
    if ! grep -qE '^alpha +[0-9]+ +running +standalone +blue +pv +2[0-9][0-9] +1 +[0-9]+s +[0-9]+ +sys-net +- +10\.137\.0\.[0-9]+ +current$' <<<"$list" ||
        ! grep -qE '^crashy +- +failed +standalone +red +pv +256 +1 +- +2 +- +- +- +current$' <<<"$list"; then
        why="ctl list: $(tr '\n' '|' <<<"$list")"
        return 1
    fi
    local json
    json=$(ctl_line CTL-JSON)
    if ! python3 -c 'import json, sys
j = json.loads(sys.argv[1])
assert j["schema"] == 2, j
d = {x["name"]: x for x in j["domains"]}
assert d["alpha"]["state"] == "running" and d["alpha"]["id"] > 0, d["alpha"]
assert d["alpha"]["netvm"] == "sys-net" and d["alpha"]["template"] is None, d["alpha"]
assert d["alpha"]["address"].startswith("10.137.0."), d["alpha"]
assert d["alpha"]["uptime_ms"] > 0 and d["alpha"]["class"] == "standalone", d["alpha"]
assert d["alpha"]["config"] == "current", d["alpha"]
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
    in_order "$(ev domain-paused name=alpha)" "$(ev domain-unpaused name=alpha)" || return 1
    info "ctl: $(serial | sed -n 's/^CTL-LIST //p' | sed -n 2,3p | tr -s ' ' | tr '\n' '|')"
}

# The manager's refusal, and domctl.sh's `ctl list' (after crashy's crash
# loop, long after hvm's start at boot).
check_hvm() {
    # The refusal is for the user to read: its words are what is checked.
    local re='bulkhead: domains: domain hvm: cannot build its libxl config: /etc/bulkhead/domains/hvm\.cfg:7: '
    expect_event domain-failed name=hvm "$DOMAIN_TIMEOUT" || return 1
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
    expect '^CTL-LIST hvm ' "$DOMAIN_TIMEOUT" 'no `ctl list'"'"' line for hvm' || return 1
    local row
    row=$(serial | grep -E -m1 '^CTL-LIST hvm ' | cut -c 10-)
    if ! [[ $row =~ ^hvm\ +-\ +failed\ +standalone\ +purple\ +hvm\ + ]]; then
        why="ctl list: $row"
        return 1
    fi
    # Never handed to libxl, so no device model was started for it.
    if serial_has "$(ev domain-creating name=hvm)"; then
        why='the manager went on to create hvm'
        return 1
    fi
    info "hvm: refused (host: HVM ${host% *}, HAP ${host#* }): ${line:0:120}...; ctl list: $(tr -s ' ' <<<"$row")"
}

check_adopt() {
    expect_event domain-adopted name=alpha state=running "$DOMAIN_TIMEOUT" || return 1
    in_order '^DM-KILL pid=[0-9]+' "$(ev service-restart name=domains status=signal:KILL)" \
        "$(ev domain-adopted name=alpha 'domid=[0-9]+' state=running)" || return 1
    # No creation of alpha between the manager's death and the adoption.
    if serial | sed -n '/^DM-KILL pid=/,/^CTL-ADOPTED /p' |
        grep -E "$(ev 'domain-creat(ing|ed)' name=alpha)" >/dev/null; then
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
    expect_marker '^NET-BACK' 'no NET-BACK after sys-net was destroyed' || return 1
    # When libxl gave up on a slow backend, the manager's next try (5 s on)
    # finds the vif connected: alpha may ping before the manager says so.
    expect_event vif-attached name=alpha vif=0 netvm=sys-net again=1 "$STEP_TIMEOUT" || return 1
    in_order '^NET-DESTROY domid=' "$(ev domain-died name=sys-net how=destroyed)" \
        "$(ev domain-created name=sys-net)" "$(ev vif-backend-died name=alpha vif=0 netvm=sys-net)" \
        "$(ev vif-attached name=alpha vif=0 netvm=sys-net again=1)" || return 1
    in_order "$(ev vif-backend-died name=alpha vif=0 netvm=sys-net)" '^NET-BACK ' || return 1
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
    expect_marker '^CTL-STOPPED' 'alpha was not stopped by ctl stop' || return 1
    # The user starts it again from the launcher: "alpha" alone, a terminal.
    local focused windows
    focused=$(ev window-new name=alpha 'window=[0-9]+' focused=1)
    windows=$(serial | grep -cE "$focused")
    sleep 2	# the compositor's list says alpha is stopped (asked each second)
    qemu_sendkey "$LINUX_VM" meta_l-ret && sleep 1 &&
        qemu_type "$LINUX_VM" $'alpha\n' 2>"$LINUX_VM/wait.err" ||
        { why="sendkey: $(head -n 1 "$LINUX_VM/wait.err")"; return 1; }
    expect_marker '^CTL-STARTED' 'no CTL-STARTED after the launcher started alpha' || return 1
    in_order '^NET-BACK ' "$(ev domain-stopping name=alpha)" \
        "$(ev domain-died name=alpha how=poweroff)" '^CTL-STOPPED stopped ' \
        "$(ev domain-start-asked name=alpha)" "$(ev domain-created name=alpha)" \
        '^CTL-STARTED running id=[0-9]+$' || return 1
    # The compositor's word, in its own process: the manager may say its
    # part of the start first.
    serial_has 'launcher: alpha starts; "terminal" runs once its agent is up' ||
        { why="the compositor did not say it asked the manager to start alpha"; return 1; }
    # Once its agent is up, the terminal asked for comes, and takes the focus.
    linux_wait_count "$focused" $((windows + 1)) "$DOMAIN_TIMEOUT" ||
        { why="the launcher's terminal did not come in the started alpha, focused"; return 1; }
    # The compositor let the dead alpha's channel go and took the new one's.
    expect_marker '^CTL-WINDOW-BACK' "the new alpha's window did not come back" || return 1
    in_order "$(ev domain-stopping name=alpha)" \
        "$(ev gui-dropped name=alpha 'reason=domain [0-9]+ is gone')" \
        "$(ev gui-up name=alpha transport=vchan)" || return 1
    info "stopstart: $(ctl_line CTL-STOPPED); started by the launcher: $(ctl_line CTL-STARTED); its windows back over a new vchan, the launcher's terminal focused"
}

check_poweroff() {
    expect '^CTL-POWEROFF' "$DOMAIN_TIMEOUT" 'the ctl script never asked for poweroff' || return 1
    local t_ask
    t_ask=$(now_ms)
    # dom0 powers off through ACPI S5, which Xen enters: QEMU exits.
    if ! linux_wait_exit "$DOMAIN_TIMEOUT"; then
        why=$(wait_why 'QEMU did not exit after ctl poweroff')
        return 1
    fi
    local asked
    asked=$(ev shutdown-requested action=poweroff by=ctl)
    in_order '^CTL-POWEROFF' "$asked" \
        "$(ev domain-stopping name=alpha)" "$(ev domain-died name=alpha how=poweroff)" \
        "$(ev domain-stopping name=sys-net)" "$(ev domain-died name=sys-net how=poweroff)" \
        "$(ev manager-stopped)" "$(ev service-stopped name=domains status=exit:0)" \
        "$(ev services-stopped)" || return 1
    in_order "$asked" "$(ev service-stopped name=sentinel)" \
        "$(ev service-stopping name=xenconsoled)" "$(ev service-stopped name=xenconsoled)" \
        "$(ev service-stopping name=xenstored)" "$(ev service-stopped name=xenstored)" \
        "$(ev services-stopped)" "$(ev shutdown-now action=poweroff)" || return 1
    if ! serial_has '\(XEN\) .*Entering ACPI S5 state'; then
        why='Xen did not enter ACPI S5'
        return 1
    fi
    info "poweroff: QEMU exited $(fmt_ms $(($(now_ms) - t_ask))) after CTL-POWEROFF was seen"
}

# libxl waits 10 s for a backend to be removed, then gives up on it; the
# manager says which it left.
check_backends() {
    # libxl's words (not ours), and the manager's error.
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
info "artifacts in $LINUX_VM (serial.log, initrd.cpio.zst)"
finish_suite
