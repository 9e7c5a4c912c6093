#!/usr/bin/env bash
# Boots bulkhead as PID 1 of a Linux guest under QEMU (TCG) and runs named
# checks against what the guest prints on its serial console:
#   boot        bulkhead is PID 1, boot done, modules loaded, devices there
#   hardening   PID 1 set the kernel's protected links, FIFOs and files,
#               dmesg and kernel pointer restrictions (read back in the
#               guest), and /run and /dev/shm are tmpfs of a bounded size
#   restart     a SIGKILLed service is restarted by the supervisor
#   screendump  bochs + fbcon show something on the screen
#   shutdown    ctrl-alt-delete stops services in reverse dependency order,
#               unmounts, reboots, and QEMU exits by itself
#   no-panic    the kernel never panicked
#   emergency   a second boot with a broken bulkhead.cfg: the error is
#               reported as file:line, the emergency shell starts on the
#               console, the services still run, ctrl-alt-delete still
#               shuts down in order
#   desktop     a third boot (tests/linux/desktop-config): the compositor
#               on bochs-drm, two demo clients as red-vm and blue-vm;
#               neither window takes the focus as it comes (a key then
#               reaches no one), Super+Tab gives it; keys sent with sendkey
#               reach the focused one only, Super+Tab moves focus and
#               reaches no one, the screendump shows both
#               frames in their label colours and the status bar
#   heads       a boot of the desktop on virtio-gpu with two outputs, shown
#               through QEMU's D-Bus display (a private bus), only the
#               first enabled: one head; the second plugged in at run time
#               (the display's SetUIInfo, as a monitor plugged in): a second
#               head to the right, with its own bar and workspace; the
#               focused window sent there (Super+Shift+2) is drawn on it
#               (that head's screendump) and no longer on the first; the
#               monitor unplugged: one head again, and Super+2 shows the
#               window on the first
#   luks        a fourth boot (tests/linux/luks-config) with two LUKS2 disks
#               made for the run (root: tests/linux/luks-root, and data):
#               the passphrase screen comes up (screendump), a wrong
#               passphrase is refused and the right one, typed once on the
#               German layout, opens both; bulkhead mounts the root and
#               switches to it, the real root's bulkhead and service see
#               this run's markers; unlock's memory was locked in RAM
#               (mlockall: VmLck over 1 MiB); at poweroff the data volume
#               is closed, QEMU exits, and the passphrase is nowhere in the
#               log
#   keyfile     a fifth boot: the root opened with a key file in the
#               initramfs (key slot 1), nothing asked, the same switch; a
#               disk without a LUKS header and a device that never comes
#               (both nofail) are said so and left
# usage: tests/linux/run.sh BULKHEAD   (as root: the image has device nodes)
# Leaves build/linux/ (serial.log, boot.png, initrd) and build/results/linux.
set -euo pipefail

# shellcheck source=tests/linux/common.sh
. "$(dirname "$0")/common.sh"
suite_start linux "$@"
# The checks from emergency on boot machines of their own; all are stopped
# at exit.
EMERGENCY_VM=$LINUX_ROOT/build/linux-emergency
DESKTOP_VM=$LINUX_ROOT/build/linux-desktop
HEADS_VM=$LINUX_ROOT/build/linux-heads
LUKS_VM=$LINUX_ROOT/build/linux-luks-boot
KEYFILE_VM=$LINUX_ROOT/build/linux-keyfile
# The disk images (and their trees, passphrase and key) of luks and keyfile.
LUKS_DISKS=$LINUX_ROOT/build/linux-luks
rm -rf "$EMERGENCY_VM" "$DESKTOP_VM" "$HEADS_VM" "$LUKS_VM" "$KEYFILE_VM" "$LUKS_DISKS"
# heads' D-Bus daemon, for QEMU's display: its pid once started.
heads_bus_pid=
trap 'qemu_stop "$LINUX_VM"; qemu_stop "$EMERGENCY_VM"; qemu_stop "$DESKTOP_VM"; qemu_stop "$HEADS_VM"; qemu_stop "$LUKS_VM"; qemu_stop "$KEYFILE_VM"; [ -z "$heads_bus_pid" ] || kill "$heads_bus_pid" 2>/dev/null' EXIT

SUITE=linux
CHECKS=(boot hardening restart screendump shutdown no-panic emergency desktop heads luks keyfile)
# emergency, desktop, heads, luks and keyfile boot machines of their own.
CHECKS_WITHOUT_VM='no-panic emergency desktop heads luks keyfile'
t_qemu=0 t_boot=0

# --- checks: each returns 1 with $why set, and may set $fatal ---

check_boot() {
    local nsvc
    boot_guest qemu_start_linux "$(ev boot-done)" 'boot done' || return 1
    if ! serial_has "$(ev pid1-starting 'version=[0-9.]+' container=0)"; then
        why='no "bulkhead ... starting as PID 1" line'
        return 1
    fi
    # Every service file must have survived the config check.
    nsvc=$(config_services | wc -l)
    if ! serial_has "$(ev boot-done services="$nsvc")"; then
        why="boot done, but not with the $nsvc services of $LINUX_CONFIG"
        return 1
    fi
    # Errors are for people: any at all is a failure, whatever it says.
    local problems
    problems="bulkhead: (config: |init: .*problems in the configuration|init: some kernel modules|modules: (module|cannot)|implib: event=library-on-demand)|$(ev boot-failed)"
    if serial_has "$problems"; then
        why="bulkhead reported problems: $(serial | grep -E "$problems" | tr '\n' ' ' | cut -c 1-300)"
        return 1
    fi
    # Not on Xen: bulkhead must say so and carry on without domains.
    if ! serial_has "$(ev not-xen)"; then
        why='no "not running on Xen" line on a plain Linux boot'
        return 1
    fi
    # devcheck runs inside the guest: PID 1's identity, modules, devices.
    expect '^DEVCHECK-(OK|FAIL)' "$STEP_TIMEOUT" 'devcheck service printed nothing' || return 1
    if ! serial_has '^DEVCHECK-OK '; then
        why="devcheck: $(serial | grep -E '^DEVCHECK-FAIL')"
        return 1
    fi
    if ! serial_has '^DEVCHECK: pid1-exe=/bin/bulkhead '; then
        why="PID 1 is not /bin/bulkhead: $(serial | grep -E '^DEVCHECK: ')"
        return 1
    fi
    info "boot: $(serial | grep -E '^DEVCHECK' | paste -sd ' ')"
}

