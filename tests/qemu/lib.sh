# shellcheck shell=bash
# Helpers for tests that boot an initramfs under QEMU (TCG, no KVM).
# Source this file; call qemu_start_linux directly (not in a subshell or
# $(...)) so the QEMU process stays a child of the test shell.
# Every VM has a state dir DIR holding serial.log, mon.sock, qemu.pid,
# qemu.stderr. Typical use:
#   qemu_start_linux "$d" img.cpio.zst; trap 'qemu_stop "$d"' EXIT
#   qemu_wait_serial "$d" 'READY' 60 || exit 1

QEMU_TAIL_LINES=${QEMU_TAIL_LINES:-40}

# Kernel to boot: the newest installed one unless QEMU_KVER says otherwise.
_qemu_kver() {
    if [ -n "${QEMU_KVER:-}" ]; then echo "$QEMU_KVER"; return; fi
    # The newest kernel that is really installed: a removed one can leave
    # its /lib/modules directory behind.
    local v
    for v in $(find /lib/modules -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort -rV); do
        [ -f "/boot/vmlinuz-$v" ] && { echo "$v"; return; }
    done
}

# Deadlines in ms; $SECONDS would make a 3 s timeout anything from 2 to 3 s.
# EPOCHREALTIME uses the locale's decimal separator, hence [.,].
_qemu_now_ms() { local t=${EPOCHREALTIME//[.,]/}; echo $((t / 1000)); }
_qemu_deadline() { echo $(($(_qemu_now_ms) + $1 * 1000)); }
_qemu_expired() { [ "$(_qemu_now_ms)" -ge "$1" ]; }

_qemu_pid() { cat "$1/qemu.pid" 2>/dev/null; }

# True while the QEMU of DIR runs. A dead child that the shell has not
# reaped yet is a zombie, which kill -0 still reports as alive.
_qemu_running() {
    local pid state
    pid=$(_qemu_pid "$1") || return 1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
    state=$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) || return 1
    [ "$state" != Z ]
}

# qemu_fail DIR MSG: report MSG and the serial tail on stderr; returns 1.
qemu_fail() {
    local dir=$1 msg=$2
    {
        echo "FAIL: $msg"
        echo "--- last $QEMU_TAIL_LINES lines of $dir/serial.log ---"
        qemu_serial_text "$dir" 2>/dev/null | tail -n "$QEMU_TAIL_LINES"
        if [ -s "$dir/qemu.stderr" ]; then
            echo "--- $dir/qemu.stderr ---"
            tail -n 10 "$dir/qemu.stderr"
        fi
        echo "---"
    } >&2
    return 1
}

# _qemu_launch DIR QEMU_ARGS...: start QEMU in the background with DIR's
# serial log and monitor; returns once the monitor socket is up (or 1 if
# QEMU died or never opened it).
_qemu_launch() {
    local dir=$1 i
    shift
    rm -f "$dir/serial.log" "$dir/mon.sock" "$dir/qemu.pid" "$dir/qemu.stderr"
    : > "$dir/serial.log"
    qemu-system-x86_64 -accel "tcg,thread=${QEMU_TCG_THREAD:-multi}" -machine q35 -smp "${QEMU_SMP:-2}" \
        -vga none -device "${QEMU_GPU:-bochs-display}" -display "${QEMU_DISPLAY:-none}" \
        -serial "file:$dir/serial.log" \
        -monitor "unix:$dir/mon.sock,server,nowait" \
        -no-reboot "$@" </dev/null >"$dir/qemu.stderr" 2>&1 &
    echo $! > "$dir/qemu.pid"
    # The socket appears once QEMU has parsed its arguments; a bad option
    # makes QEMU exit instead, which we want to report right away.
    for ((i = 0; i < 100; i++)); do
        [ -S "$dir/mon.sock" ] && return 0
        _qemu_running "$dir" || break
        sleep 0.1
    done
    qemu_fail "$dir" "QEMU did not start (see $dir/qemu.stderr)"
}

# qemu_start_linux DIR INITRD [EXTRA_APPEND] [EXTRA_QEMU_ARGS...]:
# boot /boot/vmlinuz-KVER with INITRD in the background.
qemu_start_linux() {
    local dir=$1 initrd=$2 append=${3:-} kver kernel
    shift 2
    if [ $# -gt 0 ]; then shift; fi
    kver=$(_qemu_kver)
    kernel=/boot/vmlinuz-$kver
    [ -f "$kernel" ] || { echo "qemu_start_linux: no kernel $kernel (set QEMU_KVER?)" >&2; return 1; }
    [ -f "$initrd" ] || { echo "qemu_start_linux: no initrd $initrd" >&2; return 1; }
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    _qemu_launch "$dir" -cpu max -m 1024 -kernel "$kernel" -initrd "$initrd" \
        -append "console=ttyS0 panic=-1 $append" "$@"
}

# The memory of the machine Xen boots on (qemu_start_xen, qemu_start_cdrom).
QEMU_XEN_MEM=${QEMU_XEN_MEM:-3072}

# qemu_start_xen DIR INITRD [DOM0_APPEND] [EXTRA_QEMU_ARGS...]: boot Xen
# (/boot/xen-4.17-amd64.gz) with the Debian kernel as dom0 and INITRD as
# its initramfs. The CPU model is QEMU's plain qemu64: with `max' (even
# without SMAP, RDTSCP and SVM) dom0's processes and the PV domUs see
# corrupted memory under TCG, with qemu64 they have not
# (docs/ARCHITECTURE.md, "The test bed's faults"); it has no SVM, so Xen
# runs PV domains only. QEMU_XEN_CPU overrides it (max,-smap,-rdtscp for
# PVH domUs), XEN_APPEND adds to Xen's command line. dom0's console is hvc0, which Xen
# puts on the serial line.
qemu_start_xen() {
    local dir=$1 initrd=$2 append=${3:-} kver kernel xen=/boot/xen-4.17-amd64.gz
    shift 2
    if [ $# -gt 0 ]; then shift; fi
    kver=$(_qemu_kver)
    kernel=/boot/vmlinuz-$kver
    [ -f "$xen" ] || { echo "qemu_start_xen: no $xen (xen-hypervisor-4.17-amd64)" >&2; return 1; }
    [ -f "$kernel" ] || { echo "qemu_start_xen: no kernel $kernel (set QEMU_KVER?)" >&2; return 1; }
    [ -f "$initrd" ] || { echo "qemu_start_xen: no initrd $initrd" >&2; return 1; }
    case "$initrd$append" in *,*)
        echo "qemu_start_xen: no commas in the initrd path or dom0 arguments (multiboot)" >&2
        return 1 ;;
    esac
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    # QEMU's multiboot loader wants Xen as a plain ELF.
    zcat "$xen" > "$dir/xen"
    _qemu_launch "$dir" -cpu "${QEMU_XEN_CPU:-qemu64}" -m "$QEMU_XEN_MEM" -kernel "$dir/xen" \
        -append "console=com1 com1=115200,8n1 loglvl=all guest_loglvl=all console_timestamps=boot dom0_mem=1024M,max:1024M dom0_max_vcpus=2 ${XEN_APPEND:-}" \
        -initrd "$kernel console=hvc0 earlyprintk=xen panic=-1 $append,$initrd" "$@"
}

# qemu_start_cdrom DIR ISO [EXTRA_QEMU_ARGS...]: boot the machine
# qemu_start_xen boots Xen on (its CPU model and memory) from ISO, through
# its firmware (SeaBIOS) and the ISO's boot loader, not QEMU's -kernel: the
# ISO's GRUB loads Xen as a laptop's would (tests/xen/grub.sh).
qemu_start_cdrom() {
    local dir=$1 iso=$2
    shift 2
    [ -f "$iso" ] || { echo "qemu_start_cdrom: no ISO image $iso" >&2; return 1; }
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    _qemu_launch "$dir" -cpu "${QEMU_XEN_CPU:-qemu64}" -m "$QEMU_XEN_MEM" -cdrom "$iso" -boot d "$@"
}

# qemu_serial_text DIR: the serial log as lines. The guest writes CRLF: CR
# is dropped so "$" anchors work. dom0's kernel prints on the same console
# as its user space, and hvc writes a line in chunks, so a kernel message
# ("[   12.001436] pciback ...", microseconds: our own stamps have three
# digits) may land inside a user-space line, even after the line's own
# stamp: it is moved onto a line of its own, and the line it cut is
# joined again with its tail (the next line). Xen's lines ("(XEN) [ 1.2] ...") and a
# domain's console copy ("alpha| [ 1.2] ...") are left as they are.
qemu_serial_text() {
    tr -d '\r' < "$1/serial.log" | awk '
        { line = cut $0; cut = "" }
        match(substr(line, 2), /\[ *[0-9]+\.[0-9][0-9][0-9][0-9][0-9][0-9]\] /) {
            head = substr(line, 1, RSTART)
            if (head !~ /^\(XEN\) $/ && head !~ /\| $/) {
                print substr(line, RSTART + 1); cut = head; next
            }
        }
        { print line }
        END { if (cut != "") print cut }'
}

# No grep -q: its early exit would SIGPIPE the pipe, and pipefail would
# turn a match into a failure.
_qemu_serial_has() {
    qemu_serial_text "$1" | grep -E -- "$2" >/dev/null
}

# qemu_wait_serial DIR REGEX TIMEOUT_S: wait for a serial line matching the
# extended REGEX; 1 on timeout or if QEMU exits first.
qemu_wait_serial() {
    local dir=$1 re=$2 deadline
    deadline=$(_qemu_deadline "$3")
    while :; do
        _qemu_serial_has "$dir" "$re" && return 0
        if ! _qemu_running "$dir"; then
            # Check again: the line may have landed just before the exit.
            _qemu_serial_has "$dir" "$re" && return 0
            qemu_fail "$dir" "QEMU exited before serial matched /$re/" || return 1
        fi
        if _qemu_expired "$deadline"; then
            qemu_fail "$dir" "timeout (${3}s) waiting for serial /$re/" || return 1
        fi
        sleep 0.2
    done
}

# qemu_event_re NAME [KEY=VALUE...]: an ERE for the event line NAME
# (lib/log.h's log_event: "bulkhead: TAG: event=NAME key=value ...") with
# those keys, in the order the code writes them (others may come between).
# A VALUE is an ERE of its own, matched whole: domid=[0-9]+,
# state='running|paused'.  The line may have a prefix (a domain's console
# copy: "alpha| ").
qemu_event_re() {
    local re="bulkhead: [a-z-]+: event=$1" kv
    shift
    for kv in "$@"; do re+="( | .* )${kv%%=*}=(${kv#*=})"; done
    printf '%s\n' "$re( |\$)"
}

# qemu_expect_event DIR NAME [KEY=VALUE...] TIMEOUT_S: qemu_wait_serial
# for that event line.
qemu_expect_event() {
    local dir=$1 timeout=${!#}
    qemu_wait_serial "$dir" "$(qemu_event_re "${@:2:$#-2}")" "$timeout"
}

# qemu_monitor DIR CMD: run one human-monitor command, print its output.
qemu_monitor() {
    local dir=$1 cmd=$2 out
    [ -S "$dir/mon.sock" ] || { echo "qemu_monitor: no socket $dir/mon.sock" >&2; return 1; }
    # Keep stdin open briefly after the command: socat would otherwise
    # close the connection before QEMU has answered.
    out=$({ printf '%s\n' "$cmd"; sleep 0.5; } \
        | socat -t 2 - "UNIX-CONNECT:$dir/mon.sock") || {
        echo "qemu_monitor: cannot talk to $dir/mon.sock" >&2; return 1; }
    # Strip the banner, readline echo/escape codes and prompts.
    printf '%s\n' "$out" | tr -d '\r' | sed -e 's/\x1b\[[0-9;]*[A-Za-z]//g' \
        | grep -v -e '^QEMU .* monitor - type' -e '^(qemu)' || true
}

# qemu_qmp DIR COMMAND: one QMP command (JSON) on DIR's QMP socket (QEMU
# started with -qmp unix:DIR/qmp.sock,server,nowait); prints the reply, 1
# when there is none or it is an error.
qemu_qmp() {
    local out
    out=$({ printf '{"execute":"qmp_capabilities"}\n%s\n' "$2"; sleep 0.5; } \
        | socat -t 2 - "UNIX-CONNECT:$1/qmp.sock") || {
        echo "qemu_qmp: cannot talk to $1/qmp.sock" >&2; return 1; }
    # The greeting, qmp_capabilities' answer, then the command's.
    out=$(printf '%s\n' "$out" | tr -d '\r' | grep -E '^\{"(return|error)"' | sed -n 2p)
    printf '%s\n' "$out"
    [[ "$out" == '{"return"'* ]] || { echo "qemu_qmp: $2: ${out:-no reply}" >&2; return 1; }
}

# qemu_input_key DIR DISPLAY QCODE: QCODE (a, b, ret...) pressed and
# released on the keyboard bound to the display device DISPLAY (an input
# device with display=DISPLAY), not the one sendkey types on.
qemu_input_key() {
    local down
    for down in true false; do
        qemu_qmp "$1" "{\"execute\":\"input-send-event\",\"arguments\":{\"device\":\"$2\",\"events\":[{\"type\":\"key\",\"data\":{\"down\":$down,\"key\":{\"type\":\"qcode\",\"data\":\"$3\"}}}]}}" \
            >/dev/null || return 1
    done
}

# qemu_sendkey DIR KEY: press KEY (QEMU names: a, ret, ctrl-alt-delete...).
qemu_sendkey() {
    local out
    out=$(qemu_monitor "$1" "sendkey $2") || return 1
    [ -z "$out" ] || { echo "qemu_sendkey $2: $out" >&2; return 1; }
}

# qemu_type DIR TEXT: types TEXT (letters, digits, space, '.', '/', '-', '>',
# ';', ':', '@', '|' and a newline as Return) on a US keyboard with sendkey, in one monitor
# connection: a key every $QEMU_TYPE_GAP s (0.15 s), each held 50 ms (the
# guest's kernel repeats a key held 250 ms, which a slow guest must not see).
qemu_type() {
    local dir=$1 text=$2 i c k keys=()
    for ((i = 0; i < ${#text}; i++)); do
        c=${text:i:1}
        case $c in
            ' ') k=spc ;;
            .) k=dot ;;
            /) k=slash ;;
            -) k=minus ;;
            '>') k=shift-dot ;;
            ';') k=semicolon ;;
            ':') k=shift-semicolon ;;
            '@') k=shift-2 ;;
            '*') k=shift-8 ;;
            '|') k=shift-backslash ;;
            $'\n') k=ret ;;
            [[:upper:]]) k=shift-${c,,} ;;
            [[:lower:]0-9]) k=$c ;;
            *) echo "qemu_type: no key for '$c'" >&2; return 1 ;;
        esac
        keys+=("$k")
    done
    [ -S "$dir/mon.sock" ] || { echo "qemu_type: no socket $dir/mon.sock" >&2; return 1; }
    { for k in "${keys[@]}"; do printf 'sendkey %s 50\n' "$k"; sleep "${QEMU_TYPE_GAP:-0.15}"; done; sleep 0.5; } |
        socat -t 2 - "UNIX-CONNECT:$dir/mon.sock" >/dev/null ||
        { echo "qemu_type: cannot talk to $dir/mon.sock" >&2; return 1; }
}

