#!/usr/bin/env bash
# The compositor on its headless output with real client processes over the
# local transport (tests/gui/config: red-vm red, blue-vm blue, evil-vm
# orange), as a user and a hostile domain would drive it:
#   frames      two demo clients: the screenshot shows each window framed in
#               its label colour, the focused one's pixels as drawn, the
#               other's tinted, and the status bar
#   keys        keys reach the focused client only; Super+Tab moves focus
#               and never reaches a client (its Tab neither pressed nor
#               released anywhere); the held Super is released in the window
#               losing focus and pressed in the one gaining it
#   lock        Super+L locks the screen: nothing of a domain on it (no
#               frame colour), no key, binding, pointer move or wheel reaches
#               a domain; a wrong passphrase is refused and said, the next
#               try waits; the right one (desktop.cfg's hash) unlocks, the
#               windows come back and keys reach the focused one again
#   garbage     a client sending bytes that are no message is dropped; the
#               others still get keys and stay on screen
#   flood       a client creating windows past GUI_WINDOWS_MAX is dropped
#   bad-damage  a client damaging pixels outside its buffer is dropped
#   unknown-window  a client naming a window it does not have is dropped
#   small-buffer  a client whose buffer is smaller than its window is dropped
#   few-grants  a BUFFER listing fewer grant refs than its pages is dropped
#   long-title  a TITLE over GUI_TITLE_MAX is dropped
#   workspaces  Super+Shift+2 moves the focused window to workspace 2 and
#               Super+2 shows it there alone
#   launcher    Super+Return, "red-vm xterm", Return: red-vm is asked to run
#               xterm (the demo opens a window for it); the typed keys reach
#               no domain
#   close       Super+Shift+Q asks the focused window (blue-vm's) to close,
#               and only it; the demo closes and its frame goes
#   restart     the compositor is SIGKILLed and started again (as PID 1
#               would): red-vm's client, which reconnects as an agent does,
#               is back on screen in its frame
#   confined    /proc/PID/status of the compositor, once up: a uid not 0, no
#               capability (effective, permitted, bounding), NoNewPrivs 1,
#               Seccomp 2 (a filter)
#   forbidden-syscall  the compositor made to call execve (gdb) dies of
#               SIGSYS; started again, red-vm is back
#   terminal    the guest agent (bulkhead agent --socket, as green-vm) opens
#               a terminal; focused with Super+Tab, "echo hello >typed" and
#               Return typed as keys run in its shell (the file appears) and
#               no key reaches red-vm; the launcher's "green-vm" (no command)
#               opens a second one; Super+Shift+Q ends the focused one's
#               shell and its window goes
#   wayland     the agent as a Wayland compositor (agent --wayland-socket, as
#               wl-vm): weston-simple-shm, a real program nobody here wrote,
#               draws into a purple-framed window; two screenshots half a
#               second apart differ inside its frame and nowhere else; a
#               client sending garbage is disconnected alone (the agent and
#               simple-shm go on); Super+Tab's focus reaches it as
#               xdg-shell's "activated"; foot, focused, runs "touch footfile"
#               typed as keys (the file appears) and no demo gets a key;
#               weston-subsurfaces' subsurfaces are composed into its window;
#               the launcher's "wl-vm weston-flower" runs as a program (not
#               in a terminal) and its window comes; a program with 60
#               toplevels (tests/gui/wlflood.py) gets windows for 48 at most
#               and wl-vm's channel is not dropped; the launcher's "wl-vm
#               nosuchprog" is said in the bar (command not found)
#   popups      weston-terminal's menu and GTK's combo box list (real
#               programs' xdg_popups) open inside their window, framed in
#               its colour, nothing changing outside it; GTK's list takes
#               the keys while open; a click elsewhere closes the menu
#   xwayland    the launcher's "wl-vm xterm" starts Xwayland (the agent's
#               --xwayland) and xterm's window comes, purple-framed; keys
#               typed there run "touch xtermfile"; its Ctrl+click menu opens
#               as a popup inside its window
#   wheel       ten wheel steps (ctl pointer X Y -10) over foot, alone on a
#               workspace after printing 300 lines, scroll its view back:
#               its pixels change inside its frame only
#   clipboard   dom0's clipboard: a demo's (clip-vm) copied with Ctrl+Shift+C
#               (the bar shows it), pasted with Ctrl+Shift+V into green-vm's
#               terminal (typed, run by the user's Return); a second paste
#               gets nothing; the terminal's selection (its command line,
#               dragged over) copied and pasted into clip-vm; foot's
#               selection (a real program's primary selection, through the agent)
#               refused for green-vm by the policy, kept, pasted into
#               clip-vm; clip-vm's pasted into wl-vm, where foot's own
#               Shift+Insert types it; the bytes in no log
#   clip-unasked  a client sending a clipboard dom0 did not ask for is dropped
#   exited-unasked  a client saying a command failed that dom0 never sent it
#               is dropped, and its words reach no bar
#   heads       a compositor of two heads (headless_size "800x500,640x480"):
#               a window moved to workspace 2 shows on the right head, Super+2
#               on the left head trades the heads' workspaces (heads-*.png)
#   no-sockets  a compositor whose desktop.cfg sets no gui_dir makes no
#               local socket (a fresh /run in a mount namespace of its own)
#   launcher-dispvm  the launcher's "@dispvm foot" asks a fake domain
#               manager for a disposable (tests/gui/dispvm.py): its answer's
#               first window takes the focus, purple-framed; a refusal is
#               said in the bar; a USB device that comes to sys-usb is said
#               in the bar, none of the first list, none of a refused list
#   input-proxy a USB domain's keyboards (tests/gui/inputproxy.py, against a
#               fake manager listing sys-usb of class usb): asked about,
#               nothing typed before the user's answer, a Return as the
#               question comes not taken, Escape refuses, Return a second
#               later accepts and it types into the focused window, a key
#               it holds released when its channel goes; an event out of
#               bounds drops sys-usb and dom0's keys still type; asked again
#               on a new channel; a domain of another class or an older
#               version dropped for announcing one (input-question.png)
#   hostile-*   hostile domains (tests/gui/hostile.py) against the fairness
#               rules, each on a compositor of its own: tests/gui/hostile.sh
# usage: tests/gui/run.sh BULKHEAD   (leaves build/gui/, build/results/gui)
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
if [ $# -ne 1 ] || [ ! -x "$1" ]; then
    echo "usage: $0 PATH/TO/bulkhead" >&2
    exit 2
fi
BH=$(realpath "$1")
W=$top/build/gui
rm -rf "$W"
mkdir -p "$W" "$top/build/results"
cp -r "$here/config" "$W/config"
printf 'gui_dir = "%s/sock"\ncontrol_socket = "%s/ctl"\nscreenshot_dir = "%s"\n' "$W" "$W" "$W" \
    >> "$W/config/desktop.cfg"
# The compositor writes its screenshots here as its own uid.
chmod 1777 "$W"
passed=0 failed=0 comp_pid='' demo_pids=()

cleanup() {
    local p
    for p in "${demo_pids[@]}" $comp_pid; do kill "$p" 2>/dev/null || true; done
    # The launcher's program, a session of its own under wl-vm's agent.
    pkill -x weston-flower 2>/dev/null || true
    pkill -x weston-terminal 2>/dev/null || true
    pkill -x gtk3-widget-fac 2>/dev/null || true
    pkill -x xterm 2>/dev/null || true
    wait 2>/dev/null || true
}
trap cleanup EXIT

ctl() { "$BH" ctl --socket "$W/ctl" "$@"; }

# shellcheck source=tests/gui/waits.sh
. "$here/waits.sh"

# demo NAME ARGS...: a demo client as domain NAME, its output in NAME.out.
demo() {
    local name=$1
    shift
    "$BH" gui-demo --socket "$W/sock/$name.sock" "$@" > "$W/$name.out" 2>&1 &
    demo_pids+=($!)
}

# keys CODE VALUE...: pairs, as a keyboard would send them.
keys() {
    while [ $# -ge 2 ]; do
        ctl key "$1" "$2" || return 1
        shift 2
    done
}

shot() { ctl screenshot "$W/$1.png" && python3 "$top/tests/qemu/png.py" count "$W/$1.png" "${@:2}"; }

result() {
    if [ "$1" -eq 0 ]; then
        echo "PASS: $2"
        passed=$((passed + 1))
    else
        echo "FAIL: $2: $why"
        echo "--- compositor log (last 15 lines) ---"
        tail -n 15 "$W/compositor.log"
        failed=$((failed + 1))
    fi
}

start_compositor() {
    "$BH" compositor --config "$W/config" > "$W/compositor.log" 2>&1 &
    comp_pid=$!
    wait_for "$W/compositor.log" 'compositor up' && [ -S "$W/ctl" ]
}

check_frames() {
    demo red-vm --title "red one" --color 802020 --reconnect
    wait_for "$W/red-vm.out" 'CONFIGURE' || { why="red-vm's window never configured"; return 1; }
    demo blue-vm --title "blue one" --color 203080 --reconnect
    wait_for "$W/blue-vm.out" 'CONFIGURE' || { why="blue-vm's window never configured"; return 1; }
    # Nobody asked for either window: neither takes the keyboard, even on
    # an empty desktop; the user's Super+Tab gives it to the first.
    if grep -q 'FOCUS 1' "$W/red-vm.out" "$W/blue-vm.out"; then
        why="a window took the focus as it appeared: $(grep -h 'FOCUS 1' "$W"/*-vm.out | head -1)"
        return 1
    fi
    keys KEY_LEFTMETA 1 KEY_TAB 1 KEY_TAB 0 KEY_LEFTMETA 0
    wait_for "$W/red-vm.out" 'FOCUS 1' || { why="Super+Tab did not focus red-vm"; return 1; }
    sleep 0.3
    # red border, blue border, red's pixels (focused, untinted), blue's
    # pixels untinted (must not be there: it is unfocused)
    local counts
    counts=$(shot frames cc0000 3465a4 802020 203080) || { why="no screenshot"; return 1; }
    read -r red blue redpx bluepx <<<"$counts"
    echo "gui: frames: border pixels red $red blue $blue; content red $redpx, blue untinted $bluepx"
    if [ "$red" -lt 2000 ] || [ "$blue" -lt 2000 ]; then
        why="frames not in label colours (cc0000: $red, 3465a4: $blue pixels)"
        return 1
    fi
    if [ "$redpx" -lt 200000 ] || [ "$bluepx" -ne 0 ]; then
        why="focused red content $redpx px (want > 200000), unfocused blue untinted $bluepx (want 0)"
        return 1
    fi
}

check_keys() {
    keys KEY_A 1 KEY_A 0
    wait_for "$W/red-vm.out" 'KEY 30 0' || { why="red-vm (focused) did not get KEY_A"; return 1; }
    # Super+Tab: focus-next, to blue-vm.
    keys KEY_LEFTMETA 1 KEY_TAB 1 KEY_TAB 0 KEY_LEFTMETA 0
    wait_for "$W/blue-vm.out" 'FOCUS 1' || { why="Super+Tab did not focus blue-vm"; return 1; }
    keys KEY_B 1 KEY_B 0
    wait_for "$W/blue-vm.out" 'KEY 48 0' || { why="blue-vm (focused) did not get KEY_B"; return 1; }
    if grep -q 'KEY 48 ' "$W/red-vm.out"; then why="red-vm got KEY_B while blue-vm had focus"; return 1; fi
    if grep -qE 'KEY 30 ' "$W/blue-vm.out"; then why="blue-vm got KEY_A while red-vm had focus"; return 1; fi
    if grep -qE 'KEY 15 ' "$W/red-vm.out" "$W/blue-vm.out"; then
        why="the binding's Tab reached a domain: $(grep -hE 'KEY 15 ' "$W"/*-vm.out | head -1)"
        return 1
    fi
    # No key of the binding reaches a domain, its Super neither.
    if grep -qE 'KEY 125 ' "$W/red-vm.out" "$W/blue-vm.out"; then
        why="the binding's Super reached a domain: $(grep -hE 'KEY 125 ' "$W"/*-vm.out | head -1)"
        return 1
    fi
    # Shift+A is the domain's own: Shift reaches it, before A.
    keys KEY_LEFTSHIFT 1 KEY_A 1 KEY_A 0 KEY_LEFTSHIFT 0
    wait_for "$W/blue-vm.out" 'KEY 42 0' || { why="blue-vm did not get Shift+A's Shift"; return 1; }
    if [ "$(grep -oE 'KEY (42|30) [01]' "$W/blue-vm.out" | tr '\n' ' ')" != "KEY 42 1 KEY 30 1 KEY 30 0 KEY 42 0 " ]; then
        why="Shift+A reached blue-vm as $(grep -oE 'KEY (42|30) [01]' "$W/blue-vm.out" | tr '\n' ' ')"
        return 1
    fi
}

# A failed check_lock must not leave the rest of the suite locked out.
check_lock() {
    lock_steps && return 0
    grep -q 'event=unlocked' "$W/compositor.log" && return 1
    sleep 2
    type_text sesame
    keys KEY_ENTER 1 KEY_ENTER 0
    return 1
}

lock_steps() {
    local before counts
    before=$(wc -l < "$W/blue-vm.out")
    keys KEY_LEFTMETA 1 KEY_L 1 KEY_L 0 KEY_LEFTMETA 0
    wait_for "$W/compositor.log" 'event=locked' || { why="Super+L did not lock"; return 1; }
    counts=$(shot locked cc0000 3465a4 000000) || { why="no screenshot"; return 1; }
    read -r red blue black <<<"$counts"
    if [ "$red" -ne 0 ] || [ "$blue" -ne 0 ] || [ "$black" -lt 500000 ]; then
        why="locked, the screen still shows red $red, blue $blue frame pixels (black $black)"
        return 1
    fi
    # Typed, a binding, the pointer: nobody's but the lock's.
    type_text open || { why="cannot type"; return 1; }
    keys KEY_ENTER 1 KEY_ENTER 0 KEY_LEFTMETA 1 KEY_TAB 1 KEY_TAB 0 KEY_LEFTMETA 0
    ctl pointer 300 300 -3 >/dev/null
    wait_for "$W/compositor.log" 'event=unlock-refused failures=1' ||
        { why="a wrong passphrase was not refused"; return 1; }
    ctl screenshot "$W/locked-wrong.png" || { why="no screenshot"; return 1; }
    type_text sesame
    keys KEY_ENTER 1 KEY_ENTER 0
    sleep 0.3
    if grep -q 'event=unlocked' "$W/compositor.log"; then
        why="unlocked within the wait after a wrong passphrase"
        return 1
    fi
    if [ "$(wc -l < "$W/blue-vm.out")" -ne "$before" ]; then
        why="blue-vm got something while locked: $(tail -n +$((before + 1)) "$W/blue-vm.out" | head -3)"
        return 1
    fi
    sleep 1
    keys KEY_ENTER 1 KEY_ENTER 0	# what was typed during the wait is kept
    wait_for "$W/compositor.log" 'event=unlocked' || { why="the right passphrase did not unlock"; return 1; }
    counts=$(shot unlocked cc0000 3465a4) || { why="no screenshot"; return 1; }
    read -r red blue <<<"$counts"
    if [ "$red" -lt 2000 ] || [ "$blue" -lt 2000 ]; then
        why="unlocked, the windows are not back (red $red, blue $blue)"
        return 1
    fi
    keys KEY_E 1 KEY_E 0
    wait_for "$W/blue-vm.out" 'KEY 18 0' || { why="unlocked, blue-vm gets no key"; return 1; }
    if grep -qE 'KEY (24|25|31|49|15|125) ' "$W/blue-vm.out"; then
        why="a key typed on the lock screen reached blue-vm"
        return 1
    fi
}

check_garbage() {
    demo evil-vm --title evil --misbehave garbage
    wait_for "$W/compositor.log" 'domain evil-vm: GUI channel dropped: malformed message' ||
        { why="evil-vm's garbage was not refused"; return 1; }
    wait_for "$W/evil-vm.out" 'dropped: ' || { why="evil-vm's channel stayed open"; return 1; }
    keys KEY_C 1 KEY_C 0
    wait_for "$W/blue-vm.out" 'KEY 46 0' || { why="blue-vm got no key after evil-vm was dropped"; return 1; }
    local counts
    counts=$(shot after-garbage cc0000 3465a4 f57900) || { why="no screenshot"; return 1; }
    read -r red blue orange <<<"$counts"
    if [ "$red" -lt 2000 ] || [ "$blue" -lt 2000 ] || [ "$orange" -gt 100 ]; then
        why="after the drop: red $red, blue $blue, orange $orange frame pixels"
        return 1
    fi
}

check_flood() {
    demo evil-vm --title flood --misbehave flood
    wait_for "$W/compositor.log" "domain evil-vm: GUI channel dropped: more than 64 windows" ||
        { why="the window flood was not stopped"; return 1; }
    keys KEY_D 1 KEY_D 0
    wait_for "$W/blue-vm.out" 'KEY 32 0' || { why="blue-vm got no key after the flood"; return 1; }
}

# refused MODE LOG WHAT: evil-vm misbehaving as MODE is dropped, the
# compositor logging LOG.
refused() {
    demo evil-vm --title "$1" --misbehave "$1"
    wait_for "$W/compositor.log" "GUI channel dropped: $2" || { why="$3 was not refused"; return 1; }
}

check_bad_damage() { refused bad-damage "window 1: DAMAGE" "damage outside the buffer"; }

check_unknown_window() {
    refused unknown-window "TITLE for window 1001, which does not exist" \
        "a message for someone else's window"
}

check_small_buffer() {
    refused small-buffer "window 1: BUFFER memfd smaller than stride * height" \
        "a buffer smaller than its window"
}

check_few_grants() {
    refused few-grants "malformed message: BUFFER grant count is not the pages" \
        "a BUFFER with too few grants"
}

check_long_title() {
    refused long-title "malformed message: TITLE longer than GUI_TITLE_MAX" "an oversized title"
}

check_workspaces() {
    # blue-vm has focus: to workspace 2, then there.
    keys KEY_LEFTMETA 1 KEY_LEFTSHIFT 1 KEY_2 1 KEY_2 0 KEY_LEFTSHIFT 0 KEY_LEFTMETA 0
    keys KEY_LEFTMETA 1 KEY_2 1 KEY_2 0 KEY_LEFTMETA 0
    sleep 0.3
    local counts
    counts=$(shot workspace2 cc0000 3465a4 203080) || { why="no screenshot"; return 1; }
    read -r red blue bluepx <<<"$counts"
    echo "gui: workspaces: on workspace 2: red frame $red px, blue frame $blue px, blue content $bluepx px"
    # (red-vm's chip in the status bar is 100 red pixels)
    if [ "$red" -gt 200 ] || [ "$blue" -lt 2000 ] || [ "$bluepx" -lt 400000 ]; then
        why="workspace 2 should show blue-vm alone, full size"
        return 1
    fi
    # Super and Shift are no bindings and go to the window; the 2 is one.
    if grep -qE 'KEY 3 ' "$W/blue-vm.out"; then
        why="a workspace binding's key reached blue-vm"
        return 1
    fi
}

# type TEXT: the keys of TEXT (a-z, 0-9, '-', ' ', '.', '>', '/') on a US
# keyboard, pressed and released.
type_text() {
    local i c name shift
    for ((i = 0; i < ${#1}; i++)); do
        c=${1:i:1} shift=0
        case $c in
            ' ') name=KEY_SPACE ;;
            -) name=KEY_MINUS ;;
            .) name=KEY_DOT ;;
            '>') name=KEY_DOT shift=1 ;;
            /) name=KEY_SLASH ;;
            *) name=KEY_${c^^} ;;
        esac
        [ "$shift" = 0 ] || keys KEY_LEFTSHIFT 1 || return 1
        keys "$name" 1 "$name" 0 || return 1
        [ "$shift" = 0 ] || keys KEY_LEFTSHIFT 0 || return 1
    done
}

