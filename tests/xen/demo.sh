#!/usr/bin/env bash
# `make demo': bulkhead as dom0's user space on Xen 4.17 under QEMU (TCG),
# as a user sees it.  Boots tests/xen/demo/config: the domain manager
# creates sys-net (a net driver domain), sys-firewall behind it (each
# AppVM's rules in nftables), the AppVMs alpha (blue, behind sys-firewall)
# and beta (green), both of the template debian; dom0's compositor draws
# alpha's agent's terminal and beta's foot (a real Wayland program,
# through beta's agent) on bochs-drm, each framed in its domain's label
# colour.  Then, with QEMU's keyboard: Super+Tab gives the focus to a
# terminal, a command typed there runs in that domain only; Super+Tab to
# the other, another command; with QEMU's mouse, a line selected in alpha's
# terminal is copied (Ctrl+Shift+C) and pasted into beta's foot
# (Ctrl+Shift+V, Shift+Insert), where it runs; Super+Return and "beta foot"
# start a second foot in beta, which takes the focus; there a call to
# alpha's service test.Upper and a copy of files into alpha, under the
# demo's policy.d; Super+Return and "@dispvm" start a disposable of dvm
# (red) whose foot takes the focus, a command typed there runs in it, and
# Super+Shift+Q ends it: the disposable is destroyed.  sys-usb (a USB
# driver domain) has QEMU's xHCI controller, passed through with Xen's
# IOMMU, and on it a smartcard reader that alpha's config attaches
# (usb_attach): alpha's terminal lists it.  Last, dom0's menu
# (Super+Escape): "Power off dom0", asked again on dom0's screen, Y: PID 1
# shuts the domains down in order and Xen powers the machine off (QEMU
# exits).
# With RUN=1 (`make run'): the same boot, then the desktop is the user's,
# in a QEMU window (QEMU_DISPLAY=gtk, with $DISPLAY) or over VNC
# (QEMU_DISPLAY=vnc=127.0.0.1:0, the default: localhost:5900), until QEMU
# ends.
# usage: tests/xen/demo.sh BULKHEAD   (as root)
# Leaves build/demo/: serial.log, desktop.png (the terminals as they
# came), screen.png (after the typing; alpha's terminal lists the USB
# devices it has: sys-usb's smartcard reader), clipboard.png (alpha's selection
# copied, the bar saying so), pasted.png (run in beta), launched.png
# (beta's second foot), calls.png (the call's output in it), disposable.png
# (the disposable's foot, typed into), menu.png (dom0's menu asking
# before it powers off).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/linux/common.sh
. "$here/../linux/common.sh"
# shellcheck source=tests/xen/lib.sh
. "$here/lib.sh"
suite_start demo "$@"
LINUX_CONFIG=$here/demo/config
SUITE=demo
DOMU_TERMINAL=1
DOMAIN_TIMEOUT=${DOMAIN_TIMEOUT:-240}
# A brisk typist: ten keys a second.
QEMU_TYPE_GAP=0.1

die() {
    echo "demo: FAILED: $*"
    serial_tail
    echo "demo: logs in $LINUX_VM"
    exit 1
}

# shot NAME: build/demo/NAME.png, and what is on it.
shot() {
    screendump "$LINUX_VM/$1.png" || die "$why"
    info "$1.png: $(python3 "$LINUX_ROOT/tests/qemu/png.py" count "$LINUX_VM/$1.png" 3465a4 73d216 |
        awk '{ print "alpha'"'"'s frame " $1 " px, beta'"'"'s " $2 " px" }')"
}

keys() { qemu_sendkey "$LINUX_VM" "$1" || die "sendkey $1 failed"; sleep 0.5; }
# sys-usb's controller: QEMU's xHCI, held by xen-pciback from dom0's boot
# and passed through with Xen's IOMMU (QEMU's intel-iommu), a smartcard
# reader on it.
start_with_usb() {
    XEN_APPEND="iommu=verbose,no-intremap" qemu_start_xen "$1" "$2" "xen-pciback.hide=(0000:00:04.0)" \
        -device intel-iommu,intremap=off \
        -device qemu-xhci,id=xhci,addr=0x4 -device usb-ccid,bus=xhci.0
}

# Each step's line says when, from the demo's start.
info() { local t=$(($(now_ms) - run_start)); printf '%s: [%d:%02d] %s\n' "$SUITE" $((t / 60000)) $((t / 1000 % 60)) "$*"; }
type_in() { qemu_type "$LINUX_VM" "$1" || die "typing \"$1\" failed"; }