check_hardening() {
    if ! serial_has "^DEVCHECK-SYSCTL $HARDENING_SYSCTL\$"; then
        why="the kernel's settings in the guest: $(serial | grep -E '^DEVCHECK-SYSCTL' || echo 'no DEVCHECK-SYSCTL line'), not $HARDENING_SYSCTL"
        return 1
    fi
    if ! serial_has "$(ev hardening not_set=0)"; then
        why="$(serial | grep -E -m1 'kernel hardening: not set' || echo 'no hardening event')"
        return 1
    fi
    if ! serial_has '^DEVCHECK-TMPFS .*/run:[^ ]*size=65536k' ||
        ! serial_has '^DEVCHECK-TMPFS .*/dev/shm:[^ ]*size=32768k'; then
        why="/run or /dev/shm is not a tmpfs of 64 or 32 MiB: $(serial | grep -E '^DEVCHECK-TMPFS' || echo 'no DEVCHECK-TMPFS line')"
        return 1
    fi
    info "hardening: $(serial | sed -n 's/^DEVCHECK-SYSCTL //p'); $(serial | sed -n 's/^DEVCHECK-TMPFS //p')"
}

# guest_ms ERE [AFTER]: guest timestamp "[   12.345]" of the first line
# after line AFTER (default 0) matching ERE, in ms. A line without one (a
# service's own output) takes the next timestamped line's.
guest_ms() {
    serial | awk -v re="$1" -v after="${2:-0}" '
        NR > after && !hit && $0 ~ re { hit = 1 }
        hit && match($0, /^\[ *[0-9]+\.[0-9]+\]/) {
            t = substr($0, RSTART + 1, RLENGTH - 2); gsub(/ /, "", t)
            printf "%d\n", t * 1000
            exit }'
}

check_restart() {
    local pids old new l_kill l_killed l_up2 t_killed t_ready
    # The killer service (guest) does the kill and polls `bulkhead ctl'.
    expect '^KILLER-(BACK|TIMEOUT)' "$STEP_TIMEOUT" 'killer service printed nothing' || return 1
    if ! serial_has '^KILLER-BACK '; then
        why="killer: $(serial | grep -E '^KILLER-TIMEOUT')"
        return 1
    fi
    mapfile -t pids < <(serial | sed -n 's/^TESTSVC-UP pid=\([0-9][0-9]*\)$/\1/p')
    if [ "${#pids[@]}" -lt 2 ]; then
        why="expected two TESTSVC-UP lines, saw ${#pids[@]}"
        return 1
    fi
    old=${pids[0]} new=${pids[1]}
    if [ "$old" = "$new" ]; then
        why="testsvc came back with the same pid $old"
        return 1
    fi
    l_kill=$(serial_line "^KILLER-KILL pid=$old\$")
    l_killed=$(serial_line "$(ev service-restart name=testsvc status=signal:KILL in_ms=100)")
    l_up2=$(serial_line "^TESTSVC-UP pid=$new\$")
    if [ "$l_kill" -eq 0 ]; then
        why="no \"KILLER-KILL pid=$old\": the killer did not kill the first testsvc"
        return 1
    fi
    if [ "$l_killed" -eq 0 ]; then
        why='no "event=service-restart name=testsvc status=signal:KILL in_ms=100" line'
        return 1
    fi
    if ! [ "$l_kill" -lt "$l_killed" ] || ! [ "$l_killed" -lt "$l_up2" ]; then
        why="out of order: kill at line $l_kill, supervisor saw it at $l_killed, back at $l_up2"
        return 1
    fi
    if ! serial_has "^KILLER-BACK old=$old new=$new\$"; then
        why="bulkhead ctl reported another pid than the restarted testsvc's ($new): $(serial | grep -E '^KILLER-BACK')"
        return 1
    fi
    # The killer's `bulkhead ctl services' table: up, new pid, 1 restart.
    if ! serial | awk -v pid="$new" '$1 == "testsvc" && $2 == "up" && $3 == pid && $5 == 1 { ok = 1 } END { exit !ok }'; then
        why="no \"testsvc up $new ... 1\" row in the bulkhead ctl services output"
        return 1
    fi
    t_killed=$(guest_ms "$(ev service-exited name=testsvc status=signal:KILL)")
    t_ready=$(guest_ms "$(ev service-ready name=testsvc pid="$new")")
    info "restart: testsvc pid $old killed, back as pid $new ${t_ready:+after $((t_ready - t_killed)) ms (guest clock)}"
}

check_screendump() {
    local png=$LINUX_VM/boot.png stats w h nonblack top bottom
    # report.sh draws the `bulkhead ctl' tables on tty1; without it the
    # screen shows nothing but a cursor (the kernel console is ttyS0).
    expect '^REPORT-DONE$' "$STEP_TIMEOUT" 'report service did not finish' || return 1
    screendump "$png" || return 1
    if ! stats=$(png_stats "$png" 2>&1); then
        why="$png: $stats"
        return 1
    fi
    read -r w h nonblack top bottom <<<"$stats"
    info "screendump: $png ${w}x$h, $nonblack non-black pixels in rows $top-$bottom"
    # Text, not a blank screen and not a screen painted over: some
    # thousands of pixels, at the top where the table starts.
    if [ "$nonblack" -lt 1000 ]; then
        why="$png is (nearly) all black: $nonblack non-black pixels"
        return 1
    fi
    if [ "$nonblack" -gt $((w * h / 2)) ]; then
        why="$png is mostly non-black ($nonblack of $((w * h)) pixels): not console text"
        return 1
    fi
    if [ "$top" -gt 100 ]; then
        why="$png: the first non-black row is $top; the table should start at the top"
        return 1
    fi
}