# focus_domain NAME: Super+Tab until a window of NAME's has the focus.
focus_domain() {
    local i
    for ((i = 0; i < 10; i++)); do
        [ "$(grep -oE 'event=window-focus name=[^ ]+ window=[0-9]+ focused=1' "$W/compositor.log" |
            tail -1 | cut -d' ' -f2)" = "name=$1" ] && return 0
        keys KEY_LEFTMETA 1 KEY_TAB 1 KEY_TAB 0 KEY_LEFTMETA 0
        sleep 0.2
    done
    return 1
}

# Keys the demos got.
keys_seen() { cat "$W"/*-vm.out | grep -c ' KEY '; }

check_terminal() {
    (cd "$W" && exec "$BH" agent --socket "$W/sock/green-vm.sock" --terminal > "$W/green-vm.agent" 2>&1) &
    demo_pids+=($!)
    wait_for "$W/compositor.log" 'domain green-vm: GUI channel up' ||
        { why="the agent's channel did not come up"; return 1; }
    wait_for "$W/green-vm.agent" 'runs "terminal"' && sleep 0.3
    # Nothing has the focus on the new compositor: Super+Shift+Tab gives it
    # to the last window, the terminal.
    keys KEY_LEFTMETA 1 KEY_LEFTSHIFT 1 KEY_TAB 1 KEY_TAB 0 KEY_LEFTSHIFT 0 KEY_LEFTMETA 0
    local before
    before=$(keys_seen)
    type_text "echo hello >typed" && keys KEY_ENTER 1 KEY_ENTER 0
    local i
    for ((i = 0; i < 100; i++)); do [ -s "$W/typed" ] && break; sleep 0.05; done
    if [ "$(cat "$W/typed" 2>/dev/null)" != hello ]; then
        why="the typed command did not run in the terminal's shell ($W/typed: $(cat "$W/typed" 2>&1))"
        return 1
    fi
    if [ "$(keys_seen)" -gt "$before" ]; then
        why="keys typed into the terminal reached a demo: $(grep -h ' KEY ' "$W"/*-vm.out | tail -3 | tr '\n' ' ')"
        return 1
    fi
    term_size size1 || return 1
    sleep 0.3
    local counts
    counts=$(shot terminal 73d216 d0d0d0) || { why="no screenshot"; return 1; }
    read -r green text <<<"$counts"
    echo "gui: terminal: green frame $green px, text $text px"
    if [ "$green" -lt 2000 ] || [ "$text" -lt 200 ]; then
        why="no green-framed terminal with text on screen (frame $green px, text $text px)"
        return 1
    fi
    keys KEY_LEFTMETA 1 KEY_ENTER 1 KEY_ENTER 0 KEY_LEFTMETA 0
    type_text "green-vm"
    keys KEY_ENTER 1 KEY_ENTER 0
    wait_for "$W/green-vm.agent" 'the desktop asks for "terminal"' ||
        { why="the launcher's terminal was not asked of green-vm"; return 1; }
    for ((i = 0; i < 100; i++)); do
        [ "$(grep -c 'runs "terminal"' "$W/green-vm.agent")" -ge 2 ] && break
        sleep 0.05
    done
    [ "$(grep -c 'runs "terminal"' "$W/green-vm.agent")" -ge 2 ] ||
        { why="no second terminal: $(tail -2 "$W/green-vm.agent" | tr '\n' ' ')"; return 1; }
    # The launched terminal has the keyboard; its pty has its window's
    # size, half the first's now that the two share the screen.
    sleep 0.3
    term_size size2 || return 1
    keys KEY_LEFTMETA 1 KEY_LEFTSHIFT 1 KEY_Q 1 KEY_Q 0 KEY_LEFTSHIFT 0 KEY_LEFTMETA 0
    wait_for "$W/green-vm.agent" 'ended' ||
        { why="Super+Shift+Q did not end the focused terminal"; return 1; }
    wait_for "$W/compositor.log" 'domain green-vm: GUI channel dropped' 1 && {
        why="closing one terminal dropped green-vm's channel"
        return 1
    }
    # The focus is back in the first terminal, whose pty is whole again.
    sleep 0.3
    term_size size3 || return 1
    local rows1 cols1 rows2 cols2
    read -r rows1 cols1 <"$W/size1"
    read -r rows2 cols2 <"$W/size2"
    echo "gui: terminal: stty size ${rows1}x${cols1} alone, ${rows2}x${cols2} beside it, $(cat "$W/size3") alone again"
    if ! { [ "$cols2" = "$cols1" ] && [ "$rows2" -ge 5 ] && [ $((rows2 * 2)) -le $((rows1 + 2)) ]; } &&
        ! { [ "$rows2" = "$rows1" ] && [ "$cols2" -ge 10 ] && [ $((cols2 * 2)) -le $((cols1 + 2)) ]; }; then
        why="the second terminal's pty is ${rows2}x${cols2} beside the first's ${rows1}x${cols1}"
        return 1
    fi
    if [ "$(cat "$W/size3")" != "$(cat "$W/size1")" ]; then
        why="the first terminal's pty did not follow its window back: $(cat "$W/size3") after $(cat "$W/size1")"
        return 1
    fi
}

# term_size FILE: `stty size' typed into the focused terminal, into $W/FILE.
term_size() {
    rm -f "$W/$1"
    type_text "stty size >$1" && keys KEY_ENTER 1 KEY_ENTER 0 || return 1
    local i
    for ((i = 0; i < 100; i++)); do [ -s "$W/$1" ] && return 0; sleep 0.05; done
    why="stty size typed into the focused terminal wrote no $W/$1"
    return 1
}

check_wayland() {
    mkdir -p "$W/run" && chmod 700 "$W/run"
    (cd "$W" && XDG_RUNTIME_DIR=$W/run exec "$BH" agent --socket "$W/sock/wl-vm.sock" \
        --wayland-socket wl-test --xwayland > "$W/wl-vm.agent" 2>&1) &
    demo_pids+=($!)
    wait_for "$W/compositor.log" 'domain wl-vm: GUI channel up' ||
        { why="the agent's channel did not come up: $(tail -2 "$W/wl-vm.agent" | tr '\n' ' ')"; return 1; }
    wait_for "$W/wl-vm.agent" 'event=wayland-up socket=wl-test' ||
        { why="the agent serves no Wayland socket: $(tail -2 "$W/wl-vm.agent" | tr '\n' ' ')"; return 1; }
    (XDG_RUNTIME_DIR=$W/run WAYLAND_DISPLAY=wl-test WAYLAND_DEBUG=1 exec weston-simple-shm \
        > "$W/simple-shm.out" 2>&1) &
    demo_pids+=($!)
    wait_for "$W/compositor.log" 'event=window-new name=wl-vm' ||
        { why="weston-simple-shm's toplevel made no window: $(tail -2 "$W/simple-shm.out" | tr '\n' ' ')"; return 1; }
    sleep 1
    local changed inside outside
    ctl screenshot "$W/wayland-1.png" && sleep 0.5 && ctl screenshot "$W/wayland-2.png" ||
        { why="no screenshot"; return 1; }
    changed=$(python3 "$top/tests/qemu/png.py" changed "$W/wayland-1.png" "$W/wayland-2.png" 75507b) ||
        { why="no purple frame on $W/wayland-1.png"; return 1; }
    read -r inside outside <<<"$changed"
    echo "gui: wayland: weston-simple-shm animated: $inside pixels changed inside wl-vm's frame, $outside outside"
    if [ "$inside" -lt 10000 ] || [ "$outside" -ne 0 ]; then
        why="weston-simple-shm's frames: $inside pixels changed inside its frame, $outside outside"
        return 1
    fi
    # A client that sends garbage is disconnected alone: the agent and
    # weston-simple-shm go on.
    local said
    said=$(python3 - "$W/run/wl-test" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
# wl_display@1's request 7 (it has two), 8 bytes long, then noise.
s.sendall(bytes([1, 0, 0, 0, 7, 0, 8, 0]) + bytes(range(256)) * 8)
s.settimeout(5)
got = b""
try:
    while True:
        d = s.recv(4096)
        if not d:
            break
        got += d
except OSError as e:
    sys.exit(f"not disconnected: {e}")
# wl_display.error: header (8), object (4), code (4), string length (4), text.
print(got[20:].split(b"\0")[0].decode(errors="replace"))
PY
) || { why="the garbage client: $said"; return 1; }
    [[ "$said" == "invalid method 7, object wl_display@1" ]] ||
        { why="the garbage client was told \"$said\""; return 1; }
    sleep 0.5
    kill -0 "${demo_pids[-2]}" 2>/dev/null || { why="the agent died of a garbage client: $(tail -2 "$W/wl-vm.agent" | tr '\n' ' ')"; return 1; }
    ctl screenshot "$W/wayland-3.png" && sleep 0.5 && ctl screenshot "$W/wayland-4.png" ||
        { why="no screenshot"; return 1; }
    read -r inside outside <<<"$(python3 "$top/tests/qemu/png.py" changed "$W/wayland-3.png" "$W/wayland-4.png" 75507b)"
    if [ "${inside:-0}" -lt 10000 ]; then
        why="weston-simple-shm stopped after a garbage client: $inside pixels changed"
        return 1
    fi
    # The focus, given by the user (Super+Tab until it is there), is the
    # toplevel's "activated" state (4).
    focus_domain wl-vm || { why="Super+Tab never focused wl-vm's window"; return 1; }
    wait_for "$W/simple-shm.out" 'array[4])' ||
        { why="the focus did not reach weston-simple-shm as \"activated\""; return 1; }
    # foot, a real Wayland terminal: its window at the size dom0 tiles it
    # to, no title bar of its own (server-side decoration), and keys typed
    # with `ctl key' run in its shell.
    mkdir -p "$W/foot-home"
    (cd "$W/foot-home" && XDG_RUNTIME_DIR=$W/run WAYLAND_DISPLAY=wl-test SHELL=/bin/sh WAYLAND_DEBUG=1 exec foot \
        -o font=monospace:size=10 > "$W/foot.out" 2>&1) &
    demo_pids+=($!)
    local n
    n=$(grep -c 'event=window-new name=wl-vm' "$W/compositor.log")
    for ((i = 0; i < 100; i++)); do
        [ "$(grep -c 'event=window-new name=wl-vm' "$W/compositor.log")" -gt "$n" ] && break
        sleep 0.05
    done
    ((i < 100)) || { why="foot made no window: $(grep -v '^info' "$W/foot.out" | tail -2 | tr '\n' ' ')"; return 1; }
    sleep 1
    # Super+Tab until foot's window (wl-vm's second) has the focus.
    local before
    before=$(keys_seen)
    for ((i = 0; i < 8; i++)); do
        keys KEY_LEFTMETA 1 KEY_TAB 1 KEY_TAB 0 KEY_LEFTMETA 0
        sleep 0.2
        [[ "$(grep 'event=window-focus' "$W/compositor.log" | grep 'focused=1' | tail -n 1)" == \
            *"name=wl-vm window=2 focused=1"* ]] && break
    done
    ((i < 8)) || { why="Super+Tab never gave foot's window the focus"; return 1; }
    type_text "touch footfile" && keys KEY_ENTER 1 KEY_ENTER 0
    for ((i = 0; i < 100; i++)); do [ -e "$W/foot-home/footfile" ] && break; sleep 0.05; done
    [ -e "$W/foot-home/footfile" ] ||
        { why="\"touch footfile\" typed into foot did not run: $(grep -c 'wl_keyboard@[0-9]*\.key(' "$W/foot.out") keys, last keyboard lines: $(grep 'wl_keyboard@[0-9]*\.\(enter\|leave\)' "$W/foot.out" | tail -2 | tr '\n' ' ')"; return 1; }
    [ ! -e "$W/footfile" ] || { why="\"touch footfile\" ran in green-vm's terminal"; return 1; }
    if [ "$(keys_seen)" -gt "$before" ]; then
        why="keys typed into foot reached a demo"
        return 1
    fi
    sleep 0.3
    local counts
    counts=$(shot wayland-foot 75507b) || { why="no screenshot"; return 1; }
    echo "gui: wayland: foot ran \"touch footfile\" typed with ctl key; purple frame pixels $counts"
    # Subsurfaces composed into their toplevel's window: weston-subsurfaces'
    # red one and dark green one over its green main surface (as wl-vm's
    # unfocused window tints them: 9d2711 and 105111).
    n=$(grep -c 'event=window-new name=wl-vm' "$W/compositor.log")
    (XDG_RUNTIME_DIR=$W/run WAYLAND_DISPLAY=wl-test WAYLAND_DEBUG=1 exec weston-subsurfaces \
        > "$W/subsurfaces.out" 2>&1) &
    demo_pids+=($!)
    for ((i = 0; i < 100; i++)); do
        [ "$(grep -c 'event=window-new name=wl-vm' "$W/compositor.log")" -gt "$n" ] && break
        sleep 0.05
    done
    sleep 1
    local subs red dark
    subs=$(grep -c 'get_subsurface' "$W/subsurfaces.out")
    counts=$(shot wayland-subsurfaces 9d2711 105111) || { why="no screenshot"; return 1; }
    read -r red dark <<<"$counts"
    echo "gui: wayland: weston-subsurfaces made $subs subsurfaces; on screen $red pixels of the red one, $dark of the dark green one"
    if [ "$subs" -lt 2 ] || [ "$red" -lt 500 ] || [ "$dark" -lt 500 ]; then
        why="weston-subsurfaces' subsurfaces are not on screen ($subs made; $red red, $dark dark green pixels)"
        return 1
    fi
    # The launcher's "wl-vm weston-flower": a program of the domain's own
    # (not in a terminal), its window through the agent.
    n=$(grep -c 'event=window-new name=wl-vm' "$W/compositor.log")
    keys KEY_LEFTMETA 1 KEY_ENTER 1 KEY_ENTER 0 KEY_LEFTMETA 0
    type_text "wl-vm weston-flower"
    keys KEY_ENTER 1 KEY_ENTER 0
    wait_for "$W/wl-vm.agent" 'runs "weston-flower"' ||
        { why="the agent did not run the launcher's weston-flower: $(tail -2 "$W/wl-vm.agent" | tr '\n' ' ')"; return 1; }
    for ((i = 0; i < 100; i++)); do
        [ "$(grep -c 'event=window-new name=wl-vm' "$W/compositor.log")" -gt "$n" ] && break
        sleep 0.05
    done
    ((i < 100)) || { why="the launcher's weston-flower made no window"; return 1; }
    grep -q 'terminal .* runs "weston-flower"' "$W/wl-vm.agent" &&
        { why="weston-flower was run in a terminal, not as a program"; return 1; }
    echo "gui: wayland: the launcher's \"wl-vm weston-flower\" ran as a program: $(grep -m1 'runs "weston-flower"' "$W/wl-vm.agent")"
    # A program that is not there: the agent says so, and dom0's bar.
    keys KEY_LEFTMETA 1 KEY_ENTER 1 KEY_ENTER 0 KEY_LEFTMETA 0
    type_text "wl-vm nosuchprog"
    keys KEY_ENTER 1 KEY_ENTER 0
    wait_for "$W/compositor.log" 'wl-vm: "nosuchprog" failed: command not found (status 127)' ||
        { why="a program that is not there was not said in the bar: $(tail -2 "$W/wl-vm.agent" | tr '\n' ' ')"; return 1; }
    shot launch-failed >/dev/null
    echo "gui: wayland: $(grep -m1 'failed: command not found' "$W/compositor.log")"
    # A program that makes 60 toplevels: the agent gives windows to 48 at
    # most (dom0's 64 less the terminals'), so dom0 never drops wl-vm for
    # too many windows, and every toplevel is still configured.
    local configured
    configured=$(python3 "$here/wlflood.py" "$W/run/wl-test" 60 2) ||
        { why="wlflood.py failed"; return 1; }
    grep -q 'windows are shown already' "$W/wl-vm.agent" ||
        { why="the agent gave all 60 toplevels a window"; return 1; }
    if grep -q 'domain wl-vm: GUI channel dropped' "$W/compositor.log"; then
        why="wl-vm's channel was dropped: $(grep -m1 'domain wl-vm: GUI channel dropped' "$W/compositor.log")"
        return 1
    fi
    if [ "$configured" != 60 ]; then
        why="$configured of 60 toplevels were configured"
        return 1
    fi
    echo "gui: wayland: a program with 60 toplevels: all configured, $(grep -c 'windows are shown already' "$W/wl-vm.agent") without a window, wl-vm's channel kept"
}

# wait_more FILE TEXT N [SECONDS]: TEXT (fixed string) is in more than N
# lines of FILE.
wait_more() {
    local i
    for ((i = 0; i < ${4:-5} * 20; i++)); do
        [ "$(grep -cF -- "$2" "$1")" -gt "$3" ] && return 0
        sleep 0.05
    done
    return 1
}

# purple_below_bar PNG: wl-vm's purple pixels below the status bar (the
# bar's chips, wl-vm's purple square among them, come and go with its
# notices: a notice that ended between two screenshots is no popup).
purple_below_bar() {
    python3 "$top/tests/qemu/png.py" within "$1" 75507b 75507b | awk '{ print $1 + $2 }'
}

# popup_shown BEFORE AFTER [MIN]: AFTER (a screenshot with a popup open,
# its event line the last popup-new) against BEFORE: what changed is
# inside wl-vm's purple frame and nowhere else, at least MIN pixels (a
# quarter of the popup's), and the purple pixels grew by the popup's
# border at least.  Sets w, h, and says what it saw.
popup_shown() {
    local line inside outside before after
    line=$(grep 'event=popup-new name=wl-vm' "$W/compositor.log" | tail -n 1)
    w=$(sed -n 's/.* width=\([0-9]*\).*/\1/p' <<<"$line")
    h=$(sed -n 's/.* height=\([0-9]*\).*/\1/p' <<<"$line")
    read -r inside outside <<<"$(python3 "$top/tests/qemu/png.py" changed "$W/$1.png" "$W/$2.png" 75507b)"
    before=$(purple_below_bar "$W/$1.png")
    after=$(purple_below_bar "$W/$2.png")
    echo "gui: popups: $2.png: a ${w}x$h popup; $inside pixels changed inside wl-vm's frame, $outside outside; purple pixels $before before, $after with it"
    if [ "${inside:-0}" -lt "${3:-$((w * h / 4))}" ] || [ "${outside:-1}" -ne 0 ]; then
        why="$2.png: $inside pixels changed inside wl-vm's frame, $outside outside"
        return 1
    fi
    if [ $((after - before)) -lt $((4 * (w + h))) ]; then
        why="$2.png: no purple border round the ${w}x$h popup ($before purple pixels before, $after with it)"
        return 1
    fi
}

