#!/usr/bin/env bash
# Driver domains (issue 8) under Xen 4.17 in QEMU (TCG) with an emulated
# IOMMU (QEMU's intel-iommu, Xen's iommu=), so that QEMU's devices can be
# passed through: an e1000 on QEMU's user network to sys-net, an xHCI
# controller with a tablet, a USB stick, a USB keyboard and a USB smartcard
# reader to sys-usb, a
# virtio disk to sys-storage; dom0 has its desktop (beta's window).
# sys-firewall's uplink is sys-net; alpha and beta (AppVMs) are behind
# sys-firewall; alpha has firewall rules (tests/xen/drivers/config).
# Checks:
#   bringup     dom0 up; the devices' domains created
#   dom0        dom0 has no network interface but lo, and each passed-through
#               device is held by xen-pciback: the NIC and the disk from the
#               start (xen-pciback.hide=), the xHCI controller taken from
#               dom0's xhci_hcd when sys-usb starts
#   hwcheck     `bulkhead hwcheck' in dom0 finds what QEMU gives: HVM
#               without HAP, the IOMMU in Xen's use without interrupt
#               remapping, the e1000 and the xHCI controller (pciback's),
#               and writes their pci lines and xen-pciback.hide=
#   uplink      sys-net's eth0 is the e1000, driven there; xl devd runs in
#               sys-net and sys-firewall
#   chain       alpha reaches a page in sys-net and one on the host (QEMU's
#               guestfwd), through sys-firewall and sys-net
#   rules       alpha's rule `deny tcp port 8001' holds: alpha cannot reach
#               port 8001, beta (no rules) can; alpha's policy deny holds for
#               port 8002 (no rule), which beta reaches; sys-firewall's log
#               shows alpha's rules, enforced there
#   names       beta asks its name servers (10.139.1.1 and .2) for
#               deb.debian.org: sys-firewall sends it up, sys-net to QEMU's
#               name server, which asks the host's; beta gets an IPv4
#               address.  alpha's names are refused (policy deny, no rule
#               for them).  Each firewall says its servers
#   isolation   alpha and beta cannot reach each other's page, each reaches
#               its own
#   usb         sys-usb sees the tablet on its xHCI controller; `ctl usb
#               list' in dom0 has it as sys-usb's agent told it, and nothing
#               of the keys sys-usb wrote beside it (one with a bad name, one
#               that is no bus id): left out, said
#   usbauto     alpha's config attaches the smartcard reader (usb_attach =
#               [ "sys-usb:08e6:4433" ]): once alpha and sys-usb run, dom0 asks
#               it to take it (usb-auto-attach), its call goes under the
#               policy, `ctl usb list' gives it to alpha and alpha's kernel
#               has it; `ctl usb detach' takes it back and it is not asked
#               for again
#   usbinput    sys-usb's agent (--input) forwards the USB keyboard on its
#               controller (a usb-kbd, typed on with QMP's input-send-event):
#               dom0's compositor asks the user (input-asked, the question
#               on the screen: input-ask.png); dom0's Super+Tab focuses
#               beta's window (gui-demo); an "a" and a Return typed on the
#               USB keyboard reach nothing and answer nothing; dom0's own
#               Return accepts it; its "b" then reaches beta's window
#               (input-typed.png)
#   storage     alpha reads the disk sys-storage serves (the host's marker)
#   blockattach `ctl block list' has sys-storage's loop0 (a file there)
#               and its vda, alpha's by its config, and sys-usb's stick; loop0 attached to beta
#               read-only at run time (`ctl block attach --ro'): beta reads
#               sys-storage's first line on its xvdi, which takes no write;
#               the list says beta holds it; a second attach is refused,
#               and so is a detach of alpha's disk of its config; `ctl block
#               detach' takes it back (beta's xvdi goes, the list says none
#               holds it), a second detach is refused; dom0 lends a file
#               of its pool (on a loop device of its own) to beta, writable:
#               beta reads dom0's first line and writes it back; detached,
#               the loop device is gone
#   blockdeath  loop0 attached to alpha, writable, and alpha killed: free
#               again; attached to beta, and sys-storage killed: it leaves
#               beta (the manager destroys the disk whose lender died)
#   reload      alpha's rule for port 8001 made an allow, beta's memory
#               changed, gamma new (autostart), `ctl reload': it says
#               alpha's firewall is given to sys-firewall now, beta's memory
#               waits for its next start and gamma is started; alpha reaches
#               port 8001, sys-firewall's log shows the new rule, nothing
#               was restarted, gamma boots, `ctl list' says beta's config
#               changed; a reload with a bad rule in alpha's file and a good
#               change in beta's changes nothing (FILE:LINE said; beta's
#               policy in xenstore still allow); every file back as it was:
#               alpha's rule tightened live (said, sys-firewall loads the
#               deny, alpha is blocked again, nothing restarted), gamma
#               asked to shut down, it powers off and is no longer listed;
#               beta's config current
#   republish   alpha's file allows port 8001 again without a reload, the
#               manager killed: the new one adopts the domains and gives
#               sys-firewall the rules as the files have them; alpha
#               reaches port 8001 again; (checked with usbdeath) it takes
#               the earlier one's USB requests: alpha's smartcard reader,
#               taken back by the user, is not asked for again
#   netcrash    sys-net is crashed on purpose: it is created again, sys-
#               firewall's vif is attached to it, and alpha reaches sys-net
#               and the host again, neither AppVM restarted
#   usbhostile  at the end, sys-usb turns hostile (its init stops the agent
#               and runs `gui-demo --misbehave input-range', which announces
#               a keyboard and sends a motion of 2^20): dom0 drops its
#               channel; the agent, started again, announces its keyboard
#               anew: asked again, refused with dom0's Escape, it types
#               nothing; dom0's own keyboard still types into beta
#   no-panic    neither Xen nor dom0 panicked
# usage: tests/xen/drivers.sh BULKHEAD   (as root)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/linux/common.sh
. "$here/../linux/common.sh"
# shellcheck source=tests/xen/lib.sh
. "$here/lib.sh"
suite_start xen-drivers "$@"
LINUX_CONFIG=$here/drivers/config
SUITE=xen-drivers
CHECKS=(bringup dom0 hwcheck uplink chain rules names isolation usb usbauto usbinput usbattach storage blockattach reload republish netcrash usbdeath blockdeath usbhostile no-panic)
CHECKS_WITHOUT_VM='no-panic'
DOMAIN_TIMEOUT=${DOMAIN_TIMEOUT:-400}
DISK=$LINUX_VM/storage.img STICK=$LINUX_VM/stick.img
MARKER="bulkhead-disk-$$-$RANDOM" STICK_MARKER="bulkhead-stick-$$-$RANDOM"
t_qemu=0 t_boot=0