check_shutdown() {
    local t_key t_req t_now svc dep l_req l_all l_umount l_now last=0 n order=()
    local -A l_stopping l_stopped
    t_key=$(now_ms)
    if ! qemu_sendkey "$LINUX_VM" ctrl-alt-delete 2>"$LINUX_VM/wait.err"; then
        why="sendkey failed: $(head -n 1 "$LINUX_VM/wait.err")"
        return 1
    fi
    # Fail fast if the key never arrived rather than waiting for the exit.
    local asked now_re
    asked=$(ev shutdown-requested action=reboot by=ctrl-alt-del) now_re=$(ev shutdown-now action=reboot)
    expect "$asked" "$STEP_TIMEOUT" 'ctrl-alt-delete had no effect' || return 1
    if ! linux_wait_exit "$EXIT_TIMEOUT"; then
        why=$(wait_why 'QEMU did not exit')
        return 1
    fi
    t_req=$(guest_ms "$asked")
    t_now=$(guest_ms "$now_re")
    info "shutdown: QEMU exited $(fmt_ms $(($(now_ms) - t_key))) after ctrl-alt-delete${t_now:+; the guest took $((t_now - t_req)) ms from the request to \"reboot now\"}"
    l_req=$(serial_line "$asked")
    for svc in $(config_long_running); do
        l_stopping[$svc]=$(serial_line "$(ev service-stopping name="$svc")")
        l_stopped[$svc]=$(serial_line "$(ev service-stopped name="$svc")")
        if [ "${l_stopping[$svc]}" -le "$l_req" ] || [ "${l_stopped[$svc]}" -le "${l_stopping[$svc]}" ]; then
            why="no service-stopping and service-stopped of $svc after the request"
            return 1
        fi
        if [ "${l_stopped[$svc]}" -gt "$last" ]; then last=${l_stopped[$svc]}; fi
    done
    # A dependant must be gone before what it depends on is asked to stop.
    for svc in "${!l_stopping[@]}"; do
        for dep in $(config_depends "$svc"); do
            [ -n "${l_stopping[$dep]:-}" ] || continue
            if [ "${l_stopped[$svc]}" -gt "${l_stopping[$dep]}" ]; then
                why="$dep was asked to stop (line ${l_stopping[$dep]}) before its dependant $svc had stopped (line ${l_stopped[$svc]})"
                return 1
            fi
        done
    done
    l_all=$(serial_line "$(ev services-stopped)")
    l_umount=$(serial_line "$(ev unmounting)")
    l_now=$(serial_line "$now_re")
    if [ "$l_all" -le "$last" ]; then
        why='no "all services stopped" after the last service stopped'
        return 1
    fi
    if [ "$l_umount" -le "$l_all" ]; then
        why='no "unmounting file systems" after "all services stopped"'
        return 1
    fi
    if [ "$l_now" -le "$l_umount" ]; then
        why='no "reboot now" after "unmounting file systems"'
        return 1
    fi
    for n in $(for svc in "${!l_stopping[@]}"; do echo "${l_stopping[$svc]} $svc"; done | sort -n | cut -d' ' -f2); do
        order+=("$n")
    done
    info "shutdown: services stopped in the order ${order[*]}, then kill, unmount, reboot"
}

check_no_panic() {
    local hit
    hit=$(serial | grep -E 'Kernel panic|Attempted to kill init' || true)
    if [ -n "$hit" ]; then
        why="${hit%%$'\n'*}"
        return 1
    fi
}

# boot_own_machine [BUILDER ARGS]: builds $LINUX_VM's initramfs from
# $LINUX_CONFIG and starts QEMU on it (with the QEMU_EXTRA array's
# arguments), or sets $why.
QEMU_EXTRA=()
boot_own_machine() {
    local out
    if ! out=$(build_initramfs "$bulkhead" "$LINUX_VM/initrd.cpio.zst" "$@" 2>&1); then
        why="initramfs build failed: $(tail -n 3 <<<"$out" | tr '\n' ' ')"
        return 1
    fi
    if ! qemu_start_linux "$LINUX_VM" "$LINUX_VM/initrd.cpio.zst" "${KERNEL_APPEND:-}" "${QEMU_EXTRA[@]}" \
        2>"$LINUX_VM/wait.err"; then
        why="QEMU did not start: $(sed -n '1s/^FAIL: //p' "$LINUX_VM/wait.err")"
        return 1
    fi
}

check_emergency() {
    local broken
    # The first machine is done with; the helpers read $LINUX_VM.
    qemu_stop "$LINUX_VM"
    LINUX_VM=$EMERGENCY_VM
    mkdir -p "$LINUX_VM"
    broken=$LINUX_VM/bulkhead.cfg
    printf 'hostname = "dom0"\nmodules = = [ "evdev" ]\n' > "$broken"
    # The builder refuses a broken config; the good one is replaced inside.
    boot_own_machine --add "$broken:/etc/bulkhead/bulkhead.cfg" || return 1
    expect 'This is an emergency shell' "$BOOT_TIMEOUT" 'no emergency shell on the console' || return 1
    # The error is for the user to read: its words are what is checked.
    if ! serial_has 'bulkhead: config: /etc/bulkhead/bulkhead.cfg:2: config parsing error'; then
        why='the syntax error is not reported as /etc/bulkhead/bulkhead.cfg:2'
        return 1
    fi
    if ! serial_has "$(ev boot-failed 'reason=the system configuration cannot be read')\$"; then
        why='no "boot failed" line'
        return 1
    fi
    if ! serial_has "$(ev emergency-shell shell=/bin/sh 'pid=[0-9]+')"; then
        why='no "emergency shell ... started" line'
        return 1
    fi
    # The services do not depend on bulkhead.cfg: they still come up.
    expect_event service-ready name=testsvc "$STEP_TIMEOUT" || return 1
    if ! qemu_sendkey "$LINUX_VM" ctrl-alt-delete 2>"$LINUX_VM/wait.err" ||
        ! linux_wait "$(ev shutdown-now action=reboot)" "$STEP_TIMEOUT" ||
        ! linux_wait_exit "$EXIT_TIMEOUT"; then
        why=$(wait_why 'no ordered reboot after ctrl-alt-delete from the emergency state')
        return 1
    fi
    if ! check_no_panic; then
        return 1
    fi
    info "emergency: broken bulkhead.cfg reported at line 2, emergency shell started, services up, reboot in order; artifacts in $LINUX_VM"
}

# The demo client that speaks as domain $1 said $2 (an ERE).
demo_said() { linux_wait "DEMO $1 window 0 $2" "$STEP_TIMEOUT"; }