# Popups of real programs, each program alone on a workspace of its own:
# weston-terminal's menu (its right button) and GTK's combo box list open
# inside their window, framed in wl-vm's purple, and nothing changes
# outside it; the GTK list takes the keys while it is open (Down, Return
# choose an item: GTK closes it itself); a click elsewhere in the window
# closes weston-terminal's menu.
# alone_on WORKSPACE OUT SECONDS PROGRAM ARGS...: PROGRAM (a Wayland
# client of wl-vm's, its protocol in $W/OUT.out) alone on WORKSPACE; once
# its window is there, a click gives it the keyboard (dom0 keeps that
# click) and $W/OUT-0.png is what it shows.
alone_on() {
    local ws=$1 out=$2 seconds=$3 n
    shift 3
    keys KEY_LEFTMETA 1 "KEY_$ws" 1 "KEY_$ws" 0 KEY_LEFTMETA 0
    n=$(grep -c 'event=window-new name=wl-vm' "$W/compositor.log")
    (XDG_RUNTIME_DIR=$W/run WAYLAND_DISPLAY=wl-test WAYLAND_DEBUG=1 GDK_BACKEND=wayland exec "$@" \
        > "$W/$out.out" 2>&1) &
    demo_pids+=($!)
    wait_more "$W/compositor.log" 'event=window-new name=wl-vm' "$n" "$seconds" ||
        { why="$1 made no window: $(grep -v '^\[' "$W/$out.out" | tail -2 | tr '\n' ' ')"; return 1; }
    sleep 2
    ctl pointer 700 600 && keys BTN_LEFT 1 BTN_LEFT 0 && sleep 0.5 &&
        ctl screenshot "$W/$out-0.png" || { why="no screenshot"; return 1; }
}