# The screen has an id: sys-usb's USB keyboard is bound to its console, so
# that QMP's input-send-event to it types there, and sendkey on dom0's own.
# The xHCI controller has 8 ports (QEMU's default 4 would put the fifth
# device behind a hub of QEMU's).
QEMU_GPU=bochs-display,id=video0
start_with_devices() {
    XEN_APPEND="iommu=verbose,no-intremap" qemu_start_xen "$1" "$2" \
        "xen-pciback.hide=(0000:00:03.0)(0000:00:05.0)" \
        -device intel-iommu,intremap=off \
        -netdev "user,id=n0,guestfwd=tcp:10.0.2.100:80-cmd:$here/drivers/host-service.sh" \
        -device e1000,netdev=n0,addr=0x3 \
        -device qemu-xhci,id=xhci,addr=0x4,p2=8,p3=8 -device usb-tablet,bus=xhci.0 \
        -drive "file=$STICK,if=none,id=stick,format=raw" -device usb-storage,bus=xhci.0,drive=stick \
        -device usb-kbd,bus=xhci.0,display=video0 \
        -device usb-ccid,bus=xhci.0 -qmp "unix:$1/qmp.sock,server,nowait" \
        -drive "file=$DISK,if=none,id=sd,format=raw" -device virtio-blk-pci,drive=sd,addr=0x5
}

check_bringup() {
    build_domu || { why="the AppVMs' image cannot be built (above)"; return 1; }
    if ! "$here/domu/build.sh" "${DOMU_KVER:-$(_qemu_kver)}" "$LINUX_VM/driver" \
        "$LINUX_VM/domu-driver.cpio" "$bulkhead" driver; then
        why="the driver domains' image cannot be built (above)"
        return 1
    fi
    info "images: domu.cpio $(du -m "$LINUX_VM/domu.cpio" | cut -f1) MB," \
        "domu-driver.cpio $(du -m "$LINUX_VM/domu-driver.cpio" | cut -f1) MB"
    { echo "$MARKER"; head -c 1M /dev/zero; } > "$DISK"
    { echo "$STICK_MARKER"; head -c 1M /dev/zero; } | head -c 1M > "$STICK"
    boot_guest start_with_devices "$(ev service-started name=xenconsoled)" \
        'service xenconsoled started' --xen --busybox \
        --add "$LINUX_VM/vmlinux:/var/lib/bulkhead/vmlinux" \
        --add "$LINUX_VM/domu.cpio:/var/lib/bulkhead/domu.cpio" \
        --add "$LINUX_VM/domu-driver.cpio:/var/lib/bulkhead/domu-driver.cpio" --desktop \
        --add "$here/config/scripts/consoles.sh:/etc/bulkhead/scripts/consoles.sh" \
        --add "$here/config/scripts/waits.sh:/etc/bulkhead/scripts/waits.sh" || return 1
    local name
    for name in sys-net sys-firewall sys-usb sys-storage alpha beta; do
        expect_event domain-created name="$name" "$DOMAIN_TIMEOUT" || return 1
    done
}

# The markers of dom0's script and the domains' (expect_marker): dom0's
# says DRV-TIMEOUT when a step of its own timed out.
MARKER_FAIL='^DRV-TIMEOUT' MARKER_TIMEOUT=$DOMAIN_TIMEOUT
line_of() { serial | grep -E -m1 "$1" || true; }

check_dom0() {
    # The last of dom0's lines about its devices.
    expect_marker '^DRV-DOM0-PCI 0000:00:05.0 ' 'dom0 did not report its devices' || return 1
    local net pci
    net=$(line_of '^DRV-DOM0-NET ')
    pci=$(serial | grep -E '^DRV-DOM0-PCI ' | tr '\n' ' ')
    if [ "$net" != "DRV-DOM0-NET interfaces=lo " ]; then
        why="dom0 has network interfaces: $net"
        return 1
    fi
    if [ "$(grep -o 'driver=pciback' <<<"$pci" | wc -l)" -ne 3 ]; then
        why="passed-through devices in dom0: $pci"
        return 1
    fi
    if ! serial_has "$(ev pci-taken name=sys-usb device=0000:00:04.0 driver=xhci_hcd)" ||
        serial_has "$(ev pci-taken 'device=0000:00:0[35].0')"; then
        why="which devices dom0's drivers had: $(serial | grep -E "$(ev pci-taken)" | tr '\n' ' ')"
        return 1
    fi
    info "dom0: $net; $pci"
}