check_desktop() {
    local first second counts red blue png
    qemu_stop "$LINUX_VM"
    LINUX_VM=$DESKTOP_VM
    mkdir -p "$LINUX_VM"
    png=$LINUX_VM/desktop.png
    # A USB controller, for a keyboard plugged in while the desktop runs.
    # The kernel's info lines (the keyboard's, hid-generic's) would land in
    # the middle of the event lines waited for on the serial console.
    QEMU_EXTRA=(-device qemu-xhci,id=xhci)
    KERNEL_APPEND=loglevel=4 LINUX_CONFIG=$LINUX_ROOT/tests/linux/desktop-config \
        boot_own_machine --desktop || return 1
    QEMU_EXTRA=()
    expect_event drm-output device=/dev/dri/card0 "$BOOT_TIMEOUT" || return 1
    # On the screen too it leaves root's uid once set up; the keyboard
    # plugged in below comes through its input broker (input/broker.h).
    expect_event confined uid=900 gid=900 caps=none no_new_privs=1 "$STEP_TIMEOUT" || return 1
    # Nobody asked for either window: neither takes the focus as it comes,
    # and a key typed then goes nowhere.  The user's Super+Tab gives the
    # focus to the first window; the other must not take it.
    if ! demo_said red-vm CONFIGURE || ! demo_said blue-vm CONFIGURE; then
        why=$(wait_why "the demo windows never came")
        return 1
    fi
    qemu_sendkey "$LINUX_VM" x && sleep 2 ||
        { why=$(wait_why "sendkey x failed"); return 1; }
    if serial_has 'DEMO [a-z-]+ window 0 (FOCUS 1|KEY 45 )'; then
        why="a window took the focus as it came: $(serial | grep -E -m1 'DEMO [a-z-]+ window 0 (FOCUS 1|KEY 45 )')"
        return 1
    fi
    qemu_sendkey "$LINUX_VM" meta_l-tab ||
        { why=$(wait_why "sendkey Super+Tab failed"); return 1; }
    expect 'DEMO (red|blue)-vm window 0 FOCUS 1' "$STEP_TIMEOUT" 'Super+Tab gave no demo window the focus' ||
        return 1
    first=$(serial | sed -n 's/.*DEMO \([a-z]*-vm\) window 0 FOCUS 1.*/\1/p' | head -n 1)
    second=$([ "$first" = red-vm ] && echo blue-vm || echo red-vm)
    qemu_sendkey "$LINUX_VM" a && demo_said "$first" 'KEY 30 0' ||
        { why=$(wait_why "$first (focused) did not get the key a"); return 1; }
    qemu_sendkey "$LINUX_VM" meta_l-tab && demo_said "$second" 'FOCUS 1' ||
        { why=$(wait_why "Super+Tab did not move the focus to $second"); return 1; }
    qemu_sendkey "$LINUX_VM" b && demo_said "$second" 'KEY 48 0' ||
        { why=$(wait_why "$second (focused) did not get the key b"); return 1; }
    if serial_has "DEMO $first window 0 KEY 48 " || serial_has "DEMO $second window 0 KEY 30 "; then
        why='a key reached the window that did not have the focus'
        return 1
    fi
    if serial_has 'DEMO [a-z-]+ window 0 KEY (15|125) '; then
        why="a key of the binding (Super or Tab) reached a domain: $(serial | grep -E -m1 'DEMO [a-z-]+ window 0 KEY (15|125) ')"
        return 1
    fi
    # The pointer starts mid-screen; the first window is the left one.
    # A click there gives it the focus back, and the click itself goes
    # nowhere (no BUTTON reaches a client for a focusing click).
    local clicks
    clicks=$(serial | grep -c "DEMO $first window 0 FOCUS 1")
    qemu_monitor "$LINUX_VM" 'mouse_move -300 0' >/dev/null &&
        qemu_monitor "$LINUX_VM" 'mouse_button 1' >/dev/null &&
        qemu_monitor "$LINUX_VM" 'mouse_button 0' >/dev/null ||
        { why='the monitor refused the mouse'; return 1; }
    if ! linux_wait_count "DEMO $first window 0 FOCUS 1" $((clicks + 1)) "$STEP_TIMEOUT"; then
        why="a click on $first's window did not give it the focus"
        return 1
    fi
    if serial_has 'DEMO [a-z-]+ window 0 BUTTON '; then
        why="the focusing click reached a domain: $(serial | grep -E -m1 'DEMO [a-z-]+ window 0 BUTTON ')"
        return 1
    fi
    # Now focused, the window under the pointer gets the next click.
    qemu_monitor "$LINUX_VM" 'mouse_button 1' >/dev/null &&
        qemu_monitor "$LINUX_VM" 'mouse_button 0' >/dev/null &&
        demo_said "$first" 'BUTTON 272 0' ||
        { why=$(wait_why "a click in the focused $first's window did not reach it"); return 1; }
    if serial_has "DEMO $second window 0 BUTTON "; then
        why="a click reached $second, which had not the focus"
        return 1
    fi
    # A keyboard plugged in now is found, grabbed and heard (QEMU sends keys
    # to the newest keyboard), and its going is noticed.
    qemu_monitor "$LINUX_VM" 'device_add usb-kbd,id=kb2,bus=xhci.0' >/dev/null ||
        { why='the monitor refused the USB keyboard'; return 1; }
    # bus 3: USB.
    expect_event input-device bus=3 keyboard=1 "$STEP_TIMEOUT" || return 1
    qemu_sendkey "$LINUX_VM" c && demo_said "$first" 'KEY 46 0' ||
        { why=$(wait_why "the key c from the USB keyboard did not reach $first"); return 1; }
    qemu_monitor "$LINUX_VM" 'device_del kb2' >/dev/null ||
        { why='the monitor refused to unplug the USB keyboard'; return 1; }
    expect_event input-gone "$STEP_TIMEOUT" || return 1
    sleep 1
    screendump "$png" || return 1
    counts=$(python3 "$LINUX_ROOT/tests/qemu/png.py" count "$png" cc0000 3465a4)
    read -r red blue <<<"$counts"
    info "desktop: no focus until Super+Tab gave it to $first, Super+Tab to $second, a click back to $first (swallowed, press and release) and one delivered to it, a USB keyboard plugged in, typed on and unplugged; $png: $red red and $blue blue frame pixels"
    if [ "${red:-0}" -lt 2000 ] || [ "${blue:-0}" -lt 2000 ]; then
        why="$png does not show both frames (cc0000: $red, 3465a4: $blue pixels)"
        return 1
    fi
    # (ctrl-alt-delete would not reach the kernel: the compositor has
    # grabbed the keyboard; the machine's work is done anyway.)
    check_no_panic
}