# popup_open OUT BUTTON X Y: BUTTON clicked at X,Y opens a popup of OUT's
# program; $W/OUT-popup.png shows it (once its border is drawn: the
# program draws it at its own pace), as popup_shown checks.
popup_open() {
    local n before i
    n=$(grep -c 'event=popup-new name=wl-vm' "$W/compositor.log")
    before=$(purple_below_bar "$W/$1-0.png")
    # One ctl for the press and the release: as two, the release came
    # seconds after the press on a loaded machine, after a slow GTK had
    # opened its list under the pointer, and chose from it.
    ctl pointer "$3" "$4" && ctl key "$2" 1 "$2" 0
    wait_more "$W/compositor.log" 'event=popup-new name=wl-vm' "$n" ||
        { why="$2 at $3,$4 opened no popup: $(grep -c get_popup "$W/$1.out") asked for"; return 1; }
    # Up to 30 s, until the screenshot shows the popup as popup_shown
    # wants it: on a slow machine GTK once took 25 s to read the popup's
    # configure (busy redrawing its window in software), and once had
    # drawn a fifth of it 0.3 s after its border came (CI's load).
    for ((i = 0; i < 100; i++)); do
        sleep 0.3
        ctl screenshot "$W/$1-popup.png" || { why="no screenshot"; return 1; }
        [ "$(purple_below_bar "$W/$1-popup.png")" -gt $((before + 400)) ] &&
            popup_shown "$1-0" "$1-popup" > /dev/null && break
    done
    popup_shown "$1-0" "$1-popup"
}