info "building the domains' images and dom0's initramfs (log: $LINUX_VM/images.log)"
# The two images at once: each is mostly one process's work.
"$here/domu/build.sh" "$(_qemu_kver)" "$LINUX_VM/driver" "$LINUX_VM/domu-driver.cpio" \
    "$bulkhead" driver >"$LINUX_VM/images-driver.log" 2>&1 &
driver_pid=$!
build_domu >"$LINUX_VM/images.log" 2>&1 || die "the domains' image cannot be built"
wait "$driver_pid" || die "sys-net's image cannot be built (see $LINUX_VM/images-driver.log)"
if [ -n "${RUN:-}" ]; then
    # VNC on the loopback only: the desktop is not the network's.
    export QEMU_DISPLAY=${QEMU_DISPLAY:-vnc=127.0.0.1:0}
fi
info "booting Xen, dom0 and the domains under QEMU (serial log: $LINUX_VM/serial.log)"
boot_guest start_with_usb "$(ev service-started name=xenconsoled)" \
    'service xenconsoled started' --xen --desktop \
    --add "$LINUX_VM/vmlinux:/var/lib/bulkhead/vmlinux" \
    --add "$LINUX_VM/domu.cpio:/var/lib/bulkhead/domu.cpio" \
    --add "$LINUX_VM/domu-driver.cpio:/var/lib/bulkhead/domu-driver.cpio" \
    --add "$here/config/scripts/consoles.sh:/etc/bulkhead/scripts/consoles.sh" || die "$why"
info "Xen and dom0 up: $(fmt_ms $((t_boot - t_qemu))) from QEMU's start to xenconsoled"

for d in alpha beta; do
    expect_event gui-up name="$d" transport=vchan "$DOMAIN_TIMEOUT" &&
        expect "^$d\\| $(ev dom0-connected)" "$STEP_TIMEOUT" ||
        die "$d's terminal never reached the desktop: $why"
done
info "the desktop is up with alpha's and beta's windows: $(fmt_ms $(($(now_ms) - t_qemu))) from QEMU's start"
# The smartcard reader on sys-usb: alpha's by its config, under the
# demo's policy (its call of sys-usb's bulkhead.USB).
auto=$(ev usb-auto-attach name=sys-usb 'busid=[0-9.-]+' to=alpha)
expect_event usb-auto-attach name=sys-usb 'busid=[0-9.-]+' to=alpha "$DOMAIN_TIMEOUT" &&
    expect_event rpc-connected source=alpha "$DOMAIN_TIMEOUT" ||
    die "alpha did not take sys-usb's smartcard reader (its usb_attach): $why"
info "USB: $(serial | grep -m1 -oE "$auto"), its call of sys-usb's bulkhead.USB connected"
if [ -n "${RUN:-}" ]; then
    case $QEMU_DISPLAY in
        vnc=*) where="over VNC at localhost:$((5900 + ${QEMU_DISPLAY##*:})) (vncviewer localhost:${QEMU_DISPLAY##*:})" ;;
        *) where="in QEMU's $QEMU_DISPLAY window" ;;
    esac
    info "the desktop is yours $where until QEMU ends (Ctrl+C here stops it)"
    info "keys: Super+Return the launcher (\"alpha\", \"beta foot\", \"@dispvm\"), Super+Tab the focus, Ctrl+Shift+C/V the clipboard, Super+Shift+Q close, Super+Escape dom0's menu (start, stop, kill; power off), Super+L lock (passphrase \"bulkhead\")"
    while _qemu_running "$LINUX_VM"; do sleep 1; done
    info "QEMU ended; serial log: $LINUX_VM/serial.log"
    exit 0
fi
# Their shells' prompts, drawn at emulation speed.
sleep 2
shot desktop

# No window takes the keyboard by itself: the user gives it.
keys meta_l-tab
type_in $'echo first >/tmp/typed; cat /sys/bus/usb/devices/*-*/product 2>/dev/null\n'
keys meta_l-tab
type_in $'uname -sr; ls /; cat /sys/bus/usb/devices/*-*/product 2>/dev/null\n'
linux_wait 'DOMU-TYPED name=[a-z]+ /tmp/typed: first' "$STEP_TIMEOUT" ||
    die "the command typed into the focused terminal did not run"
info "$(serial | grep -m1 -o 'DOMU-TYPED name=[a-z]* /tmp/typed: .*'): it ran in that domain only"
sleep 2
shot screen

# dom0's clipboard: a command line typed in alpha's terminal, selected
# with the mouse, Ctrl+Shift+C; beta clicked, Ctrl+Shift+V, foot's own
# Shift+Insert and Return: it runs in beta.
clipboard_alpha_to_beta 'echo pasted >/tmp/typedclip' "$LINUX_VM/clipboard.png" ||
    die "the clipboard: $why"
