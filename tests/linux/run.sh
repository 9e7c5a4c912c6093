#!/usr/bin/env bash
# Boots bulkhead as PID 1 of a Linux guest under QEMU (TCG) and runs five
# named checks against what the guest prints on its serial console:
#   boot        bulkhead is PID 1, boot done, modules loaded, devices there
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
#               on bochs-drm, two demo clients as red-vm and blue-vm; keys
#               sent with sendkey reach the focused one only, Super+Tab
#               moves focus and reaches no one, the screendump shows both
#               frames in their label colours and the status bar
# usage: tests/linux/run.sh BULKHEAD   (as root: the image has device nodes)
# Leaves build/linux/ (serial.log, boot.png, initrd) and build/results/linux.
set -euo pipefail

# shellcheck source=tests/linux/common.sh
. "$(dirname "$0")/common.sh"
suite_start linux "$@"
# The emergency check boots a second machine; both are stopped at exit.
EMERGENCY_VM=$LINUX_ROOT/build/linux-emergency
DESKTOP_VM=$LINUX_ROOT/build/linux-desktop
rm -rf "$EMERGENCY_VM" "$DESKTOP_VM"
trap 'qemu_stop "$LINUX_VM"; qemu_stop "$EMERGENCY_VM"; qemu_stop "$DESKTOP_VM"' EXIT

SUITE=linux
CHECKS=(boot restart screendump shutdown no-panic emergency desktop)
# emergency and desktop boot machines of their own.
CHECKS_WITHOUT_VM='no-panic emergency desktop'
t_qemu=0 t_boot=0

# --- checks: each returns 1 with $why set, and may set $fatal ---

check_boot() {
    local nsvc
    boot_guest qemu_start_linux 'bulkhead: init: boot done in [0-9]+ ms' 'boot done' || return 1
    if ! serial_has '^(\[ *[0-9.]+\] )?bulkhead: init: bulkhead [0-9.]+ starting as PID 1$'; then
        why='no "bulkhead ... starting as PID 1" line'
        return 1
    fi
    # Every service file must have survived the config check.
    nsvc=$(config_services | wc -l)
    if ! serial_has "bulkhead: init: boot done in [0-9]+ ms; $nsvc services\$"; then
        why="boot done, but not with the $nsvc services of $LINUX_CONFIG"
        return 1
    fi
    local problems='bulkhead: (config: |init: boot failed|init: .*problems in the configuration|init: some kernel modules|modules: (module|cannot))'
    if serial_has "$problems"; then
        why="bulkhead reported problems: $(serial | grep -E "$problems" | tr '\n' ' ' | cut -c 1-300)"
        return 1
    fi
    # Not on Xen: bulkhead must say so and carry on without domains.
    if ! serial_has 'bulkhead: xen: not running on Xen: no domains on this boot$'; then
        why='no "not running on Xen" line on a plain Linux boot'
        return 1
    fi
    # devcheck runs inside the guest: PID 1's identity, modules, devices.
    if ! linux_wait '^DEVCHECK-(OK|FAIL)' "$STEP_TIMEOUT"; then
        why=$(wait_why 'devcheck service printed nothing')
        return 1
    fi
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

# Guest timestamp "[   12.345]" of the first line matching ERE, in ms.
guest_ms() {
    serial | awk -v re="$1" '$0 ~ re {
        if (match($0, /^\[ *[0-9]+\.[0-9]+\]/)) {
            t = substr($0, RSTART + 1, RLENGTH - 2); gsub(/ /, "", t)
            printf "%d\n", t * 1000
        }
        exit }'
}

check_restart() {
    local pids old new l_kill l_killed l_up2 t_killed t_ready
    # The killer service (guest) does the kill and polls `bulkhead ctl'.
    if ! linux_wait '^KILLER-(BACK|TIMEOUT)' "$STEP_TIMEOUT"; then
        why=$(wait_why 'killer service printed nothing')
        return 1
    fi
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
    l_killed=$(serial_line 'bulkhead: supervisor: service testsvc killed by SIGKILL; restarting in 100 ms$')
    l_up2=$(serial_line "^TESTSVC-UP pid=$new\$")
    if [ "$l_kill" -eq 0 ]; then
        why="no \"KILLER-KILL pid=$old\": the killer did not kill the first testsvc"
        return 1
    fi
    if [ "$l_killed" -eq 0 ]; then
        why='no "service testsvc killed by SIGKILL; restarting in 100 ms" line'
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
    t_killed=$(guest_ms 'service testsvc killed by SIGKILL')
    t_ready=$(guest_ms "service testsvc is ready \\(pid $new,")
    info "restart: testsvc pid $old killed, back as pid $new ${t_ready:+after $((t_ready - t_killed)) ms (guest clock)}"
}