check_popups() {
    local w h closed popup
    alone_on 5 wterm 10 weston-terminal --shell=/bin/sh || return 1
    popup_open wterm BTN_RIGHT 512 330 || return 1
    ctl pointer 100 500 && keys BTN_LEFT 1 BTN_LEFT 0
    wait_for "$W/wterm.out" 'popup_done()' ||
        { why="a click outside weston-terminal's menu did not close it"; return 1; }
    sleep 0.5
    ctl screenshot "$W/wterm-closed.png" || { why="no screenshot"; return 1; }
    closed=$(purple_below_bar "$W/wterm-closed.png")
    [ "$closed" = "$(purple_below_bar "$W/wterm-0.png")" ] ||
        { why="weston-terminal's menu closed, but its border stays ($closed purple pixels)"; return 1; }
    # GTK 3: 478,298 is its "Andrea" combo box when gtk3-widget-factory
    # is alone on a 1024x640 desktop.
    alone_on 6 gtk 20 gtk3-widget-factory || return 1
    popup_open gtk BTN_LEFT 478 298 || return 1
    popup=$(grep -o 'xdg_popup@[0-9]*' "$W/gtk.out" | tail -n 1)
    keys KEY_DOWN 1 KEY_DOWN 0 KEY_ENTER 1 KEY_ENTER 0
    wait_for "$W/gtk.out" "-> $popup.destroy()" 30 ||
        { why="Down and Return in GTK's open combo box did not choose an item"; return 1; }
    if grep -q "$popup.popup_done" "$W/gtk.out"; then
        why="GTK's combo box was dismissed, not chosen from"
        return 1
    fi
    echo "gui: popups: GTK's list took Down and Return and closed itself ($popup)"
}

# X11 through Xwayland, started by the first X client: the launcher's
# "wl-vm xterm" (DISPLAY set by the agent), alone on workspace 7, framed
# in purple; keys typed there run "touch xtermfile"; its Ctrl+click menu
# (an override-redirect window) opens inside its window.
check_xwayland() {
    local n w h
    grep -q 'event=xwayland-listening display=:' "$W/wl-vm.agent" ||
        { why="the agent does not listen for X clients: $(grep -m1 'X11' "$W/wl-vm.agent")"; return 1; }
    keys KEY_LEFTMETA 1 KEY_7 1 KEY_7 0 KEY_LEFTMETA 0
    n=$(grep -c 'event=window-new name=wl-vm' "$W/compositor.log")
    keys KEY_LEFTMETA 1 KEY_ENTER 1 KEY_ENTER 0 KEY_LEFTMETA 0
    type_text "wl-vm xterm"
    keys KEY_ENTER 1 KEY_ENTER 0
    wait_for "$W/wl-vm.agent" 'event=xwayland-up' 10 ||
        { why="xterm did not start Xwayland: $(tail -n 2 "$W/wl-vm.agent" | tr '\n' ' ')"; return 1; }
    wait_more "$W/compositor.log" 'event=window-new name=wl-vm' "$n" 10 ||
        { why="xterm made no window: $(tail -n 2 "$W/wl-vm.agent" | tr '\n' ' ')"; return 1; }
    sleep 1
    rm -f "$W/xtermfile"
    ctl pointer 700 600 && keys BTN_LEFT 1 BTN_LEFT 0 && sleep 0.5
    type_text "touch xtermfile" && keys KEY_ENTER 1 KEY_ENTER 0
    for ((i = 0; i < 100; i++)); do [ -e "$W/xtermfile" ] && break; sleep 0.05; done
    [ -e "$W/xtermfile" ] || { why="\"touch xtermfile\" typed into xterm did not run"; return 1; }
    ctl screenshot "$W/xterm-0.png" || { why="no screenshot"; return 1; }
    n=$(grep -c 'event=popup-new name=wl-vm' "$W/compositor.log")
    ctl pointer 300 300 && keys KEY_LEFTCTRL 1 BTN_LEFT 1
    wait_more "$W/compositor.log" 'event=popup-new name=wl-vm' "$n" ||
        { keys BTN_LEFT 0 KEY_LEFTCTRL 0; why="xterm's Ctrl+click menu made no popup"; return 1; }
    sleep 0.7
    ctl screenshot "$W/xterm-popup.png"
    keys BTN_LEFT 0 KEY_LEFTCTRL 0
    # Its menu is mostly white, over xterm's white: its text changes.
    popup_shown xterm-0 xterm-popup 2000 || return 1
    echo "gui: xwayland: $(grep -m1 'event=xwayland-up' "$W/wl-vm.agent" | sed 's/.*event=//'); xterm ran \"touch xtermfile\"; its menu a popup inside its window"
}