check_hwcheck() {
    expect_marker '^DRV-HWCHECK status=' 'dom0 did not run bulkhead hwcheck' || return 1
    local hw re missing=''
    # The status, then hwcheck's lines, each between bars.
    hw="$(line_of '^DRV-HWCHECK status=') |$(serial | sed -n 's/^DRV-HWCHECK-OUT //p' | tr '\n' '|')"
    # QEMU's machine as Xen shows it: HVM (TCG emulates AMD-V) without
    # HAP; intel-iommu is Xen's (cap_hvm_directio), without interrupt
    # remapping (intremap=off); the e1000 and the xHCI controller held by
    # pciback for sys-net and sys-usb; dom0's Linux sees no IOMMU groups
    # under Xen.
    for re in '^DRV-HWCHECK status=1 ' '\|cpu: ok: Xen uses VT-x/AMD-V \(physinfo cap_hvm\), HAP \(EPT/NPT\) not ' \
        '\|iommu: ok: ' '\|intremap: missing: ' \
        '\|pci 0000:00:03\.0 net [A-Za-z]+ 8086:100e driver=pciback group=none\|' \
        '\|pci 0000:00:04\.0 usb xHCI 1b36:000d driver=pciback group=none\|' \
        '\|config sys-net: pci = \[ "0000:00:03\.0" \]\|' '\|config sys-usb: pci = \[ "0000:00:04\.0" \]\|' \
        '\|config xen: xen-pciback\.hide=\(0000:00:03\.0\)\(0000:00:04\.0\)\|' \
        '\|verdict: not ready: missing intremap\|'; do
        grep -qE -- "$re" <<<"$hw" || missing+=" $re"
    done
    [ -z "$missing" ] || { why="hwcheck on the test bed lacks$missing: $hw"; return 1; }
    info "hwcheck on the test bed: $(tr '|' '\n' <<<"$hw" | grep -E '^(pci|config|verdict:)' | tr '\n' ';')"
}

check_uplink() {
    expect_marker '^sys-net\| DOMU-UPLINK ' 'sys-net has no uplink' || return 1
    local up
    up=$(line_of '^sys-net\| DOMU-UPLINK ')
    # (dom0's kernel may print into the middle of a domain's relayed line.)
    [[ "$up" =~ driver=e1000($|\[) ]] || { why="sys-net's uplink: $up"; return 1; }
    expect_marker '^sys-firewall\| DOMU-DEVD ' 'no xl devd in sys-firewall' || return 1
    info "uplink: ${up#*| }"
}

# probe NAME LABEL RESULT: NAME's probe LABEL said RESULT (ok or fail).
probe() { expect_marker "^$1\| DOMU-PROBE name=$1 $2 $3" "$1's probe $2 did not say $3"; }

check_chain() {
    probe alpha sysnet ok && probe alpha host ok || return 1
    info "chain: $(line_of '^alpha\| DOMU-PROBE name=alpha sysnet ok' | cut -d' ' -f4-);" \
        "$(line_of '^alpha\| DOMU-PROBE name=alpha host ok' | cut -d' ' -f4-)"
}

check_rules() {
    probe beta blocked ok && probe alpha blocked fail || return 1
    probe beta policy ok && probe alpha policy fail || return 1
    # Until the reload check allows it on purpose.
    if serial | sed '/^DRV-RELOAD-ASK /,$d' | grep -qE '^alpha\| DOMU-PROBE name=alpha (blocked|policy) ok'; then
        why="alpha reached port 8001 or 8002 at some point"
        return 1
    fi
    expect_marker "^sys-firewall\\| DOMU-FW name=sys-firewall $(ev rule address=10.137.0.10 index=1 'reason=deny tcp port 8001')" \
        "sys-firewall does not enforce alpha's rules" || return 1
    info "rules: $(serial | grep -E "^sys-firewall\\| DOMU-FW .*$(ev rule address=10.137.0.10)" | tail -n 5 |
        sed 's/.*event=//' | tr '\n' ';')"
}

check_names() {
    local fw=DOMU-FW
    expect_marker "^sys-net\\| $fw name=sys-net $(ev name-servers servers=10.0.2.3)" \
        "sys-net's firewall did not take QEMU's name server" || return 1
    expect_marker "^sys-firewall\\| $fw name=sys-firewall $(ev name-servers servers=10.139.1.1,10.139.1.2)" \
        "sys-firewall's firewall did not take the asked name servers as its own" || return 1
    probe beta names ok && probe alpha names fail || return 1
    if serial_has 'DOMU-PROBE name=alpha names ok'; then
        why="alpha's names went through its policy deny"
        return 1
    fi
    local got host
    got=$(line_of '^beta\| DOMU-PROBE name=beta names ok' | sed 's/.* ok: //')
    if ! [[ "$got" =~ ^([0-9]+\.[0-9]+\.[0-9]+\.[0-9]+\ )+$ ]]; then
        why="beta's answer for deb.debian.org: $got"
        return 1
    fi
    host=$(getent ahostsv4 deb.debian.org | awk '{ print $1 }' | sort -u | tr '\n' ' ')
    info "names: beta got deb.debian.org = $got(this host's resolver: ${host:-none})"
}

check_isolation() {
    probe alpha self ok && probe beta self ok && probe alpha peer fail && probe beta peer fail ||
        return 1
    if serial_has 'DOMU-PROBE name=(alpha|beta) peer ok'; then
        why="an AppVM reached the other: $(line_of 'DOMU-PROBE name=(alpha|beta) peer ok')"
        return 1
    fi
}