# heads_ui HEAD W H: QEMU's D-Bus display tells the virtio-gpu that a
# window of WxH shows HEAD (0x0: none): the guest sees that output's monitor
# plugged in (or out) and its size.
heads_ui() {
    gdbus call --session --dest org.qemu --object-path "/org/qemu/Display1/Console_$1" \
        --method org.qemu.Display1.Console.SetUIInfo 300 200 0 0 "$2" "$3" >/dev/null
}

# heads_frames PNG: "RED BLUE", the demo windows' frame pixels in PNG.
heads_frames() { python3 "$LINUX_ROOT/tests/qemu/png.py" count "$1" cc0000 3465a4; }

check_heads() {
    local cfg first fr fb sr sb ur ub out top
    qemu_stop "$LINUX_VM"
    LINUX_VM=$HEADS_VM
    mkdir -p "$LINUX_VM"
    # QEMU's display on a bus of our own, not the machine's.
    if ! out=$(dbus-daemon --session --fork --print-address=1 --print-pid=1 2>"$LINUX_VM/dbus.err"); then
        why="no D-Bus daemon for QEMU's display: $(head -n 1 "$LINUX_VM/dbus.err")"
        return 1
    fi
    export DBUS_SESSION_BUS_ADDRESS=${out%%$'\n'*}
    heads_bus_pid=${out##*$'\n'}
    cfg=$LINUX_VM/bulkhead.cfg
    sed 's/"bochs"/"virtio_pci", "virtio_gpu"/' "$LINUX_ROOT/tests/linux/desktop-config/bulkhead.cfg" >"$cfg"
    QEMU_GPU=virtio-gpu-pci,max_outputs=2,id=gpu QEMU_DISPLAY=dbus KERNEL_APPEND=loglevel=4 \
        LINUX_CONFIG=$LINUX_ROOT/tests/linux/desktop-config \
        boot_own_machine --desktop --modules "virtio_pci virtio_gpu" --add "$cfg:/etc/bulkhead/bulkhead.cfg" ||
        return 1
    # The second output has no window yet: no monitor there.
    expect_event drm-output device=/dev/dri/card0 'width=[0-9]+' 'height=[0-9]+' heads=1 "$BOOT_TIMEOUT" ||
        return 1
    if ! demo_said red-vm CONFIGURE || ! demo_said blue-vm CONFIGURE; then
        why=$(wait_why "the demo windows never came")
        return 1
    fi
    heads_ui 1 1024 768 || { why="QEMU's display refused to show head 1"; return 1; }
    expect_event drm-heads heads=2 "$STEP_TIMEOUT" || return 1
    expect_event drm-head index=2 width=1024 height=768 'x=[1-9][0-9]*' "$STEP_TIMEOUT" || return 1
    # The focus given, the focused window sent to workspace 2: the second
    # head's.
    qemu_sendkey "$LINUX_VM" meta_l-tab &&
        expect 'DEMO (red|blue)-vm window 0 FOCUS 1' "$STEP_TIMEOUT" 'Super+Tab gave no demo window the focus' ||
        return 1
    first=$(serial | sed -n 's/.*DEMO \([a-z]*-vm\) window 0 FOCUS 1.*/\1/p' | head -n 1)
    # Sent away, it loses the focus of the head the user is on.
    qemu_sendkey "$LINUX_VM" meta_l-shift-2 &&
        expect_event window-focus name="$first" focused=0 "$STEP_TIMEOUT" ||
        { why=$(wait_why "Super+Shift+2 did not send $first away"); return 1; }
    sleep 2
    screendump "$LINUX_VM/head1.png" gpu 0 && screendump "$LINUX_VM/head2.png" gpu 1 || return 1
    read -r fr fb <<<"$(heads_frames "$LINUX_VM/head1.png")"
    read -r sr sb <<<"$(heads_frames "$LINUX_VM/head2.png")"
    # The sent window's frame on the second head alone, the other's on the
    # first (each bar has a label square of each domain's colour, 100 px).
    if [ "$first" = red-vm ]; then
        [ "$sr" -gt 2000 ] && [ "$sb" -lt 1000 ] && [ "$fr" -lt 1000 ] && [ "$fb" -gt 2000 ]
    else
        [ "$sb" -gt 2000 ] && [ "$sr" -lt 1000 ] && [ "$fb" -lt 1000 ] && [ "$fr" -gt 2000 ]
    fi || { why="after Super+Shift+2 the heads show red $fr blue $fb (head1.png), red $sr blue $sb (head2.png); $first was sent to head 2"; return 1; }
    # Its bar too: the second head's top rows are drawn.
    read -r _ _ _ top _ <<<"$(python3 "$LINUX_ROOT/tests/qemu/png.py" stats "$LINUX_VM/head2.png")"
    if [ "${top:--1}" -lt 0 ] || [ "$top" -ge 20 ]; then
        why="head2.png has no bar (its first drawn row: ${top:-none})"
        return 1
    fi
    # The monitor unplugged: one head; the window's workspace is shown
    # again by Super+2, on the first.
    heads_ui 1 0 0 || { why="QEMU's display refused to hide head 1"; return 1; }
    expect_event drm-heads heads=1 "$STEP_TIMEOUT" || return 1
    # Its workspace shown on the first head: no event says so, the screen
    # does (within STEP_TIMEOUT).
    qemu_sendkey "$LINUX_VM" meta_l-2 || { why=$(wait_why "sendkey Super+2 failed"); return 1; }
    local waited=0
    while :; do
        sleep 2
        waited=$((waited + 2))
        screendump "$LINUX_VM/unplugged.png" gpu 0 || return 1
        read -r ur ub <<<"$(heads_frames "$LINUX_VM/unplugged.png")"
        { [ "$first" = red-vm ] && [ "$ur" -ge 2000 ]; } || { [ "$first" = blue-vm ] && [ "$ub" -ge 2000 ]; } ||
            [ "$waited" -ge "$STEP_TIMEOUT" ] && break
    done
    if { [ "$first" = red-vm ] && [ "$ur" -lt 2000 ]; } || { [ "$first" = blue-vm ] && [ "$ub" -lt 2000 ]; }; then
        why="after the second monitor went, Super+2 did not show $first on the first head (unplugged.png: red $ur, blue $ub)"
        return 1
    fi
    info "heads: one head at boot; a second plugged in (2 heads, the second at its right), $first sent there by Super+Shift+2 and drawn on it alone (head2.png: red $sr, blue $sb pixels; head1.png: red $fr, blue $fb); unplugged: one head, Super+2 shows $first on the first (unplugged.png: red $ur, blue $ub)"
    check_no_panic
}

# --- LUKS: the initramfs unlocks the disks and switches to the real root ---

LUKS_UUID=5e1f0c2a-0b5e-4c1e-9d2a-3c4d5e6f7a8b
# The passphrase of both disks. The guest's layout is German (luks-config's
# desktop.cfg): the keys sent are those of "yulu/42" on a US keyboard.
LUKS_PASSPHRASE=zulu-42 LUKS_KEYS_US=yulu/42
luks_made=0 root_marker='' data_marker=''

# make_luks_disks: once per run, in $LUKS_DISKS: the real root's tree
# (tests/linux/luks-root) with this run's marker in /etc/root-marker, a
# data tree with its own marker, the passphrase, a 64-byte key file,
# root.img (key slot 0 the passphrase, 1 the key file) and data.img (the
# passphrase only). 1 with $why set if any of it fails.
make_luks_disks() {
    local d=$LUKS_DISKS out
    [ "$luks_made" = 1 ] && return 0
    rm -rf "$d"
    mkdir -p "$d/data"
    if ! out=$("$LINUX_ROOT/initramfs/mkinitramfs.sh" --bulkhead "$bulkhead" \
        --config "$LINUX_HERE/luks-root" --dir "$d/root" --kver "$(_qemu_kver)" --busybox 2>&1); then
        why="the real root's tree was not built: $(tail -n 3 <<<"$out" | tr '\n' ' ')"
        return 1
    fi
    root_marker=root-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
    data_marker=data-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
    echo "$root_marker" > "$d/root/etc/root-marker"
    echo "$data_marker" > "$d/data/marker"
    (umask 077 && printf '%s' "$LUKS_PASSPHRASE" > "$d/passphrase" &&
        head -c 64 /dev/urandom > "$d/cryptroot.key")
    if ! out=$("$LINUX_HERE/make-luks-image.sh" --from "$d/root" --out "$d/root.img" \
            --uuid "$LUKS_UUID" --label cryptroot --fs-label root \
            --passphrase-file "$d/passphrase" --key-file "$d/cryptroot.key" 2>&1) ||
        ! out=$out$'\n'$("$LINUX_HERE/make-luks-image.sh" --from "$d/data" --out "$d/data.img" \
            --uuid 5e1f0c2a-0b5e-4c1e-9d2a-000000000da7 --label bulkhead-data --fs-label data \
            --passphrase-file "$d/passphrase" 2>&1); then
        why="the LUKS images were not made: $(tail -n 3 <<<"$out" | tr '\n' ' ')"
        return 1
    fi
    info "luks images: $(tr '\n' ' ' <<<"$out")"
    luks_made=1
}

# luks_screendump PNG RRGGBB:MIN...: screendumps until PNG has at least
# MIN pixels of each colour (5 s at most: the screen is redrawn after the
# line that announces it); prints the counts of the last one, in order.
luks_screendump() {
    local png=$1 spec counts ok i j
    local -a want=() min=() got
    shift
    for spec in "$@"; do want+=("${spec%%:*}") min+=("${spec#*:}"); done
    for ((i = 0; i < 10; i++)); do
        screendump "$png" || return 1
        counts=$(python3 "$LINUX_ROOT/tests/qemu/png.py" count "$png" "${want[@]}")
        read -ra got <<<"$counts"
        ok=1
        for ((j = 0; j < ${#want[@]}; j++)); do [ "${got[j]:-0}" -ge "${min[j]}" ] || ok=0; done
        [ "$ok" = 0 ] || break
        sleep 0.5
    done
    echo "$counts"
}

# bullets_shown PNG N: screendumps (5 s at most: the field is redrawn
# after the keys) until the passphrase field shows N bullets (png.py
# bullets: round dots left of the text cursor), else $why.
bullets_shown() {
    local i n
    for ((i = 0; i < 10; i++)); do
        screendump "$1" || return 1
        n=$(python3 "$LINUX_ROOT/tests/qemu/png.py" bullets "$1" 2>&1) && [ "$n" = "$2" ] && return 0
        sleep 0.5
    done
    why="$1: the passphrase field shows $n bullets, not $2"
    return 1
}

# The serial lines of the real root's services and bulkhead after the switch.
root_checks() {
    local l_switch
    l_switch=$(serial_line "$(ev root-switched root=/dev/mapper/cryptroot init=/sbin/init)")
    if [ "$l_switch" -eq 0 ]; then
        why='no "event=root-switched root=/dev/mapper/cryptroot init=/sbin/init" line'
        return 1
    fi
    if [ "$(serial | awk -v after="$l_switch" -v re="$(ev pid1-starting)" 'NR > after && $0 ~ re { n++ } END { print n + 0 }')" -ne 1 ]; then
        why='no (or more than one) "starting as PID 1" after the switch: the real root'"'"'s bulkhead did not start once'
        return 1
    fi
    if ! serial_has '^ROOT-PID1 exe=/bin/bulkhead hostname=realroot$'; then
        why="PID 1 is not the real root's bulkhead: $(serial | grep -E '^ROOT-PID1' || echo 'no ROOT-PID1 line')"
        return 1
    fi
    if ! serial_has '^ROOT-MOUNT /dev/mapper/cryptroot ext4$'; then
        why="/ is not /dev/mapper/cryptroot (ext4): $(serial | grep -E '^ROOT-MOUNT' || echo 'no ROOT-MOUNT line')"
        return 1
    fi
    if ! serial_has "^ROOT-MARKER $root_marker\$"; then
        why="the root is not this run's image (marker $root_marker): $(serial | grep -E '^ROOT-MARKER' || echo 'no ROOT-MARKER line')"
        return 1
    fi
    if ! serial_has '^ROOT-SYSROOT none$'; then
        why="the initramfs's /sysroot is still there after the switch: $(serial | grep -E '^ROOT-SYSROOT' || echo 'no ROOT-SYSROOT line')"
        return 1
    fi
}

# root_stays: at poweroff / is made read-only (or unmounted), and then
# cryptroot, which holds it, is said to stay open.
root_stays() {
    in_order "$(ev unmounting)" "$(ev unmounted path=/)" \
        "$(ev volume-stays name=cryptroot reason=holds-root)" "$(ev shutdown-now action=poweroff)"
}

# serial_lacks_passphrase: neither the passphrase nor what the keys sent
# would read on a US layout is anywhere in the serial log.
serial_lacks_passphrase() {
    local s
    for s in "$LUKS_PASSPHRASE" "$LUKS_KEYS_US"; do
        if serial | grep -F -- "$s" >/dev/null; then
            why="the passphrase (\"$s\") is in the serial log, line $(serial | grep -nF -- "$s" | head -n 1 | cut -d: -f1)"
            return 1
        fi
    done
}

check_luks() {
    local png counts edge red text_empty text_typed t_wall t_ret t_done t_exit t_open t_switch t_boot2 t_off l_open
    qemu_stop "$LINUX_VM"
    LINUX_VM=$LUKS_VM
    mkdir -p "$LINUX_VM"
    make_luks_disks || return 1
    QEMU_EXTRA=(-drive "file=$LUKS_DISKS/root.img,if=virtio,format=raw"
        -drive "file=$LUKS_DISKS/data.img,if=virtio,format=raw")
    t_wall=$(now_ms)
    if ! LINUX_CONFIG=$LINUX_HERE/luks-config boot_own_machine --desktop; then
        QEMU_EXTRA=()
        return 1
    fi
    QEMU_EXTRA=()
    # The passphrase screen: the DRM output (logged by the compositor's
    # code), then its keyboard grabbed; keys sent before that are lost.
    # bus 17: the i8042 (AT) keyboard.
    local kbd
    kbd=$(ev input-device bus=17 keyboard=1)
    expect "$kbd" "$BOOT_TIMEOUT" 'the passphrase screen did not grab the keyboard' || return 1
    in_order "$(ev root-pending root=/dev/mapper/cryptroot)" \
        "$(ev drm-output device=/dev/dri/card0)" "$kbd" || return 1
    # A wrong passphrase first: it must say so and ask again.
    qemu_type "$LINUX_VM" $'wrong\n' 2>"$LINUX_VM/wait.err" ||
        { why="typing failed: $(head -n 1 "$LINUX_VM/wait.err")"; return 1; }
    expect_event wrong-passphrase name=cryptroot try=1 of=3 "$STEP_TIMEOUT" || return 1
    png=$LINUX_VM/unlock.png
    # Measured: 5748 edge pixels (panel and field), 499 of the message.
    counts=$(luks_screendump "$png" 729fcf:3000 ef2929:250 eeeeec:0) || return 1
    read -r edge red text_empty <<<"$counts"
    if [ "${edge:-0}" -lt 3000 ] || [ "${red:-0}" -lt 250 ]; then
        why="$png does not show the passphrase panel (729fcf: $edge pixels) and the wrong-passphrase message (ef2929: $red pixels)"
        return 1
    fi
    # The wrong one is gone from the field.
    bullets_shown "$png" 0 || return 1
    # The right one, typed once for both disks: a bullet for each key,
    # before Enter.
    qemu_type "$LINUX_VM" "$LUKS_KEYS_US" 2>"$LINUX_VM/wait.err" ||
        { why="typing failed: $(head -n 1 "$LINUX_VM/wait.err")"; return 1; }
    bullets_shown "$LINUX_VM/prompt.png" "${#LUKS_KEYS_US}" || return 1
    text_typed=$(python3 "$LINUX_ROOT/tests/qemu/png.py" count "$LINUX_VM/prompt.png" eeeeec)
    t_ret=$(now_ms)
    qemu_sendkey "$LINUX_VM" ret 2>"$LINUX_VM/wait.err" ||
        { why="sendkey ret failed: $(head -n 1 "$LINUX_VM/wait.err")"; return 1; }
    expect "^ROOT-DONE\$|$(ev wrong-passphrase name=cryptroot try=2)|$(ev volume-locked)|$(ev emergency-shell)" \
        "$STEP_TIMEOUT" 'the real root did not report (no ROOT-DONE after the right passphrase)' ||
        return 1
    t_done=$(now_ms)
    if serial_has "$(ev wrong-passphrase name=cryptroot try=2)"; then
        why='the right passphrase (keys y u l u slash 4 2 on the German layout) was taken as wrong (try 2 of 3)'
        return 1
    fi
    in_order "$(ev wrong-passphrase name=cryptroot try=1 of=3)" \
        "$(ev volume-opened name=cryptroot type=LUKS2 'device=/dev/vd[a-z]' slot=0 read_only=0)" \
        "$(ev passphrase-reused name=cryptdata)" \
        "$(ev volume-opened name=cryptdata type=LUKS2 'device=/dev/vd[a-z]' slot=0 read_only=1)" \
        "$(ev root-mounted root=/dev/mapper/cryptroot device=/dev/mapper/cryptroot fstype=ext4)" \
        "$(ev root-switched root=/dev/mapper/cryptroot init=/sbin/init)" \
        '^ROOT-DONE$' || return 1
    root_checks || return 1
    # unlock's memory is locked in RAM: far more than the passphrase's page.
    local locked
    locked=$(serial | grep -E "$(ev memory-locked)" | sed -n 's/.* vmlck_kb=\([0-9]*\).*/\1/p' | head -n 1)
    if [ "${locked:-0}" -lt 1024 ]; then
        why="unlock's memory is not locked: $(serial | grep -E -m1 'bulkhead: unlock: (memory locked|cannot lock its memory)' || echo 'no "memory locked" line')"
        return 1
    fi
    if ! serial_has "^DATA-MARKER $data_marker\$"; then
        why="the data disk is not this run's (marker $data_marker): $(serial | grep -E '^DATA-(MARKER|MOUNT)' || echo 'no DATA-MARKER line')"
        return 1
    fi
    # Powering off closes the data volume once unmounted; the root stays.
    if ! linux_wait_exit "$EXIT_TIMEOUT"; then
        why=$(wait_why 'QEMU did not exit after the real root powered off')
        return 1
    fi
    in_order '^ROOT-DONE$' "$(ev shutdown-requested action=poweroff by=ctl)" \
        "$(ev unmounted path=/mnt/data)" "$(ev volume-closed name=cryptdata)" \
        "$(ev shutdown-now action=poweroff)" || return 1
    root_stays || return 1
    t_exit=$(now_ms)
    serial_lacks_passphrase || return 1
    check_no_panic || return 1
    l_open=$(serial_line "$(ev volume-opened name=cryptroot)")
    t_open=$(guest_ms "$(ev volume-opened name=cryptroot)")
    t_switch=$(guest_ms "$(ev root-switched)")
    t_boot2=$(guest_ms "$(ev boot-done)" "$l_open")
    t_off=$(guest_ms '^ROOT-DONE$')
    info "luks: unlock's $(serial | grep -E -m1 -o 'memory locked \(mlockall\): .*')"
    info "luks: passphrase screen up ($png: $edge edge, $red message pixels; eeeeec $text_empty empty, $text_typed with ${#LUKS_KEYS_US} bullets counted in prompt.png), one wrong try, the right passphrase typed once opened cryptroot (slot 0) and cryptdata, switched, real root checked, cryptdata closed at poweroff"
    # ROOT-DONE has no timestamp: guest_ms takes the next line's (poweroff requested).
    info "luks: timing: $(fmt_ms $((t_exit - t_wall))) wall from the initramfs build to QEMU's exit (keys typed as soon as the screen was up), Enter to ROOT-DONE $(fmt_ms $((t_done - t_ret))); guest: cryptroot opened to switch $((t_switch - t_open)) ms, to the real root's boot done $((t_boot2 - t_open)) ms, to ROOT-DONE $((t_off - t_open)) ms"
}

check_keyfile() {
    local cfg t_start t_done t_wall
    qemu_stop "$LINUX_VM"
    LINUX_VM=$KEYFILE_VM
    mkdir -p "$LINUX_VM"
    make_luks_disks || return 1
    # The root, opened with the key file in the initramfs; and two volumes
    # that cannot be opened, nofail: a disk with no LUKS header (all
    # zeros: a header damaged beyond use) and a device that never comes.
    cfg=$LINUX_VM/disks.cfg
    cat > "$cfg" <<CFG
crypttab = [
    "cryptroot UUID=$LUKS_UUID /etc/keys/cryptroot.key",
    "blank /dev/vdb none nofail",
    "absent UUID=00000000-dead-beef-0000-000000000000 none nofail,device-timeout=2",
]
root = "/dev/mapper/cryptroot"
root_fstype = "ext4"
root_options = "rw,noatime"
device_timeout_ms = 20000
CFG
    rm -f "$LINUX_VM/blank.img"
    truncate -s 8M "$LINUX_VM/blank.img"
    QEMU_EXTRA=(-drive "file=$LUKS_DISKS/root.img,if=virtio,format=raw"
        -drive "file=$LINUX_VM/blank.img,if=virtio,format=raw")
    t_wall=$(now_ms)
    if ! LINUX_CONFIG=$LINUX_HERE/luks-config boot_own_machine --desktop \
        --add "$cfg:/etc/bulkhead/disks.cfg" --add "$LUKS_DISKS/cryptroot.key:/etc/keys/cryptroot.key"; then
        QEMU_EXTRA=()
        return 1
    fi
    QEMU_EXTRA=()
    # Stop at the first sign of a passphrase wanted, or of a failed unlock.
    local asked
    asked="$(ev '(passphrase-asked|passphrase-reused|wrong-passphrase|volume-locked)')"
    expect "^ROOT-DONE\$|$asked|$(ev emergency-shell)" "$BOOT_TIMEOUT" \
        'the real root did not report (no ROOT-DONE)' || return 1
    if serial_has "$asked"; then
        why="a passphrase was asked for or tried: $(serial | grep -E -m1 "$asked")"
        return 1
    fi
    if ! serial_has '^ROOT-DONE$'; then
        why="the key file did not open the root: $(serial | grep -E -m1 'bulkhead: (unlock: |init: emergency shell)' || echo 'no unlock line')"
        return 1
    fi
    in_order "$(ev volume-opened name=cryptroot type=LUKS2 'device=/dev/vd[a-z]' slot=1)" \
        "$(ev volume-not-luks name=blank device=/dev/vdb)" "$(ev volume-skipped name=blank)" \
        "$(ev device-missing name=absent spec=UUID=00000000-dead-beef-0000-000000000000)" \
        "$(ev volume-skipped name=absent)" \
        "$(ev root-mounted root=/dev/mapper/cryptroot device=/dev/mapper/cryptroot fstype=ext4)" \
        "$(ev root-switched root=/dev/mapper/cryptroot init=/sbin/init)" \
        '^ROOT-DONE$' || return 1
    # Nothing to ask: the passphrase screen never came up.
    if serial_has "$(ev drm-output)"; then
        why='the passphrase screen came up although the key file opens the root'
        return 1
    fi
    root_checks || return 1
    if serial_has '^DATA-'; then
        why="the data disk is not attached, yet: $(serial | grep -E -m1 '^DATA-')"
        return 1
    fi
    if ! linux_wait_exit "$EXIT_TIMEOUT"; then
        why=$(wait_why 'QEMU did not exit after the real root powered off')
        return 1
    fi
    t_done=$(now_ms)
    root_stays || return 1
    check_no_panic || return 1
    t_start=$(guest_ms "$(ev pid1-starting)")
    info "keyfile: cryptroot opened with the key file (slot 1), no passphrase asked, no screen; a disk without a LUKS header and a device that never came said so and were left (nofail); switched, real root checked; guest: first \"starting as PID 1\" to ROOT-DONE $(($(guest_ms '^ROOT-DONE$') - t_start)) ms; wall $(fmt_ms $((t_done - t_wall))) from the initramfs build to QEMU's exit"
}

# --- run them ---

run_checks "${CHECKS[@]}"

# The summary is about the main boot, whichever machine ran last.
LINUX_VM=$LINUX_ROOT/build/linux
if [ "$t_boot" -gt 0 ]; then
    kernel_init=$(serial | sed -n 's/^\[ *\([0-9]*\.[0-9]*\)\] Run \/init as init process$/\1/p')
    guest_boot=$(serial | grep -E "$(ev boot-done)" | sed -n 's/.* ms=\([0-9]*\).*/\1/p' | head -n 1)
    info "timing: boot $(fmt_ms $((t_boot - t_qemu))) wall (QEMU start to \"boot done\"); kernel ran /init at ${kernel_init:-?} s, bulkhead booted in ${guest_boot:-?} ms"
fi
info "timing: whole run $(fmt_ms $(($(now_ms) - run_start)))"
info "artifacts in $LINUX_VM (serial.log, boot.png, initrd.cpio.zst), $EMERGENCY_VM, $DESKTOP_VM, $LUKS_VM (unlock.png, prompt.png), $KEYFILE_VM and $LUKS_DISKS"
finish_suite