# The wheel: foot, alone on workspace 8, prints 300 lines; ten steps up
# over it scroll its view back (its pixels change inside its frame, and
# nothing outside).
check_wheel() {
    local inside outside
    alone_on 8 footwheel 10 foot -o font=monospace:size=10 sh -c 'seq 1 300; exec sh' || return 1
    ctl screenshot "$W/wheel-0.png" && ctl pointer 500 300 -10 && sleep 0.7 &&
        ctl screenshot "$W/wheel-1.png" || { why="no screenshot"; return 1; }
    read -r inside outside <<<"$(python3 "$top/tests/qemu/png.py" changed "$W/wheel-0.png" "$W/wheel-1.png" 75507b)"
    echo "gui: wheel: ten steps up over foot: $inside pixels changed inside wl-vm's frame, $outside outside"
    if [ "${inside:-0}" -lt 2000 ] || [ "${outside:-1}" -ne 0 ]; then
        why="the wheel over foot: $inside pixels changed inside its frame, $outside outside"
        return 1
    fi
    grep -q 'axis_discrete' "$W/footwheel.out" ||
        { why="foot heard no wheel (axis_discrete)"; return 1; }
}

# clip_key C|V: Ctrl+Shift+C or Ctrl+Shift+V, dom0's copy and paste.
clip_key() {
    keys KEY_LEFTCTRL 1 KEY_LEFTSHIFT 1 "KEY_$1" 1 "KEY_$1" 0 KEY_LEFTSHIFT 0 KEY_LEFTCTRL 0
}

# launch_terminal: on workspace 3, the launcher's "green-vm" (its shell),
# which takes the keyboard as the window the user asked for.
launch_terminal() {
    local n
    n=$(grep -c 'runs "terminal"' "$W/green-vm.agent")
    keys KEY_LEFTMETA 1 KEY_3 1 KEY_3 0 KEY_LEFTMETA 0
    keys KEY_LEFTMETA 1 KEY_ENTER 1 KEY_ENTER 0 KEY_LEFTMETA 0
    type_text "green-vm" && keys KEY_ENTER 1 KEY_ENTER 0
    wait_more "$W/green-vm.agent" 'runs "terminal"' "$n" ||
        { why="the launcher opened no terminal in green-vm"; return 1; }
    sleep 1
}

# The clipboard between domains: a demo's clipboard (clip-vm) copied with
# Ctrl+Shift+C, shown in the bar, pasted with Ctrl+Shift+V into green-vm's
# terminal, which types it to its shell (the command runs); a second paste
# gives nothing; foot's selection (wl-vm, a real program's, through the
# agent's Wayland clipboard) copied, refused for green-vm by the policy
# (tests/gui/config/policy.d) and kept, then pasted into clip-vm; the
# bytes are in no log.
check_clipboard() {
    local n before after pasted
    keys KEY_LEFTMETA 1 KEY_4 1 KEY_4 0 KEY_LEFTMETA 0
    demo clip-vm --title clip --color 808000 --clipboard 'echo from-clip-vm >clipped'
    wait_for "$W/clip-vm.out" 'DEMO clip-vm window 0 CONFIGURE' ||
        { why="clip-vm's window did not come"; return 1; }
    ctl pointer 500 300 && keys BTN_LEFT 1 BTN_LEFT 0
    wait_for "$W/clip-vm.out" 'window 0 FOCUS 1' || { why="a click did not focus clip-vm"; return 1; }
    ctl screenshot "$W/clip-0.png"
    clip_key C
    wait_for "$W/compositor.log" 'event=clipboard-copy from=clip-vm bytes=26' ||
        { why="Ctrl+Shift+C did not copy clip-vm's clipboard: $(tail -2 "$W/compositor.log" | tr '\n' ' ')"; return 1; }
    sleep 0.3
    ctl screenshot "$W/clipboard-bar.png"
    # The bar's square in clip-vm's yellow, beside the clock: 100 pixels more.
    before=$(python3 "$top/tests/qemu/png.py" count "$W/clip-0.png" edd400)
    after=$(python3 "$top/tests/qemu/png.py" count "$W/clipboard-bar.png" edd400)
    echo "gui: clipboard: yellow pixels $before before the copy, $after after (the bar's square)"
    [ $((after - before)) -ge 90 ] || { why="the bar does not show clip-vm's clipboard"; return 1; }
    keys KEY_C 1 KEY_C 0
    wait_for "$W/clip-vm.out" 'KEY 46 0' || { why="clip-vm got no key after the copy"; return 1; }
    grep -q 'KEY 46 1' "$W/clip-vm.out" && [ "$(grep -c 'KEY 46 1' "$W/clip-vm.out")" -eq 1 ] ||
        { why="Ctrl+Shift+C's C reached clip-vm"; return 1; }
    launch_terminal || return 1
    rm -f "$W/clipped"
    clip_key V
    wait_for "$W/compositor.log" 'event=clipboard-paste from=clip-vm to=green-vm bytes=26' ||
        { why="Ctrl+Shift+V did not paste into green-vm: $(tail -2 "$W/compositor.log" | tr '\n' ' ')"; return 1; }
    # Typed, not run: the text has no line end; the user's Return runs it.
    sleep 0.5
    [ ! -e "$W/clipped" ] || { why="the paste ran a command without the user's Return"; return 1; }
    keys KEY_ENTER 1 KEY_ENTER 0
    for ((n = 0; n < 100; n++)); do [ -s "$W/clipped" ] && break; sleep 0.05; done
    pasted=$(cat "$W/clipped" 2>&1)
    [ "$pasted" = from-clip-vm ] ||
        { why="the pasted command did not run in green-vm's shell ($W/clipped: $pasted)"; return 1; }
    # One paste per copy.
    n=$(grep -c 'event=clipboard-pasted' "$W/green-vm.agent")
    clip_key V
    wait_for "$W/compositor.log" 'the clipboard is empty' ||
        { why="a second paste was not refused as empty"; return 1; }
    sleep 0.3
    [ "$(grep -c 'event=clipboard-pasted' "$W/green-vm.agent")" = "$n" ] ||
        { why="green-vm got a second paste of one copy"; return 1; }
    # The terminal's own selection: its first row (the command line), dragged
    # over with the left button, copied, and pasted into clip-vm.
    ctl pointer 10 58 && keys BTN_LEFT 1 && ctl pointer 1000 58 && keys BTN_LEFT 0 && sleep 0.3
    ctl screenshot "$W/terminal-selection.png"
    clip_key C
    wait_for "$W/compositor.log" 'event=clipboard-copy from=green-vm' ||
        { why="the terminal's selection was not copied: $(tail -2 "$W/compositor.log" | tr '\n' ' ')"; return 1; }
    keys KEY_LEFTMETA 1 KEY_4 1 KEY_4 0 KEY_LEFTMETA 0
    ctl pointer 500 300 && keys BTN_LEFT 1 BTN_LEFT 0 && sleep 0.3
    clip_key V
    wait_for "$W/clip-vm.out" 'CLIP_PASTE' || { why="the terminal's selection did not reach clip-vm"; return 1; }
    grep -q 'CLIP_PASTE [0-9]* bytes: .*echo from-clip-vm >clipped$' "$W/clip-vm.out" ||
        { why="clip-vm got $(grep CLIP_PASTE "$W/clip-vm.out"), not the terminal's command line"; return 1; }
    # A real program's selection: foot's, set by a triple click on its line
    # (the primary selection, as foot sets it by default).
    mkdir -p "$W/footcfg/foot" && printf '[main]\nfont=monospace:size=20\n' > "$W/footcfg/foot/foot.ini"
    alone_on 9 footclip 10 env XDG_CONFIG_HOME=$W/footcfg foot sh -c \
        "echo wayland-clip-text; exec cat >$W/foot-pasted" || return 1
    ctl pointer 60 58 && keys BTN_LEFT 1 BTN_LEFT 0 BTN_LEFT 1 BTN_LEFT 0 BTN_LEFT 1 BTN_LEFT 0
    sleep 0.5
    clip_key C
    wait_for "$W/compositor.log" 'event=clipboard-copy from=wl-vm' ||
        { why="foot's selection was not copied: $(grep -c set_selection "$W/footclip.out") set_selection, $(tail -2 "$W/wl-vm.agent" | tr '\n' ' ')"; return 1; }
    launch_terminal || return 1
    n=$(grep -c 'event=clipboard-pasted' "$W/green-vm.agent")
    clip_key V
    wait_for "$W/compositor.log" 'event=clipboard-denied from=wl-vm to=green-vm' ||
        { why="the policy's deny did not stop wl-vm's clipboard going to green-vm"; return 1; }
    grep -q 'clipboard.policy:3) lets no clipboard go from wl-vm to green-vm' "$W/compositor.log" ||
        { why="the refusal does not name the policy's line"; return 1; }
    sleep 0.3
    ctl screenshot "$W/clipboard-denied.png"
    [ "$(grep -c 'event=clipboard-pasted' "$W/green-vm.agent")" = "$n" ] ||
        { why="green-vm got a paste the policy forbids"; return 1; }
    keys KEY_LEFTMETA 1 KEY_4 1 KEY_4 0 KEY_LEFTMETA 0
    ctl pointer 500 300 && keys BTN_LEFT 1 BTN_LEFT 0 && sleep 0.3
    clip_key V
    wait_more "$W/clip-vm.out" 'CLIP_PASTE' 1 || { why="the kept clipboard did not reach clip-vm"; return 1; }
    grep -q 'CLIP_PASTE [0-9]* bytes: wayland-clip-text' "$W/clip-vm.out" ||
        { why="clip-vm got $(grep CLIP_PASTE "$W/clip-vm.out"), not foot's text"; return 1; }
    # dom0's paste into a real program: clip-vm's clipboard becomes wl-vm's
    # selections, and foot's own paste key (Shift+Insert, the primary
    # selection) types it into cat.
    n=$(grep -c 'event=clipboard-copy from=clip-vm' "$W/compositor.log")
    clip_key C
    wait_more "$W/compositor.log" 'event=clipboard-copy from=clip-vm' "$n" ||
        { why="clip-vm's clipboard was not copied again"; return 1; }
    keys KEY_LEFTMETA 1 KEY_9 1 KEY_9 0 KEY_LEFTMETA 0
    ctl pointer 500 300 && keys BTN_LEFT 1 BTN_LEFT 0 && sleep 0.3
    clip_key V
    wait_for "$W/compositor.log" 'event=clipboard-paste from=clip-vm to=wl-vm' ||
        { why="clip-vm's clipboard was not pasted into wl-vm"; return 1; }
    sleep 0.3
    keys KEY_LEFTSHIFT 1 KEY_INSERT 1 KEY_INSERT 0 KEY_LEFTSHIFT 0 && sleep 0.3 &&
        keys KEY_ENTER 1 KEY_ENTER 0
    for ((n = 0; n < 100; n++)); do [ -s "$W/foot-pasted" ] && break; sleep 0.05; done
    pasted=$(cat "$W/foot-pasted" 2>&1)
    [ "$pasted" = 'echo from-clip-vm >clipped' ] ||
        { why="foot's Shift+Insert did not paste dom0's paste ($W/foot-pasted: $pasted)"; return 1; }
    if grep -q 'wayland-clip-text\|from-clip-vm' "$W/compositor.log" "$W/wl-vm.agent" "$W/green-vm.agent"; then
        why="the clipboard's bytes are in a log"
        return 1
    fi
    echo "gui: clipboard: clip-vm -> green-vm's shell ran the pasted command; second paste empty; green-vm's terminal selection -> clip-vm; foot's selection refused for green-vm by the policy, then pasted into clip-vm: $(grep CLIP_PASTE "$W/clip-vm.out" | tr '\n' '|'); clip-vm -> wl-vm, foot's Shift+Insert typed \"$pasted\""
}