check_usb() {
    expect_marker '^sys-usb\| DOMU-USB name=sys-usb .*Tablet' 'sys-usb sees no tablet' || return 1
    # dom0's list: the tablet as sys-usb's agent told it, nothing of what
    # sys-usb wrote beside it (a name with an escape, a key that is no bus id).
    expect_marker '^DRV-USB-LIST sys-usb:1-1 ' "ctl usb list has no tablet" || return 1
    local listed
    listed=$(serial | sed -n 's/^DRV-USB-LIST //p' | tr -s ' ' | tr '\n' '|')
    # The header, then the tablet, the stick, the keyboard and the serial
    # adapter (alpha's by its config's usb_attach, check_usbauto) in the order
    # of their bus ids (xHCI puts USB 2 and USB 3 devices on buses of their
    # own), nothing else.
    local re
    for re in '^DEVICE ID CLASSES GIVEN-TO NAME\|' '\|sys-usb:1-1 0627:0001 hid - QEMU QEMU USB Tablet\|' \
        '\|sys-usb:[0-9]+-[0-9.]+ 46f4:0001 storage - [^|]+\|' \
        '\|sys-usb:[0-9]+-[0-9.]+ 0627:0001 hid - QEMU QEMU USB Keyboard\|' \
        '\|sys-usb:[0-9]+-[0-9.]+ 08e6:4433 smartcard alpha [^|]+\|'; do
        [[ "$listed" =~ $re ]] || { why="ctl usb list: $listed"; return 1; }
    done
    [ "$(tr -cd '|' <<<"$listed" | wc -c)" = 5 ] || { why="ctl usb list: $listed"; return 1; }
    serial_has "$(ev usb-device-added name=sys-usb busid=1-1 id=0627:0001)" ||
        { why="no event of the tablet's"; return 1; }
    serial_has "domain sys-usb: its USB device key 9-9: the name has a byte that is not printable ASCII; left out" ||
        { why="dom0 did not say it left sys-usb's bad key out"; return 1; }
    info "usb: $(line_of '^sys-usb\| DOMU-USB ' | cut -d' ' -f4-); dom0 lists ${listed#*|}"
}