# _qemu_mouse_batch DIR CMD...: monitor commands in one connection, 50 ms
# apart (the guest reads the PS/2 mouse's small packets between them).
_qemu_mouse_batch() {
    local dir=$1 c
    shift
    [ -S "$dir/mon.sock" ] || { echo "qemu mouse: no socket $dir/mon.sock" >&2; return 1; }
    { for c in "$@"; do printf '%s\n' "$c"; sleep 0.05; done; sleep 0.3; } |
        socat -t 2 - "UNIX-CONNECT:$dir/mon.sock" >/dev/null ||
        { echo "qemu mouse: cannot talk to $dir/mon.sock" >&2; return 1; }
}

# _qemu_steps DX DY: mouse_move commands of at most 50 pixels each way.
_qemu_steps() {
    local dx=$1 dy=$2 sx sy
    while [ "$dx" -ne 0 ] || [ "$dy" -ne 0 ]; do
        sx=$((dx > 50 ? 50 : dx < -50 ? -50 : dx))
        sy=$((dy > 50 ? 50 : dy < -50 ? -50 : dy))
        echo "mouse_move $sx $sy"
        dx=$((dx - sx)) dy=$((dy - sy))
    done
}

# qemu_mouse_to DIR X Y: the (PS/2, relative) mouse to screen pixel X,Y:
# past the top left first, where dom0 stops it at 0,0 (bochs-display's
# 1280x800, and a margin), then to X,Y.
qemu_mouse_to() {
    local -a cmds
    mapfile -t cmds < <(_qemu_steps -1400 -900; _qemu_steps "$2" "$3")
    _qemu_mouse_batch "$1" "${cmds[@]}"
}