check_clip_unasked() {
    refused clip-unasked "CLIP_DATA it was not asked for" "a clipboard dom0 did not ask for"
}

check_exited_unasked() {
    refused exited-unasked "EXITED for no command it was asked to run" \
        "a failure of a command dom0 never sent" || return 1
    if grep -q 'your session expired' "$W/compositor.log"; then
        why="the domain's own words reached dom0's bar"
        return 1
    fi
}

check_launcher() {
    local before
    before=$(keys_seen)
    keys KEY_LEFTMETA 1 KEY_ENTER 1 KEY_ENTER 0 KEY_LEFTMETA 0
    # "r", then Tab: the launcher lists the domains "r" may mean
    # (launcher-list.png) and completes red-vm's name: the command goes
    # to red-vm.
    type_text "r"
    ctl screenshot "$W/launcher-list.png"
    keys KEY_TAB 1 KEY_TAB 0
    type_text "xterm"
    ctl screenshot "$W/launcher.png"
    keys KEY_ENTER 1 KEY_ENTER 0
    wait_for "$W/red-vm.out" 'DEMO red-vm RUN xterm' ||
        { why="red-vm was not asked to run xterm"; return 1; }
    wait_for "$W/red-vm.out" 'DEMO red-vm window 1 CONFIGURE' ||
        { why="red-vm's new window did not come"; return 1; }
    # The window the user asked for takes the keyboard from blue-vm's.
    wait_for "$W/red-vm.out" 'DEMO red-vm window 1 FOCUS 1' ||
        { why="the launched window did not take the focus"; return 1; }
    wait_for "$W/compositor.log" 'launcher: red-vm runs "xterm"' ||
        { why="the compositor did not log the launch"; return 1; }
    # Not one key of Super+Return, of the line or of its Return.
    local after
    after=$(keys_seen)
    if [ "$after" -gt "$before" ]; then
        why="keys typed into the launcher reached a domain: $(grep -h ' KEY ' "$W"/*-vm.out | tail -3 | tr '\n' ' ')"
        return 1
    fi
}

check_close() {
    # The launched window has the focus: back to blue-vm's, the other one
    # on this workspace.
    local focused
    focused=$(grep -c 'blue-vm window 0 FOCUS 1' "$W/blue-vm.out")
    keys KEY_LEFTMETA 1 KEY_TAB 1 KEY_TAB 0 KEY_LEFTMETA 0
    local i
    for ((i = 0; i < 100; i++)); do
        [ "$(grep -c 'blue-vm window 0 FOCUS 1' "$W/blue-vm.out")" -gt "$focused" ] && break
        sleep 0.05
    done
    local back
    back=$(grep -c 'red-vm window 1 FOCUS 1' "$W/red-vm.out")
    keys KEY_LEFTMETA 1 KEY_LEFTSHIFT 1 KEY_Q 1 KEY_Q 0 KEY_LEFTSHIFT 0 KEY_LEFTMETA 0
    wait_for "$W/blue-vm.out" 'DEMO blue-vm window 0 CLOSE' ||
        { why="blue-vm (focused) was not asked to close"; return 1; }
    if grep -q ' CLOSE' "$W/red-vm.out"; then why="red-vm was asked to close too"; return 1; fi
    wait_for "$W/compositor.log" 'domain blue-vm: GUI channel dropped: the domain closed it' ||
        { why="blue-vm's channel did not go"; return 1; }
    # The focus goes back to the window that had it before: red-vm's
    # launched one.
    for ((i = 0; i < 100; i++)); do
        [ "$(grep -c 'red-vm window 1 FOCUS 1' "$W/red-vm.out")" -gt "$back" ] && break
        sleep 0.05
    done
    [ "$i" -lt 100 ] || { why="the focus did not go back to red-vm's window after the close"; return 1; }
    local counts
    counts=$(shot closed 3465a4) || { why="no screenshot"; return 1; }
    # (blue-vm's chip in the status bar is 100 blue pixels)
    if [ "$counts" -gt 200 ]; then why="blue-vm's frame is still there ($counts px)"; return 1; fi
}

# The attacks of issue 18 (hostile-*), each on a compositor of its own.
# shellcheck source=tests/gui/hostile.sh
. "$here/hostile.sh"

# A compositor whose desktop.cfg sets no gui_dir (as on a real dom0)
# makes no local sockets: whoever could connect to one would speak as that
# domain.  It runs in a mount namespace of its own with an empty /run, the
# default place of the sockets before.
# A compositor of two heads (headless_size = "800x500,640x480"), its own
# sockets: each head shows a workspace and has its bar; a window moved to
# workspace 2 shows on the right head; Super+2 on the left head trades the
# two heads' workspaces.
check_heads() {
    local d=$W/heads box
    rm -rf "$d" && mkdir -p "$d" && cp -r "$here/config" "$d/config"
    chmod 1777 "$d"
    printf 'headless_size = "800x500,640x480"\ngui_dir = "%s/sock"\ncontrol_socket = "%s/ctl"\nscreenshot_dir = "%s"\n' \
        "$d" "$d" "$d" >> "$d/config/desktop.cfg"
    "$BH" compositor --config "$d/config" > "$d/compositor.log" 2>&1 &
    local pid=$!
    heads_steps "$d"
    local rc=$?
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return $rc
}

# frames_at PNG: a screenshot there; rx0 rx1 ry0 ry1, bx0 bx1 by0 by1 the
# boxes of red-vm's and blue-vm's frames on it.
frames_at() {
    local red blue
    hctl screenshot "$1" || { why="no screenshot"; return 1; }
    red=$(python3 "$top/tests/qemu/png.py" box "$1" cc0000) &&
        blue=$(python3 "$top/tests/qemu/png.py" box "$1" 3465a4) ||
        { why="a frame is missing on $1: red '$red' blue '$blue'"; return 1; }
    read -r rx0 rx1 ry0 ry1 <<<"$red"
    read -r bx0 bx1 by0 by1 <<<"$blue"
}