check_usbauto() {
    expect_marker '^DRV-USB-AUTO-KEPT ' "alpha did not take the smartcard reader its config attaches" || return 1
    local auto dev
    auto=$(line_of '^DRV-USB-AUTO ')
    [[ "$auto" =~ ^DRV-USB-AUTO\ device=(sys-usb:[0-9]+-[0-9.]+)\ given-to=alpha\ there=yes$ ]] ||
        { why="after boot: $auto"; return 1; }
    dev=${BASH_REMATCH[1]}
    # Asked once, by dom0's manager, when both ran; alpha's call went under
    # the policy, as a `ctl usb attach' would.
    in_order "$(ev usb-auto-attach name=sys-usb "busid=${dev#sys-usb:}" to=alpha)" \
        "$(ev rpc-serve source=alpha 'id=[0-9]+' service=bulkhead.USB target=sys-usb)" \
        '^DRV-USB-AUTO ' || return 1
    # The user's detach stands: it is not asked for again.
    [ "$(line_of '^DRV-USB-AUTO-DETACH ')" = "DRV-USB-AUTO-DETACH status=0 " ] ||
        { why="ctl usb detach: $(line_of '^DRV-USB-AUTO-DETACH ')"; return 1; }
    [ "$(line_of '^DRV-USB-AUTO-KEPT ')" = "DRV-USB-AUTO-KEPT given-to=- asked=1" ] ||
        { why="after the detach: $(line_of '^DRV-USB-AUTO-KEPT ')"; return 1; }
    [ "$(serial | grep -cE "$(ev usb-auto-attach)")" = 1 ] ||
        { why="asked more than once: $(serial | grep -E "$(ev usb-auto-attach)" | tr '\n' ' ')"; return 1; }
    info "usbauto: $dev (08e6:4433) taken by alpha by its config; detached by the user, not asked again"
}

# usb_key QCODE: QCODE typed on the USB keyboard on sys-usb's controller
# (bound to the screen's console: sendkey types on dom0's PS/2 one).
usb_key() {
    qemu_input_key "$LINUX_VM" video0 "$1" 2>"$LINUX_VM/wait.err" ||
        { why="QMP's input-send-event: $(head -n 1 "$LINUX_VM/wait.err")"; return 1; }
}

# dom0_key KEY: KEY typed on dom0's own keyboard.
dom0_key() {
    qemu_sendkey "$LINUX_VM" "$1" 2>"$LINUX_VM/wait.err" ||
        { why="sendkey: $(head -n 1 "$LINUX_VM/wait.err")"; return 1; }
}

# beta_key CODE: beta's window got the press of evdev key CODE.
beta_key() { serial_has "^beta\| DEMO beta window 0 KEY $1 1$"; }

check_usbinput() {
    local t0 asked accepted
    expect_event window-new name=beta 'window=[0-9]+' focused=0 "$DOMAIN_TIMEOUT" || return 1
    # sys-usb's agent forwards its keyboard: dom0 asks the user.
    expect_event input-asked domain=sys-usb 'device=[0-9]+' kind=keyboard "$DOMAIN_TIMEOUT" || return 1
    asked=$(serial | grep -E -m1 "$(ev input-asked domain=sys-usb)")
    # (No key answers a question before it is on the screen.)
    expect_event input-shown domain=sys-usb 'device=[0-9]+' kind=keyboard "$STEP_TIMEOUT" || return 1
    # dom0's own keyboard: Super+Tab focuses beta's window (bindings work
    # while the question holds the keyboard).
    dom0_key meta_l-tab || return 1
    expect_event window-focus name=beta 'window=[0-9]+' focused=1 "$STEP_TIMEOUT" || return 1
    # Typed on the USB keyboard before the answer: nowhere, and its Return
    # does not answer the question about itself.
    t0=$(now_ms)
    usb_key a && usb_key ret && sleep 3 || return 1
    if beta_key 30 || beta_key 28 || serial_has "$(ev input-accepted)"; then
        why="sys-usb's keyboard typed before the user accepted it: $(serial | grep -E "^beta\| DEMO beta .*KEY|$(ev input-accepted)" | tr '\n' ' ')"
        return 1
    fi
    screendump "$LINUX_VM/input-ask.png" || return 1
    # dom0's Return accepts it; then it types into the focused window.
    dom0_key ret || return 1
    expect_event input-accepted domain=sys-usb 'device=[0-9]+' kind=keyboard "$STEP_TIMEOUT" || return 1
    usb_key b || return 1
    expect "^beta\| DEMO beta window 0 KEY 48 1$" "$STEP_TIMEOUT" \
        "sys-usb's keyboard, accepted, did not type into beta's window" || return 1
    accepted=$(now_ms)
    screendump "$LINUX_VM/input-typed.png" || return 1
    if beta_key 30 || beta_key 28; then
        why="a key typed before the answer came through after it: $(serial | grep -E '^beta\| DEMO beta .*KEY' | tr '\n' ' ')"
        return 1
    fi
    info "usbinput: ${asked#*event=}; nothing of its 'a' and Return before dom0's Return," \
        "its 'b' in beta's window after ($(fmt_ms $((accepted - t0))) in all; input-ask.png, input-typed.png)"
}

# last_line ERE: the number of the last serial line matching, 0 if none.
last_line() { serial | grep -nE -- "$1" | tail -n 1 | cut -d: -f1 | grep . || echo 0; }

# shown_last: a question about a device is on the screen, the last one
# asked (its input-shown after the last input-asked); waited for.
shown_last() {
    local i
    for ((i = 0; i < STEP_TIMEOUT * 5; i++)); do
        [ "$(last_line "$(ev input-shown)")" -gt "$(last_line "$(ev input-asked)")" ] && return 0
        sleep 0.2
    done
    return 1
}

check_usbhostile() {
    expect_marker '^DRV-HOSTILE ' "sys-usb's hostile forwarder did not run" || return 1
    local dropped
    dropped=$(ev gui-dropped name=sys-usb 'reason=malformed message: INPUT_EVENTS with an event out of its bounds.*')
    expect "$dropped" "$STEP_TIMEOUT" "dom0 did not drop sys-usb's channel for its out-of-range event" || return 1
    serial_has '^sys-usb\| DEMO sys-usb misbehaved input-range$' ||
        { why="sys-usb's gui-demo did not say it misbehaved"; return 1; }
    # sys-usb's agent, started again, announces its keyboard anew: asked
    # again (the third question), refused with dom0's Escape; then the
    # USB keyboard types nothing, and dom0's own keyboard still types into
    # beta, which still has the focus.
    linux_wait_count "$(ev input-asked domain=sys-usb 'device=[0-9]+' kind=keyboard)" 3 "$STEP_TIMEOUT" ||
        { why="sys-usb's agent, started again, did not announce its keyboard in $STEP_TIMEOUT s"; return 1; }
    shown_last || { why="the third question did not come on the screen"; return 1; }
    # (A key sendkey lost on the way is pressed again, as a user would;
    # the compositor's log says each key that came and was no answer.)
    local i
    for i in 1 2 3; do
        dom0_key esc || return 1
        linux_wait "$(ev input-refused domain=sys-usb 'device=[0-9]+' kind=keyboard)" 10 && break
    done
    if ! serial_has "$(ev input-refused domain=sys-usb 'device=[0-9]+' kind=keyboard)"; then
        why="dom0's Escape, pressed 3 times, did not refuse the keyboard asked about again"
        # What the screen shows, and whether dom0's keys reach beta at all.
        screendump "$LINUX_VM/usbhostile.png"
        dom0_key c && sleep 5
        why+=" (usbhostile.png; $(serial | grep -c 'does not answer the question') keys no answer;"
        why+=" dom0's c then $(beta_key 46 && echo reached || echo did not reach) beta)"
        return 1
    fi
    usb_key d && sleep 2 || return 1
    if beta_key 32; then
        why="sys-usb's keyboard typed into beta after the user refused it"
        return 1
    fi
    dom0_key c || return 1
    expect "^beta\| DEMO beta window 0 KEY 46 1$" "$STEP_TIMEOUT" \
        "dom0's own keyboard no longer typed into beta after sys-usb was dropped" || return 1
    expect_marker '^DRV-DOM0-KEY yes' "dom0's script did not see beta's key" || return 1
    info "usbhostile: $(serial | grep -E -m1 "$dropped" | sed 's/.*event=//'); the keyboard announced" \
        "again by the agent refused with dom0's Escape, its 'd' nowhere; dom0's 'c' reached beta"
}

check_usbattach() {
    expect_marker '^DRV-USB-HOME ' 'the stick was not given to alpha and back' || return 1
    local attach dev
    attach=$(line_of '^DRV-USB-ATTACH ')
    dev=$(line_of '^DRV-USB-GIVEN ' | sed 's/.*device=\([^ ]*\).*/\1/')
    [[ "$attach" =~ ^DRV-USB-ATTACH\ status=0\ sys-usb:[0-9]+-[0-9.]+\ attached\ here\ on\ vhci-hcd.s\ port\ [0-9]+ ]] ||
        { why="ctl usb attach: $attach"; return 1; }
    [ "$(line_of '^alpha\| DOMU-USBDISK name=alpha sda: ')" = "alpha| DOMU-USBDISK name=alpha sda: $STICK_MARKER" ] ||
        { why="alpha's stick: $(line_of '^alpha\| DOMU-USBDISK ') (expected $STICK_MARKER)"; return 1; }
    [ "$(line_of '^DRV-USB-GIVEN ')" = "DRV-USB-GIVEN device=$dev given-to=alpha" ] ||
        { why="ctl usb list while alpha has it: $(line_of '^DRV-USB-GIVEN ')"; return 1; }
    [[ "$(line_of '^DRV-USB-AGAIN ')" == "DRV-USB-AGAIN status=1 bulkhead ctl: usb attach: $dev is given to alpha already"* ]] ||
        { why="a second attach: $(line_of '^DRV-USB-AGAIN ')"; return 1; }
    [ "$(line_of '^DRV-USB-DETACH ')" = "DRV-USB-DETACH status=0 " ] ||
        { why="ctl usb detach: $(line_of '^DRV-USB-DETACH ')"; return 1; }
    [[ "$(line_of '^DRV-USB-DETACH-AGAIN ')" == "DRV-USB-DETACH-AGAIN status=1 bulkhead ctl: the domain manager refused: $dev is given to no domain"* ]] ||
        { why="a second detach: $(line_of '^DRV-USB-DETACH-AGAIN ')"; return 1; }
    # sys-usb's drivers had it, let it go while alpha had it, have it again.
    local home="USBDISK name=sys-usb sda: $STICK_MARKER|USBDISK-GONE name=sys-usb|USBDISK name=sys-usb sda: $STICK_MARKER|"
    [ "$(line_of '^DRV-USB-HOME ')" = "DRV-USB-HOME $home" ] ||
        { why="the stick in sys-usb: $(line_of '^DRV-USB-HOME ')"; return 1; }
    # beta's call denied by the policy's rule: nothing changed.
    [[ "$(line_of '^DRV-USB-DENIED ')" =~ ^DRV-USB-DENIED\ status=126\ bulkhead\ usb-import:\ sys-usb\ bulkhead\.USB\+[0-9.-]+:\ denied\ by\ the\ policy\ \(/etc/bulkhead/policy\.d/50-usb\.policy:5\)\|$ ]] ||
        { why="beta's attach: $(line_of '^DRV-USB-DENIED ')"; return 1; }
    [ "$(line_of '^DRV-USB-STILL ')" = "DRV-USB-STILL given-to=-" ] ||
        { why="after beta's attach: $(line_of '^DRV-USB-STILL ')"; return 1; }
    # The call the stick went through, allowed by the policy, ended by dom0.
    in_order '^DRV-USB-AUTO-KEPT ' \
        "$(ev rpc-serve source=alpha 'id=[0-9]+' service=bulkhead.USB target=sys-usb)" \
        '^DRV-USB-ATTACH ' '^alpha\| DOMU-USBDISK name=alpha sda: ' \
        "$(ev usb-detach name=sys-usb "busid=${dev#sys-usb:}" from=alpha)" \
        '^alpha\| DOMU-USBDISK-GONE name=alpha' '^DRV-USB-BACK ' || return 1
    info "usbattach: ${attach#DRV-USB-ATTACH }; alpha read \"$STICK_MARKER\"; detached"
}

check_storage() {
    expect_marker '^alpha\| DOMU-DISK name=alpha xvdb: ' 'alpha has no disk from sys-storage' || return 1
    local got
    got=$(line_of '^alpha\| DOMU-DISK ')
    [ "${got##*: }" = "$MARKER" ] || { why="alpha's xvdb: $got (expected $MARKER)"; return 1; }
}

check_blockattach() {
    expect_marker '^DRV-BLOCK-DETACH-AGAIN ' 'loop0 was not lent to beta and back' || return 1
    local list lent
    list=$(serial | grep -E '^DRV-BLOCK-LIST ' | tr -s ' ' | tr '\n' '|')
    lent=$(line_of '^sys-storage\| DOMU-LEND ' | sed 's/.*loop0: //')
    [ -n "$lent" ] || { why="sys-storage made no loop0: $(line_of '^sys-storage\| DOMU-LEND')"; return 1; }
    [ "$list" = "DRV-BLOCK-LIST DEVICE SIZE RO ATTACHED-TO AS DESCRIPTION|DRV-BLOCK-LIST sys-storage:loop0 1M rw - - /srv/lend.img|DRV-BLOCK-LIST sys-storage:vda 1M rw alpha xvdb disk|DRV-BLOCK-LIST sys-usb:sda 1M rw - - QEMU HARDDISK|" ] ||
        { why="ctl block list: $list"; return 1; }
    [ "$(line_of '^DRV-BLOCK-ATTACH ')" = "DRV-BLOCK-ATTACH status=0 sys-storage:loop0 attached to beta as xvdi (read-only)|" ] ||
        { why="ctl block attach: $(line_of '^DRV-BLOCK-ATTACH ')"; return 1; }
    [ "$(line_of '^beta\| DOMU-BLOCKDISK name=beta ')" = "beta| DOMU-BLOCKDISK name=beta xvdi: $lent ro=1 written=no" ] ||
        { why="beta's xvdi: $(line_of '^beta\| DOMU-BLOCKDISK ') (expected $lent, read-only)"; return 1; }
    [ "$(line_of '^DRV-BLOCK-HELD ')" = "DRV-BLOCK-HELD sys-storage:loop0 1M rw beta xvdi /srv/lend.img" ] ||
        { why="ctl block list while beta has it: $(line_of '^DRV-BLOCK-HELD ')"; return 1; }
    [ "$(line_of '^DRV-BLOCK-AGAIN ')" = "DRV-BLOCK-AGAIN status=1 bulkhead ctl: the domain manager refused: sys-storage:loop0 is attached to beta already, as xvdi (\`bulkhead ctl block detach' takes it back)|" ] ||
        { why="a second attach: $(line_of '^DRV-BLOCK-AGAIN ')"; return 1; }
    [ "$(line_of '^DRV-BLOCK-CONFIG ')" = "DRV-BLOCK-CONFIG status=1 bulkhead ctl: the domain manager refused: sys-storage:vda is alpha's xvdb by its config (disk =): it goes when alpha stops|" ] ||
        { why="a detach of alpha's disk: $(line_of '^DRV-BLOCK-CONFIG ')"; return 1; }
    [ "$(line_of '^DRV-BLOCK-DETACH ')" = "DRV-BLOCK-DETACH status=0 " ] ||
        { why="ctl block detach: $(line_of '^DRV-BLOCK-DETACH ')"; return 1; }
    [ "$(line_of '^DRV-BLOCK-FREE ')" = "DRV-BLOCK-FREE sys-storage:loop0 1M rw - - /srv/lend.img" ] ||
        { why="ctl block list after the detach: $(line_of '^DRV-BLOCK-FREE ')"; return 1; }
    [ "$(line_of '^DRV-BLOCK-DETACH-AGAIN ')" = "DRV-BLOCK-DETACH-AGAIN status=1 bulkhead ctl: the domain manager refused: sys-storage:loop0 is attached to no domain (\`bulkhead ctl block list' says which are)|" ] ||
        { why="a second detach: $(line_of '^DRV-BLOCK-DETACH-AGAIN ')"; return 1; }
    in_order "$(ev block-attached device=sys-storage:loop0 holder=beta vdev=xvdi ro=1)" \
        '^beta\| DOMU-BLOCKDISK name=beta xvdi: ' \
        "$(ev block-detached device=sys-storage:loop0 holder=beta vdev=xvdi)" \
        '^beta\| DOMU-BLOCKDISK-GONE name=beta xvdi' '^DRV-BLOCK-FREE ' || return 1
    local dom0
    dom0=$(serial | grep -E '^beta\| DOMU-BLOCKDISK name=beta xvdi: ' | sed -n 2p)
    [ "$(line_of '^DRV-BLOCK-DOM0 ')" = "DRV-BLOCK-DOM0 status=0 dom0:lend.img attached to beta as xvdi|" ] ||
        { why="the attach of dom0's file: $(line_of '^DRV-BLOCK-DOM0 ')"; return 1; }
    [[ "$dom0" =~ ^beta\|\ DOMU-BLOCKDISK\ name=beta\ xvdi:\ dom0-lends-[0-9.]+\ ro=0\ written=yes$ ]] ||
        { why="beta's xvdi from dom0: $dom0"; return 1; }
    [ "$(line_of '^DRV-BLOCK-DOM0-HELD ')" = "DRV-BLOCK-DOM0-HELD dom0:lend.img 1M rw beta xvdi a file of dom0's pool loops=1" ] ||
        { why="ctl block list while beta has dom0's file: $(line_of '^DRV-BLOCK-DOM0-HELD ')"; return 1; }
    [ "$(line_of '^DRV-BLOCK-DOM0-DETACH ')" = "DRV-BLOCK-DOM0-DETACH status=0 " ] ||
        { why="the detach of dom0's file: $(line_of '^DRV-BLOCK-DOM0-DETACH ')"; return 1; }
    [ "$(line_of '^DRV-BLOCK-DOM0-FREE ')" = "DRV-BLOCK-DOM0-FREE dom0:lend.img 1M rw - - a file of dom0's pool loops=0" ] ||
        { why="after the detach of dom0's file: $(line_of '^DRV-BLOCK-DOM0-FREE ')"; return 1; }
    dom0=${dom0##*xvdi: }
    info "blockattach: beta read \"$lent\" from sys-storage's loop0 (read-only), detached;" \
        "and \"${dom0%% ro=*}\" from dom0's pool, writable, detached, its loop device gone"
}

check_reload() {
    expect_marker '^DRV-RELOAD-BACK ' 'the reload steps did not finish' || return 1
    local said ask done bad
    said=$(line_of '^DRV-RELOAD ')
    if [[ "$said" != *"domain alpha: firewall changed: given to sys-firewall now|"* ]] ||
        [[ "$said" != *"domain beta: memory, maxmem changed: applies at its next start (it runs)|"* ]] ||
        [[ "$said" != *"domain gamma is new: started now (autostart)|"* ]]; then
        why="ctl reload said: $said"
        return 1
    fi
    # The new rule is in the table sys-firewall loaded once the manager
    # published it, and alpha's probe went through after that load (the
    # firewall says each rule after the load: the probe may come first).
    local fw="^sys-firewall\\| DOMU-FW name=sys-firewall"
    in_order '^DRV-RELOAD-ASK ' "$(ev firewall-published name=alpha netvm=sys-firewall)" \
        "$fw $(ev rule address=10.137.0.10 index=1 'reason=allow tcp to 10.0.2.15 port 8001')" \
        '^DRV-RELOADED ' &&
        in_order '^DRV-RELOAD-ASK ' "$(ev firewall-published name=alpha netvm=sys-firewall)" \
            "$fw $(ev table-loaded)" '^alpha\| DOMU-PROBE name=alpha blocked ok' \
            '^DRV-RELOADED ' || return 1
    ask=$(line_of '^DRV-RELOAD-ASK ') done=$(line_of '^DRV-RELOADED ')
    if [ "${ask#* } gamma=running beta-config=changed" != "${done#* }" ]; then
        why="domains restarted by the reload: before $ask, after $done"
        return 1
    fi
    bad=$(line_of '^DRV-RELOAD-BAD ')
    if ! [[ "$bad" =~ domains/alpha\.cfg:[0-9]+:\ item\ 4\ of\ .firewall.: ]] ||
        [[ "$bad" != *"changed nothing"* ]]; then
        why="the reload with a bad rule: $bad"
        return 1
    fi
    if [ "$(line_of '^DRV-RELOAD-BETA ')" != "DRV-RELOAD-BETA policy=allow" ]; then
        why="beta's policy after a reload that had a problem: $(line_of '^DRV-RELOAD-BETA ')"
        return 1
    fi
    # The files as they were: alpha's rule tightened live, beta's file as
    # it runs again, gamma's gone.
    local back
    back=$(line_of '^DRV-RELOAD-BACK ')
    if [[ "$back" != *"domain alpha: firewall changed: given to sys-firewall now|"* ]] ||
        [[ "$back" != *"domain gamma is no longer configured: asked to shut down, and forgotten once it stops|"* ]] ||
        [[ "$back" != *"| gamma=removed" ]] || [[ "$back" == *beta* ]]; then
        why="the reload back: $back"
        return 1
    fi
    expect_marker '^DRV-RELOAD-GONE ' 'alpha was not blocked again, or gamma not forgotten' ||
        return 1
    # (sys-firewall's console and alpha's are copied apart: the rule's line
    # and alpha's probe come in either order.)
    in_order '^DRV-RELOAD-TIGHTEN ' "$(ev firewall-published name=alpha netvm=sys-firewall)" \
        "$fw $(ev rule address=10.137.0.10 index=1 'reason=deny tcp port 8001')" \
        '^DRV-RELOAD-GONE ' &&
        in_order '^DRV-RELOAD-TIGHTEN ' '^alpha\| DOMU-PROBE name=alpha blocked fail' \
            '^DRV-RELOAD-GONE ' || return 1
    local gone tighten
    gone=$(line_of '^DRV-RELOAD-GONE ') tighten=$(line_of '^DRV-RELOAD-TIGHTEN ')
    [ "$gone" = "DRV-RELOAD-GONE gamma= beta-config=current ${tighten#* }" ] ||
        { why="after gamma stopped ($tighten before): $gone"; return 1; }
    # gamma's own line comes through its console, relayed on its own path:
    # it may reach the serial log after dom0 saw the domain die.
    in_order "$(ev domain-stopping name=gamma)" "^gamma\\| DOMU-POWEROFF name=gamma" &&
        in_order "$(ev domain-stopping name=gamma)" \
            "$(ev domain-died name=gamma 'domid=[0-9]+' how=poweroff)" || return 1
    info "reload: ${said#DRV-RELOAD }; refused: $(sed 's/.*|bulkhead ctl: //' <<<"$bad");" \
        "tightened back: ${back#DRV-RELOAD-BACK }"
}

check_republish() {
    expect_marker '^DRV-REPUBLISHED ' 'alpha did not reach port 8001 again after the manager restarted' ||
        return 1
    in_order '^DRV-DM-KILL ' "$(ev service-restart name=domains status=signal:KILL)" \
        "$(ev domain-adopted name=alpha state=running)" \
        "$(ev firewall-published name=alpha netvm=sys-firewall)" \
        '^alpha\| DOMU-PROBE name=alpha blocked ok' '^DRV-REPUBLISHED ' || return 1
    local kill done
    kill=$(line_of '^DRV-DM-KILL ') done=$(line_of '^DRV-REPUBLISHED ')
    if [ "${kill#* * }" != "${done#* }" ]; then
        why="domains restarted with the manager: before $kill, after $done"
        return 1
    fi
    info "republish: $done, alpha reaches port 8001 again"
}

check_netcrash() {
    # (DRV-AGAIN, not DRV-DONE: the dom0 script's last steps wait for
    # usbhostile's keys, which come after this check.)
    expect_marker '^DRV-AGAIN ' 'the network did not come back after sys-net crashed' || return 1
    local ups
    ups=$(serial | grep -cE '^(alpha|beta)\| DOMU-UP ' || true)
    [ "$ups" -eq 2 ] || { why="alpha and beta booted $ups times in all"; return 1; }
    serial_has "$(ev vif-attached name=sys-firewall vif=0 netvm=sys-net again=1)" ||
        { why="sys-firewall's vif was not attached again"; return 1; }
    info "netcrash: $(line_of '^DRV-CRASH'); $(line_of 'domain sys-net created .* after its death' |
        sed 's/.*domains: //'); alpha reached sys-net and the host again" \
        "$(line_of '^DRV-AGAIN ' | sed 's/.*after=//') after the crash"
}

check_usbdeath() {
    expect_marker '^DRV-USB-DEATH ' 'the stick was not given back when alpha died' || return 1
    [[ "$(line_of '^DRV-USB-REATTACH ')" == "DRV-USB-REATTACH status=0 sys-usb:"*" attached here "* ]] ||
        { why="the second attach: $(line_of '^DRV-USB-REATTACH ')"; return 1; }
    # asked=1: the manager started again (republish) took the earlier
    # one's request for alpha's smartcard reader, which the user had
    # taken back (check_usbauto), and did not ask for it again.
    [ "$(line_of '^DRV-USB-DEATH ')" = "DRV-USB-DEATH given-to=- alpha=stopped asked=1" ] ||
        { why="after alpha was killed: $(line_of '^DRV-USB-DEATH ')"; return 1; }
    [ "$(serial | grep -cE "$(ev usb-auto-attach)")" = 1 ] ||
        { why="asked again: $(serial | grep -E "$(ev usb-auto-attach)" | tr '\n' ' ')"; return 1; }
    info "usbdeath: alpha killed while it had the stick: sys-usb's drivers have it again"
}

check_blockdeath() {
    expect_marker '^DRV-BLOCK-LENDER-DEATH ' 'loop0 was not given back when its holder and its lender died' || return 1
    [ "$(line_of '^DRV-BLOCK-ALPHA ')" = "DRV-BLOCK-ALPHA status=0 sys-storage:loop0 attached to alpha as xvdi|" ] ||
        { why="the attach to alpha: $(line_of '^DRV-BLOCK-ALPHA ')"; return 1; }
    [[ "$(line_of '^alpha\| DOMU-BLOCKDISK name=alpha ')" == *" ro=0 written=yes" ]] ||
        { why="alpha's writable xvdi: $(line_of '^alpha\| DOMU-BLOCKDISK ')"; return 1; }
    [ "$(line_of '^DRV-BLOCK-HOLDER-DEATH ')" = "DRV-BLOCK-HOLDER-DEATH sys-storage:loop0 1M rw - - /srv/lend.img" ] ||
        { why="after alpha was killed: $(line_of '^DRV-BLOCK-HOLDER-DEATH ')"; return 1; }
    [ "$(line_of '^DRV-BLOCK-BETA ')" = "DRV-BLOCK-BETA status=0 sys-storage:loop0 attached to beta as xvdi|" ] ||
        { why="the attach to beta: $(line_of '^DRV-BLOCK-BETA ')"; return 1; }
    [[ "$(line_of '^DRV-BLOCK-LENDER-DEATH ')" == "DRV-BLOCK-LENDER-DEATH sys-storage="*" beta=running" ]] ||
        { why="after sys-storage was killed: $(line_of '^DRV-BLOCK-LENDER-DEATH ')"; return 1; }
    in_order '^DRV-BLOCK-BETA ' "$(ev block-lender-died holder=beta vdev=xvdi lender=sys-storage)" \
        '^DRV-BLOCK-LENDER-DEATH ' || return 1
    info "blockdeath: loop0 free again when alpha died; taken from beta when sys-storage died"
}

xen_run_attempts "${CHECKS[@]}"
info "timing: whole run $(fmt_ms $(($(now_ms) - run_start)))"
info "artifacts in $LINUX_VM (serial.log)"
finish_suite