# qemu_mouse_drag DIR X1 Y X2: the left button down at X1,Y, moved to X2,Y,
# up there (a selection); qemu_mouse_click DIR X Y: down and up at X,Y.
qemu_mouse_drag() {
    local -a cmds
    mapfile -t cmds < <(_qemu_steps $(($4 - $2)) 0)
    qemu_mouse_to "$1" "$2" "$3" &&
        _qemu_mouse_batch "$1" "mouse_button 1" "${cmds[@]}" "mouse_button 0"
}

qemu_mouse_click() {
    qemu_mouse_to "$1" "$2" "$3" && _qemu_mouse_batch "$1" "mouse_button 1" "mouse_button 0"
}

# qemu_screendump DIR OUT.png [DEVICE HEAD]: save the display (or HEAD of
# the display device whose id is DEVICE) as PNG; waits until the file is
# complete (ends with the IEND chunk), 10 s at most.
qemu_screendump() {
    local dir=$1 png out deadline
    deadline=$(_qemu_deadline 10)
    png=$(realpath -m "$2")  # QEMU resolves relative paths from its own cwd
    rm -f "$png"
    out=$(qemu_monitor "$dir" "screendump $png -f png${3:+ $3 $4}") || return 1
    while :; do
        if [ -s "$png" ] && tail -c 12 "$png" | grep IEND >/dev/null; then return 0; fi
        if _qemu_expired "$deadline"; then
            qemu_fail "$dir" "screendump $png not written within 10s${out:+: $out}" || return 1
        fi
        sleep 0.2
    done
}