heads_steps() {
    local d=$1 rx0 rx1 ry0 ry1 bx0 bx1 by0 by1
    hctl() { "$BH" ctl --socket "$d/ctl" "$@"; }
    hkeys() { while [ $# -ge 2 ]; do hctl key "$1" "$2" || return 1; shift 2; done; }
    wait_for "$d/compositor.log" 'compositor up' || { why="the two-head compositor did not come up"; return 1; }
    "$BH" gui-demo --socket "$d/sock/red-vm.sock" --color 802020 > "$d/red.out" 2>&1 &
    demo_pids+=($!)
    wait_for "$d/red.out" CONFIGURE || { why="red-vm's window never came"; return 1; }
    "$BH" gui-demo --socket "$d/sock/blue-vm.sock" --color 203080 > "$d/blue.out" 2>&1 &
    demo_pids+=($!)
    wait_for "$d/blue.out" CONFIGURE || { why="blue-vm's window never came"; return 1; }
    # Focus red-vm's window, move it to workspace 2: the right head's.
    hkeys KEY_LEFTMETA 1 KEY_TAB 1 KEY_TAB 0 KEY_LEFTMETA 0
    wait_for "$d/red.out" 'FOCUS 1' || { why="Super+Tab did not focus red-vm"; return 1; }
    hkeys KEY_LEFTMETA 1 KEY_LEFTSHIFT 1 KEY_2 1 KEY_2 0 KEY_LEFTSHIFT 0 KEY_LEFTMETA 0
    sleep 0.3
    frames_at "$d/heads-1.png" || return 1
    echo "gui: heads: red-vm's frame at x $rx0..$rx1 y ..$ry1 (right head), blue-vm's at x $bx0..$bx1 (left)"
    if [ "$rx0" -lt 800 ] || [ "$ry1" -ge 480 ] || [ "$bx1" -ge 800 ]; then
        why="workspace 2 is not on the right head (red x $rx0..$rx1 y ..$ry1, blue x $bx0..$bx1)"
        return 1
    fi
    # Super+2 on the left head: the two heads trade workspaces.
    hkeys KEY_LEFTMETA 1 KEY_2 1 KEY_2 0 KEY_LEFTMETA 0
    sleep 0.3
    frames_at "$d/heads-2.png" || return 1
    if [ "$rx1" -ge 800 ] || [ "$bx0" -lt 800 ]; then
        why="Super+2 did not trade the heads' workspaces (red x $rx0..$rx1, blue x $bx0..$bx1)"
        return 1
    fi
}

check_no_sockets() {
    local cfg=$W/nosock-config out=$W/nosock.out
    rm -rf "$cfg" && cp -r "$here/config" "$cfg"
    unshare --mount --propagation private sh -c '
        mount -t tmpfs tmpfs /run || exit 1
        "$1" compositor --config "$2" --headless 640x400 > "$3" 2>&1 &
        pid=$!
        for i in $(seq 1 100); do
            grep -q "compositor up" "$3" && break
            sleep 0.05
        done
        sleep 0.3
        find /run -name "*.sock" > "$3.socks"
        kill $pid; wait $pid' sh "$BH" "$cfg" "$out" || { why="no mount namespace: $(tail -1 "$out")"; return 1; }
    grep -q 'compositor up' "$out" || { why="the compositor did not come up: $(tail -2 "$out")"; return 1; }
    if [ -s "$out.socks" ]; then
        why="sockets made without gui_dir: $(tr '\n' ' ' < "$out.socks")"
        return 1
    fi
    grep -q 'no local sockets: gui_dir is not set' "$out" ||
        { why="the compositor did not say it makes no sockets: $(grep 'may have windows' "$out")"; return 1; }
}

check_restart() {
    local ups
    ups=$(grep -c 'DEMO red-vm up' "$W/red-vm.out")
    kill -KILL "$comp_pid"
    wait "$comp_pid" 2>/dev/null
    if ! start_compositor; then why="the compositor did not come up again"; return 1; fi
    local i
    for ((i = 0; i < 100; i++)); do
        [ "$(grep -c 'DEMO red-vm up' "$W/red-vm.out")" -gt "$ups" ] && break
        sleep 0.05
    done
    wait_for "$W/compositor.log" 'domain red-vm: GUI channel up' &&
        [ "$(grep -c 'DEMO red-vm up' "$W/red-vm.out")" -gt "$ups" ] ||
        { why="red-vm's client did not come back"; return 1; }
    sleep 0.3
    local counts
    counts=$(shot restarted cc0000) || { why="no screenshot"; return 1; }
    if [ "$counts" -lt 2000 ]; then why="red-vm's frame is not back ($counts px)"; return 1; fi
}

# status_field NAME: the compositor's /proc/PID/status line NAME, its values.
status_field() { awk -v k="$1:" '$1 == k { $1 = ""; print substr($0, 2) }' "/proc/$comp_pid/status"; }

check_confined() {
    grep -q 'event=confined' "$W/compositor.log" ||
        { why="the compositor did not say it is confined: $(grep -m1 confine "$W/compositor.log")"; return 1; }
    local uid eff prm bnd nnp sec
    uid=$(status_field Uid) eff=$(status_field CapEff) prm=$(status_field CapPrm)
    bnd=$(status_field CapBnd) nnp=$(status_field NoNewPrivs) sec=$(status_field Seccomp)
    echo "gui: confined: Uid $uid, CapEff $eff, CapPrm $prm, CapBnd $bnd, NoNewPrivs $nnp, Seccomp $sec"
    case $uid in 0*) why="the compositor runs as uid 0 ($uid)"; return 1 ;; esac
    [ "$eff" = 0000000000000000 ] && [ "$prm" = 0000000000000000 ] &&
        [ "$bnd" = 0000000000000000 ] || { why="capabilities left: CapEff $eff CapPrm $prm CapBnd $bnd"; return 1; }
    [ "$nnp" = 1 ] || { why="NoNewPrivs is $nnp"; return 1; }
    [ "$sec" = 2 ] || { why="Seccomp is $sec (want 2: a filter)"; return 1; }
}

# execve is not in the compositor's profile: the kernel kills it (SIGSYS:
# status 128 + 31); a new one serves the domains again.
check_forbidden_syscall() {
    gdb -p "$comp_pid" -batch -ex 'call (long)syscall(59, 0, 0, 0)' > "$W/gdb.out" 2>&1
    local i
    for ((i = 0; i < 100; i++)); do
        [ "$(cut -d' ' -f3 "/proc/$comp_pid/stat" 2>/dev/null)" = Z ] && break
        kill -0 "$comp_pid" 2>/dev/null || break
        sleep 0.05
    done
    if ((i == 100)); then
        why="the compositor still runs after calling execve: $(grep -m1 '^\$1' "$W/gdb.out")"
        kill "$comp_pid"
        wait "$comp_pid"
        start_compositor
        return 1
    fi
    wait "$comp_pid"
    local st=$?
    if [ "$st" -ne 159 ]; then
        why="the compositor made to call execve ended with status $st, not 159 (SIGSYS): $(tail -3 "$W/gdb.out" | tr '\n' ' ')"
        start_compositor
        return 1
    fi
    echo "gui: forbidden-syscall: $(grep -m1 'SIGSYS' "$W/gdb.out")"
    start_compositor || { why="the compositor did not come up again"; return 1; }
    wait_for "$W/compositor.log" 'domain red-vm: GUI channel up' ||
        { why="red-vm's client did not come back after the SIGSYS"; return 1; }
}

# against_fake_manager NAME SCRIPT PNG: tests/gui/SCRIPT.py with a
# compositor of its own, in a mount namespace whose /run holds its fake
# domain manager at the compositor's fixed socket: its PASS/FAIL tally.
against_fake_manager() {
    local d=$W/$2 out summary
    rm -rf "$d" && mkdir -p "$d" && cp -r "$here/config" "$d/config"
    out=$(unshare --mount --propagation private sh -c \
        'mount -t tmpfs tmpfs /run && exec python3 "$1" "$2" "$3" "$4"' sh \
        "$here/$2.py" "$BH" "$d/config" "$d/w" 2>&1)
    summary=$(tail -n 1 <<<"$out")
    echo "gui: $1: ${summary#\# } ($d/w/$3)"
    [[ $summary == *" 0 failed" ]] && return 0
    why="$(grep -m 3 '^FAIL' <<<"$out" | tr '\n' ' ') ($summary)"
    return 1
}

# The launcher's "@dispvm COMMAND" (tests/gui/dispvm.py).
check_launcher_dispvm() { against_fake_manager launcher-dispvm dispvm dispvm.png; }

# A USB domain's keyboards (tests/gui/inputproxy.py).
check_input_proxy() { against_fake_manager input-proxy inputproxy input-question.png; }

if ! start_compositor; then
    why="the compositor did not come up"
    result 1 start
    echo "0 45" > "$top/build/results/gui"
    exit 1
fi
for c in confined frames keys lock garbage flood bad-damage unknown-window small-buffer few-grants long-title \
    workspaces launcher close restart forbidden-syscall terminal wayland popups xwayland wheel \
    clipboard clip-unasked exited-unasked no-sockets heads launcher-dispvm input-proxy \
    hostile-uaf hostile-uaf-valgrind hostile-retile hostile-retile-elsewhere hostile-focus-close \
    hostile-focus-workspace hostile-focus-launcher hostile-focus-recreate hostile-focus-late \
    hostile-budget hostile-budget-global hostile-budget-largest hostile-churn hostile-hugetlb \
    hostile-starve hostile-popup-escape; do
    why=''
    "check_${c//-/_}"
    result $? "$c"
done
echo "gui: screenshots in $W (frames.png, after-garbage.png, workspace2.png, launcher.png, wayland-1.png, wayland-2.png, wayland-foot.png, wayland-subsurfaces.png, wterm-popup.png, gtk-popup.png, clipboard-bar.png, clipboard-denied.png)"
echo "$passed $failed" > "$top/build/results/gui"
echo "gui: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