linux_wait 'DOMU-TYPED name=beta /tmp/typedclip: pasted' "$STEP_TIMEOUT" ||
    die "the command pasted into beta did not run there"
info "clipboard: alpha's selection pasted into beta, run by foot's shell: $(serial | grep -m1 -o 'DOMU-TYPED name=beta /tmp/typedclip: .*')"
sleep 1
shot pasted

# The launcher: Super+Return, a domain and a program, Return: the
# program runs in that domain, its window through the domain's agent.
started=$(ev window-new name=beta)
windows=$(serial | grep -cE "$started")
keys meta_l-ret
type_in $'beta foot\n'
linux_wait_count "$started" $((windows + 1)) \
    "$STEP_TIMEOUT" || die "the launcher's foot did not open in beta"
sleep 2
type_in $'echo launched\n'
sleep 2
shot launched

# A call between domains, typed into beta's new foot: alpha's service
# test.Upper, allowed by the demo's policy.d, its output back in beta's
# terminal; then files copied into alpha's ~/Incoming/beta.
type_in $'echo hi | bulkhead rpc-call alpha test.Upper\n'
linux_wait "$(ev rpc-done source=beta)" "$STEP_TIMEOUT" ||
    die "beta's call to alpha did not end"
type_in $'bulkhead copy-to alpha /etc/bulkhead/rpc\n'
linux_wait_count "$(ev rpc-done source=beta)" 2 "$STEP_TIMEOUT" ||
    die "beta's copy to alpha did not end"
sleep 1
shot calls
info "calls: beta called alpha's test.Upper and copied /etc/bulkhead/rpc into alpha's ~/Incoming/beta ($(serial | grep -cE "$(ev rpc-connected source=beta)") calls connected over vchans between the two)"

# A disposable: Super+Return, "@dispvm", Return: the domain manager makes
# dispN of dvm (storage.cfg's default_dispvm, its root a snapshot of
# debian's) and runs foot there; its window takes the focus when it comes.
info "launcher: @dispvm (a disposable boots)"
keys meta_l-ret
type_in $'@dispvm\n'
expect_event gui-up 'name=disp[0-9]+' transport=vchan "$DOMAIN_TIMEOUT" ||
    die "no disposable reached the desktop: $why"
disp=$(serial | grep -m1 -oE "$(ev gui-up 'name=disp[0-9]+')" | grep -oE 'name=disp[0-9]+' | cut -d= -f2)
expect_event window-new name="$disp" "$STEP_TIMEOUT" || die "$disp's foot made no window: $why"
sleep 2
type_in $'echo disposable >/tmp/typeddisp\n'
linux_wait "DOMU-TYPED name=$disp /tmp/typeddisp: disposable" "$STEP_TIMEOUT" ||
    die "the command typed into the disposable's foot did not run there"
sleep 1
shot disposable
info "disposable: $disp ran foot, the command typed there ran in it"
# Its foot closed by the user: the disposable is destroyed.
keys meta_l-shift-q
expect_event disposable-gone name="$disp" "$STEP_TIMEOUT" ||
    die "$disp was not destroyed after its foot was closed: $why"
info "disposable: $disp destroyed once its foot was closed"

# dom0's menu: Super+Escape, Up (from the first row: the last, "Power off
# dom0"), Return: asked again on dom0's screen; Y: PID 1 shuts the domains
# down in order, then Xen enters ACPI S5 and QEMU exits.
keys meta_l-esc
keys up
keys ret
sleep 2
shot menu
t_ask=$(now_ms)
keys y
linux_wait_exit "$DOMAIN_TIMEOUT" || die "QEMU did not exit after the menu's power off"
serial_has "$(ev shutdown-requested action=poweroff)" ||
    die "PID 1 was not asked to power off by the menu"
info "menu: \"Power off dom0\" asked again, Y: the domains shut down and Xen powered off in $(fmt_ms $(($(now_ms) - t_ask)))"
echo "=== what the domain manager and the compositor said ==="
serial | grep -E 'bulkhead: (domains|compositor): ' | grep -vE 'event=|frame rate' |
    sed 's/^/    /' | head -n 40
info "timing: whole demo $(fmt_ms $(($(now_ms) - run_start)))"
info "serial log: $LINUX_VM/serial.log"
info "screendumps: $LINUX_VM/desktop.png, $LINUX_VM/screen.png, $LINUX_VM/clipboard.png, $LINUX_VM/pasted.png, $LINUX_VM/launched.png, $LINUX_VM/calls.png, $LINUX_VM/disposable.png, $LINUX_VM/menu.png"