# qemu_png_pixel PNG X Y: print "R G B" of one pixel of an 8-bit RGB PNG
# (what QEMU's screendump writes), so tests can check what the guest drew.
qemu_png_pixel() {
    python3 "$(dirname "${BASH_SOURCE[0]}")/png.py" pixel "$@"
}

# qemu_wait_exit DIR TIMEOUT_S: wait for QEMU to exit (guest poweroff, or
# reboot thanks to -no-reboot); 1 on timeout.
qemu_wait_exit() {
    local dir=$1 deadline
    deadline=$(_qemu_deadline "$2")
    while _qemu_running "$dir"; do
        if _qemu_expired "$deadline"; then
            qemu_fail "$dir" "timeout (${2}s) waiting for QEMU to exit" || return 1
        fi
        sleep 0.2
    done
    wait "$(_qemu_pid "$dir")" 2>/dev/null || true  # reap if it is our child
}

# qemu_stop DIR: make sure QEMU is gone: monitor quit, SIGKILL after 3 s.
# Safe to call from an EXIT trap, repeatedly, or if QEMU never started.
qemu_stop() {
    local dir=$1 pid i
    _qemu_running "$dir" || return 0
    pid=$(_qemu_pid "$dir")
    qemu_monitor "$dir" quit >/dev/null 2>&1 || true
    for ((i = 0; i < 15; i++)); do
        _qemu_running "$dir" || break
        sleep 0.2
    done
    if _qemu_running "$dir"; then kill -KILL "$pid" 2>/dev/null || true; fi
    wait "$pid" 2>/dev/null || true
    return 0
}