check_screendump() {
    local png=$LINUX_VM/boot.png stats w h nonblack top bottom
    # report.sh draws the `bulkhead ctl' tables on tty1; without it the
    # screen shows nothing but a cursor (the kernel console is ttyS0).
    if ! linux_wait '^REPORT-DONE$' "$STEP_TIMEOUT"; then
        why=$(wait_why 'report service did not finish')
        return 1
    fi
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
    if ! linux_wait 'bulkhead: init: reboot requested by ctrl-alt-del' "$STEP_TIMEOUT"; then
        why=$(wait_why 'ctrl-alt-delete had no effect')
        return 1
    fi
    if ! linux_wait_exit "$EXIT_TIMEOUT"; then
        why=$(wait_why 'QEMU did not exit')
        return 1
    fi
    t_req=$(guest_ms 'bulkhead: init: reboot requested by ctrl-alt-del')
    t_now=$(guest_ms 'bulkhead: init: reboot now$')
    info "shutdown: QEMU exited $(fmt_ms $(($(now_ms) - t_key))) after ctrl-alt-delete${t_now:+; the guest took $((t_now - t_req)) ms from the request to \"reboot now\"}"
    l_req=$(serial_line 'bulkhead: init: reboot requested by ctrl-alt-del')
    for svc in $(config_long_running); do
        l_stopping[$svc]=$(serial_line "bulkhead: supervisor: stopping service $svc \\(pid [0-9]+\\)\$")
        l_stopped[$svc]=$(serial_line "bulkhead: supervisor: service $svc stopped \\(")
        if [ "${l_stopping[$svc]}" -le "$l_req" ] || [ "${l_stopped[$svc]}" -le "${l_stopping[$svc]}" ]; then
            why="no \"stopping service $svc\" and \"service $svc stopped\" after the request"
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
    l_all=$(serial_line 'bulkhead: init: all services stopped; sending SIGTERM to every other process')
    l_umount=$(serial_line 'bulkhead: init: unmounting file systems$')
    l_now=$(serial_line 'bulkhead: init: reboot now$')
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
    if ! out=$(build_initramfs "$bulkhead" "$LINUX_VM/initrd.cpio.gz" "$@" 2>&1); then
        why="initramfs build failed: $(tail -n 3 <<<"$out" | tr '\n' ' ')"
        return 1
    fi
    if ! qemu_start_linux "$LINUX_VM" "$LINUX_VM/initrd.cpio.gz" "" "${QEMU_EXTRA[@]}" \
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
    if ! linux_wait 'This is an emergency shell' "$BOOT_TIMEOUT"; then
        why=$(wait_why 'no emergency shell on the console')
        return 1
    fi
    if ! serial_has 'bulkhead: config: /etc/bulkhead/bulkhead.cfg:2: config parsing error'; then
        why='the syntax error is not reported as /etc/bulkhead/bulkhead.cfg:2'
        return 1
    fi
    if ! serial_has 'bulkhead: init: boot failed: the system configuration cannot be read$'; then
        why='no "boot failed" line'
        return 1
    fi
    if ! serial_has 'bulkhead: init: emergency shell /bin/sh started on the console \(pid [0-9]+\)$'; then
        why='no "emergency shell ... started" line'
        return 1
    fi
    # The services do not depend on bulkhead.cfg: they still come up.
    if ! linux_wait 'bulkhead: supervisor: service testsvc is ready' "$STEP_TIMEOUT"; then
        why=$(wait_why 'testsvc did not start after the failed boot')
        return 1
    fi
    if ! qemu_sendkey "$LINUX_VM" ctrl-alt-delete 2>"$LINUX_VM/wait.err" ||
        ! linux_wait 'bulkhead: init: reboot now$' "$STEP_TIMEOUT" ||
        ! linux_wait_exit "$EXIT_TIMEOUT"; then
        why=$(wait_why 'no ordered reboot after ctrl-alt-delete from the emergency state')
        return 1
    fi
    if ! check_no_panic; then
        return 1
    fi
    info "emergency: broken bulkhead.cfg reported at line 2, emergency shell started, services up, reboot in order; artifacts in $LINUX_VM"
}

# linux_wait_count ERE N TIMEOUT_S: N serial lines match ERE.
linux_wait_count() {
    local deadline=$(($(now_ms) + $3 * 1000))
    while [ "$(serial | grep -cE -- "$1")" -lt "$2" ]; do
        [ "$(now_ms)" -lt "$deadline" ] || return 1
        sleep 0.2
    done
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
    QEMU_EXTRA=(-device qemu-xhci,id=xhci)
    LINUX_CONFIG=$LINUX_ROOT/tests/linux/desktop-config boot_own_machine --desktop || return 1
    QEMU_EXTRA=()
    if ! linux_wait 'bulkhead: compositor: DRM: /dev/dri/card0' "$BOOT_TIMEOUT"; then
        why=$(wait_why 'the compositor did not take the screen')
        return 1
    fi
    # Whichever window came first has the focus; the other must not take it.
    if ! linux_wait 'DEMO (red|blue)-vm window 0 FOCUS 1' "$STEP_TIMEOUT"; then
        why=$(wait_why 'no demo window got the focus')
        return 1
    fi
    first=$(serial | sed -n 's/.*DEMO \([a-z]*-vm\) window 0 FOCUS 1.*/\1/p' | head -n 1)
    second=$([ "$first" = red-vm ] && echo blue-vm || echo red-vm)
    if ! demo_said "$second" CONFIGURE; then
        why=$(wait_why "$second's window never came")
        return 1
    fi
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
    if serial_has 'DEMO [a-z-]+ window 0 KEY 15 '; then
        why="the binding's Tab reached a domain"
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
    if ! linux_wait 'bulkhead: input: /dev/input/event[0-9]+: QEMU QEMU USB Keyboard' "$STEP_TIMEOUT"; then
        why=$(wait_why 'the plugged-in USB keyboard was not picked up')
        return 1
    fi
    qemu_sendkey "$LINUX_VM" c && demo_said "$first" 'KEY 46 0' ||
        { why=$(wait_why "the key c from the USB keyboard did not reach $first"); return 1; }
    qemu_monitor "$LINUX_VM" 'device_del kb2' >/dev/null ||
        { why='the monitor refused to unplug the USB keyboard'; return 1; }
    if ! linux_wait 'bulkhead: input: /dev/input/event[0-9]+: gone' "$STEP_TIMEOUT"; then
        why=$(wait_why 'the unplugged USB keyboard was not let go')
        return 1
    fi
    sleep 1
    screendump "$png" || return 1
    counts=$(python3 "$LINUX_ROOT/tests/qemu/png.py" count "$png" cc0000 3465a4)
    read -r red blue <<<"$counts"
    info "desktop: $first focused first, Super+Tab to $second, a click back to $first (swallowed, press and release) and one delivered to it, a USB keyboard plugged in, typed on and unplugged; $png: $red red and $blue blue frame pixels"
    if [ "${red:-0}" -lt 2000 ] || [ "${blue:-0}" -lt 2000 ]; then
        why="$png does not show both frames (cc0000: $red, 3465a4: $blue pixels)"
        return 1
    fi
    # (ctrl-alt-delete would not reach the kernel: the compositor has
    # grabbed the keyboard; the machine's work is done anyway.)
    check_no_panic
}

# --- run them ---

run_checks "${CHECKS[@]}"

# The summary is about the main boot, whichever machine ran last.
LINUX_VM=$LINUX_ROOT/build/linux
if [ "$t_boot" -gt 0 ]; then
    kernel_init=$(serial | sed -n 's/^\[ *\([0-9]*\.[0-9]*\)\] Run \/init as init process$/\1/p')
    guest_boot=$(serial | sed -n 's/.*bulkhead: init: boot done in \([0-9]*\) ms;.*/\1/p')
    info "timing: boot $(fmt_ms $((t_boot - t_qemu))) wall (QEMU start to \"boot done\"); kernel ran /init at ${kernel_init:-?} s, bulkhead booted in ${guest_boot:-?} ms"
fi
info "timing: whole run $(fmt_ms $(($(now_ms) - run_start)))"
info "artifacts in $LINUX_VM (serial.log, boot.png, initrd.cpio.gz) and $EMERGENCY_VM"
finish_suite
