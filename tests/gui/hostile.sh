# tests/gui/hostile.sh - the compositor against hostile domains (issue 18):
# tests/gui/hostile.py's attacks, with gui-demo and hostile.py's honest
# slow client as the victims.  Sourced by tests/gui/run.sh once its helpers
# (demo, keys, ctl, wait_for, shot, start_compositor, type_text) and
# variables (W, BH, top) are defined; each check_hostile_NAME sets $why and
# returns non-zero on failure, as run.sh's checks do.  Needs root (the
# hugetlb check sets /proc/sys/vm/nr_hugepages), python3 and valgrind.
#
# Each check runs on a compositor of its own (W=$W/hostile/NAME, its own
# config copy, sockets and control socket, comp_pid its own): a check starts
# from an empty desktop with all four domains free, a crash ends that check
# only, and the check ends every process it started.
#   hostile-uaf          item 1: evil-vm never reads and floods CREATE/DESTROY
#                        pairs after 1..8 windows, before and after reading
#                        WELCOME; fills dom0's queue for it to the brim with
#                        MAPPED, then makes a window, after 1, 2, 4, 8 (the
#                        overflow from inside the re-tiling; it is dropped);
#                        then three domains at once: the compositor lives,
#                        red-vm (focused) keeps its window and keys
#   hostile-uaf-valgrind item 1 under valgrind (its own compositor): the
#                        floods with 1, 2, 4 windows and the queue filled
#                        with 4: no invalid read or write
#   hostile-retile       item 2: paced CREATE/DESTROY pairs (the attacker
#                        never dropped), re-connections with 8 windows, two
#                        attackers at once, an unpaced flood: neither red-vm's
#                        gui-demo nor blue-vm's client that reads every 200 ms
#                        is dropped, and both get their keys
#   hostile-retile-elsewhere  the same attacks with the victims on workspace 2
#   hostile-focus-close  item 3: the user closes the focused window; evil-vm,
#                        creating windows in bursts, gets no focus, no key
#   hostile-focus-workspace  the user switches to an empty workspace: the same
#   hostile-focus-launcher   the launcher for a domain without a channel, then
#                        for blue-vm (whose window comes a second later):
#                        evil-vm's windows, made meanwhile, get no focus and
#                        no key; blue-vm's window gets the focus
#   hostile-focus-recreate   evil-vm's focused window is destroyed and made
#                        again with the same id: no focus, no key
#   hostile-focus-late   the user asks evil-vm for a window and types on into
#                        red-vm's; evil-vm's window comes 3 s later, mid-way:
#                        red-vm gets every key, evil-vm none and no focus
#   hostile-budget       item 4: 63 windows of 64 MiB each: evil-vm dropped
#                        with a line that says "budget"
#   hostile-budget-global  five domains (two more in this check's config)
#                        each take what their budget allows (learnt from a
#                        drop), hold it and come back for it when dropped,
#                        together over the budget of all: red-vm's window,
#                        made fullscreen three times meanwhile, gets its
#                        buffers, keys and frame, and dom0's memfd mappings
#                        stay within GUI_MAPPED_TOTAL_MAX (and one buffer)
#   hostile-budget-largest  on a 4K desktop red-vm holds three screen-sized
#                        windows (92 MiB, within its fair share of a fifth);
#                        four attackers each take more, together over the
#                        budget of all, and come back when dropped: red-vm
#                        must never be dropped
#   hostile-churn        buffer replacement storms: 300 BUFFERs and 100
#                        re-creations of the window's size are not dropped
#                        and leave no mapping nor fd behind; 64 MiB ones (by
#                        blue-vm) do not stop red-vm's keys
#   hostile-hugetlb      item 4: a BUFFER in a hugetlbfs memfd is refused
#                        (nr_hugepages set to 4 for the check, then restored)
#   hostile-popup-escape  evil-vm's popups ask to be far outside its window,
#                        larger than the screen, nested further out: every
#                        pixel of theirs is inside evil-vm's orange frame
#                        (tint off, so that their green is exact); red-vm
#                        keeps its frame and its keys
#   hostile-starve       three floods at once while 26 keys are typed for
#                        red-vm: all arrive, in order
# What makes a check fail is said in $why; the compositor's log is in
# $W/hostile/NAME/compositor.log, each attacker's lines in NAME-ATTACK.out.

hostile_py=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/hostile.py
# The protocol version the compositor of this tree speaks.
hostile_version=$(sed -n 's/^#define[[:space:]]*GUI_VERSION[[:space:]]*\([0-9]*\).*/\1/p' \
    "$top/proto/guiproto.h")

# hostile_in NAME BODY [SETUP]: BODY against a compositor of its own in
# $W/hostile/NAME (SETUP first changes its config); every process started
# in it is ended after.  Freed memory is overwritten (MALLOC_PERTURB_), so
# that a use after free crashes at once rather than by chance.
hostile_in() {
    local W=$W comp_pid='' demo_pids=() hostile_pid='' rc
    hostile_dir "$1"
    "${3:-true}"
    if MALLOC_PERTURB_=165 start_compositor; then
        "$2"
        rc=$?
    else
        why="the compositor did not come up"
        rc=1
    fi
    if [ "$rc" -ne 0 ]; then
        echo "--- $W/compositor.log (last 15 lines) ---"
        tail -n 15 "$W/compositor.log"
    fi
    hostile_down
    return "$rc"
}

# hostile_dir NAME: W (the caller's) becomes $W/hostile/NAME, with a copy
# of the test config whose sockets are there.
hostile_dir() {
    W=$W/hostile/$1
    rm -rf "$W"
    mkdir -p "$W"
    cp -r "$top/tests/gui/config" "$W/config"
    printf 'gui_dir = "%s/sock"\ncontrol_socket = "%s/ctl"\nscreenshot_dir = "%s"\n' "$W" "$W" "$W" \
        >> "$W/config/desktop.cfg"
    chmod 1777 "$W"
}

hostile_down() {
    local p
    for p in "${demo_pids[@]}" $comp_pid; do kill "$p" 2>/dev/null; done
    for p in "${demo_pids[@]}" $comp_pid; do wait "$p" 2>/dev/null; done
    return 0
}

# hostile DOMAIN ATTACK ARGS...: hostile.py as DOMAIN, in the background,
# its lines in DOMAIN-ATTACK.out; its pid in hostile_pid.
hostile() {
    local dom=$1 attack=$2
    shift 2
    python3 "$hostile_py" "$attack" --socket "$W/sock/$dom.sock" --version "$hostile_version" "$@" \
        >> "$W/$dom-$attack.out" 2>&1 &
    hostile_pid=$!
    demo_pids+=("$hostile_pid")
}

# alive [WHEN]: the compositor still runs; if not, $why says how it died.
alive() {
    if kill -0 "$comp_pid" 2>/dev/null &&
        [ "$(cut -d' ' -f3 "/proc/$comp_pid/stat" 2>/dev/null)" != Z ]; then
        return 0
    fi
    wait "$comp_pid" 2>/dev/null
    local st=$? how
    case $st in
        139) how="SIGSEGV" ;;
        134) how="SIGABRT" ;;
        *) how=$( ((st > 128)) && echo "signal $((st - 128))" || echo "exit status $st") ;;
    esac
    why="the compositor died ($how)${1:+ $1}"
    return 1
}

# not_dropped DOMAIN...: no domain of these lost its channel.
not_dropped() {
    local d line
    for d in "$@"; do
        line=$(grep -m1 "domain $d: GUI channel dropped" "$W/compositor.log") || continue
        why="$d, an honest client, was dropped: ${line#*dropped: }"
        return 1
    done
}

# last_focus FILE: "1" if the client writing FILE (one window) was last
# told FOCUS 1, else "0".
last_focus() { grep -oE ' FOCUS [01]' "$1" 2>/dev/null | tail -n1 | grep -c ' 1'; }

# focused_domain: the domain whose window the compositor last focused, by
# its events (the client's own FOCUS line may come much later: a slow
# client reads every 0.2 s and redraws first).
focused_domain() {
    grep -E 'event=window-focus ' "$W/compositor.log" 2>/dev/null | tail -n1 |
        sed -nE 's/.* name=([^ ]+) window=[0-9]+ focused=1$/\1/p'
}

# focus_on FILE: Super+Tab, the user's act, until the client writing FILE
# (of the domain its name begins with: red-vm-slow.out is red-vm's) has the
# focus.  A press is made only once the compositor has taken the last one
# and focused another domain: pressing again while a slow client has yet to
# print its FOCUS 1 would move the focus past it.
focus_on() {
    local d i n
    d=$(basename "$1"); d=${d%%-vm*}-vm
    for ((i = 0; i < 12; i++)); do
        if [ "$(focused_domain)" = "$d" ]; then
            within 10 client_focused "$1" && return 0
        fi
        n=$(grep -c 'event=window-focus .*focused=1$' "$W/compositor.log")
        user_keys KEY_LEFTMETA 1 KEY_TAB 1 KEY_TAB 0 KEY_LEFTMETA 0 || return 1
        within 5 more_lines "$W/compositor.log" 'event=window-focus .*focused=1$' "$n"
    done
    return 1
}
client_focused() { [ "$(last_focus "$1")" = 1 ]; }

# more_lines FILE REGEX N: FILE has more than N lines matching REGEX.
more_lines() { [ "$(grep -cE -- "$2" "$1" 2>/dev/null)" -gt "$3" ]; }

# gets_key FILE KEY_NAME CODE: a key typed now reaches the client writing FILE.
gets_key() {
    local before
    before=$(grep -c " KEY $3 0" "$1" 2>/dev/null)
    user_keys "$2" 1 "$2" 0 || return 1
    within 5 more_lines "$1" " KEY $3 0" "$before"
}

# victim_ok DOMAIN FILE RRGGBB: DOMAIN's client (FILE) has the focus, gets a
# key and has its frame on screen, and the compositor lives.
victim_ok() {
    alive || return 1
    not_dropped "$1" || return 1
    focus_on "$2" || { why="$1's window cannot be focused any more"; return 1; }
    gets_key "$2" KEY_K 37 || { why="$1 (focused) did not get a key"; return 1; }
    local px
    px=$(shot "$1-end" "$3") || { why="no screenshot"; return 1; }
    if [ "$px" -lt 2000 ]; then why="$1's frame is not on screen ($3: $px px)"; return 1; fi
}

# released DOMAIN [SECONDS]: DOMAIN has no channel (each one that came up
# has gone, by dom0's drop or its own close): a new connection will not be
# refused as a second one.
released() { within "${2:-5}" no_channel "$1"; }
no_channel() {
    [ "$(grep -c "domain $1: GUI channel up" "$W/compositor.log")" -le \
        "$(grep -c "domain $1: GUI channel dropped" "$W/compositor.log")" ]
}

# mark FILE: how many lines FILE has now; since FILE MARK: the lines after.
mark() { wc -l < "$1"; }
since() { tail -n +"$(($2 + 1))" "$1"; }

# created FILE: how many windows focus-grab has made so far.
created() { grep -oE 'created [0-9]+' "$1" | tail -n1 | grep -oE '[0-9]+' || echo 0; }

# more_windows FILE N: focus-grab makes N more windows from now.
more_windows() {
    local target=$(($(created "$1") + $2 - 1))
    within 10 created_more "$1" "$target" && return 0
    why="evil-vm made no more windows: $(tail -n1 "$1")"
    return 1
}
created_more() { [ "$(created "$1")" -gt "$2" ]; }

# no_grab FILE MARK WHAT: the attacker writing FILE got no focus and no key
# since MARK, while keys were typed.
no_grab() {
    user_keys KEY_P 1 KEY_P 0 KEY_W 1 KEY_W 0 || return 1
    sleep 0.5
    local got
    got=$(since "$1" "$2" | grep -E ' FOCUS 1 | KEY ' | head -n3 | tr '\n' ' ')
    if [ -n "$got" ]; then
        why="evil-vm got focus or keys $3: $got"
        return 1
    fi
}

# wait_line FILE REGEX [SECONDS]: a line matching REGEX (extended) appears.
wait_line() { within "${3:-10}" grep -qsE -- "$2" "$1"; }

# finished PID FILE SECONDS: the attacker PID ends within SECONDS (its
# lines in FILE); else it is ended, and $why says so.
finished() {
    if within "$3" ended "$1"; then
        wait "$1" 2>/dev/null
        return 0
    fi
    kill "$1" 2>/dev/null
    why="the attacker did not end within $3 s: $(tail -n1 "$2")"
    return 1
}

ended() { ! kill -0 "$1" 2>/dev/null; }

# memfd_maps: how many memfd mappings the compositor has, and their MiB.
memfd_maps() {
    python3 -c 'import sys
n = b = 0
for line in open(sys.argv[1]):
    if "/memfd:" in line:
        lo, hi = (int(x, 16) for x in line.split()[0].split("-"))
        n, b = n + 1, b + hi - lo
print(n, b >> 20)' "/proc/$comp_pid/maps"
}

# user_keys CODE VALUE...: keys the user types; when they cannot be, $why
# says why (the compositor died, most likely).
user_keys() {
    keys "$@" && return 0
    alive && why="ctl key failed"
    return 1
}

# user_types TEXT: the same for type_text.
user_types() {
    type_text "$1" && return 0
    alive && why="ctl key failed"
    return 1
}

# A victim in the master tile, focused by the user: red-vm's gui-demo.
red_victim() {
    demo red-vm --title victim --color 802020
    wait_for "$W/red-vm.out" 'CONFIGURE' || { why="red-vm's window never came"; return 1; }
    focus_on "$W/red-vm.out" || { why="Super+Tab did not focus red-vm"; return 1; }
}

# --- item 1: a client dropped from inside the re-tiling -------------------

# uaf_round DOMAIN ARGS...: one never-reading flood from DOMAIN, to its end.
uaf_round() {
    local dom=$1
    shift
    hostile "$dom" uaf --again --pairs 1000 --seconds 1.5 --linger 0.5 "$@"
}

# fill_round M [SECONDS TO SETTLE]: evil-vm's fill attack with M windows,
# to its end: it must be dropped, and the compositor live.
fill_round() {
    local queue f=$W/evil-vm-fill.out
    queue=$(limit GUI_SEND_QUEUE_MAX)
    hostile evil-vm fill --windows "$1" --queue "${queue:-512}" --quiet "${2:-0.05}"
    finished "$hostile_pid" "$f" 60 || return 1
    alive "after evil-vm filled its queue and made a window, with $1 windows" || return 1
    if [ "$(tail -n1 "$f" | grep -c 'dropped after')" = 0 ]; then
        why="evil-vm, which reads nothing, was not dropped: $(tail -n1 "$f")"
        return 1
    fi
}

hostile_uaf() {
    red_victim || return 1
    local m welcome
    for m in 1 2 3 4 5 6 7 8; do
        for welcome in '' --read-welcome; do
            uaf_round evil-vm --windows "$m" $welcome
            finished "$hostile_pid" "$W/evil-vm-uaf.out" 20 || return 1
            alive "after evil-vm's never-read flood with $m windows${welcome:+, WELCOME read}" ||
                return 1
            released evil-vm
        done
    done
    # dom0's queue for evil-vm filled to the brim, then a window: the
    # overflow comes from inside the re-tiling.
    for m in 1 2 4 8; do
        fill_round "$m" || return 1
        released evil-vm
    done
    local pids=()
    uaf_round evil-vm --windows 4 && pids+=("$hostile_pid")
    uaf_round blue-vm --windows 2 --read-welcome && pids+=("$hostile_pid")
    uaf_round green-vm --windows 8 && pids+=("$hostile_pid")
    local p
    for p in "${pids[@]}"; do finished "$p" "$W/compositor.log" 30 || return 1; done
    alive "after three domains' never-read floods at once" || return 1
    echo "gui: hostile-uaf: $(grep -h HOSTILE "$W"/*-uaf.out | tail -n3 | tr '\n' ' ')"
    victim_ok red-vm "$W/red-vm.out" cc0000
}

check_hostile_uaf() { hostile_in uaf hostile_uaf; }

# The same flood, against a compositor under valgrind: a use after free
# that happens not to crash is still one.
check_hostile_uaf_valgrind() {
    local W=$W comp_pid='' demo_pids=() hostile_pid='' rc=0
    hostile_dir valgrind
    valgrind --error-exitcode=99 --log-file="$W/valgrind.log" \
        "$BH" compositor --config "$W/config" > "$W/compositor.log" 2>&1 &
    comp_pid=$!
    if ! wait_for "$W/compositor.log" 'compositor up' 120; then
        why="the compositor under valgrind did not come up"
        rc=1
    fi
    local m welcome
    for m in 1 2 4; do
        for welcome in '' --read-welcome; do
            [ "$rc" = 0 ] || break
            uaf_round evil-vm --windows "$m" $welcome
            finished "$hostile_pid" "$W/evil-vm-uaf.out" 60 || rc=1
            released evil-vm 20
            alive "under valgrind, after a flood with $m windows" || rc=1
        done
    done
    [ "$rc" = 0 ] && { fill_round 4 0.3 || rc=1; }
    kill "$comp_pid" 2>/dev/null
    wait "$comp_pid"
    local st=$?
    hostile_down
    local errors
    errors=$(grep -cE 'Invalid (read|write|free)' "$W/valgrind.log")
    echo "gui: hostile-uaf-valgrind: valgrind exit status $st, $errors invalid accesses," \
        "$(grep -h 'ERROR SUMMARY' "$W/valgrind.log")"
    if [ "$errors" -gt 0 ]; then
        why="valgrind saw $errors invalid accesses: $(grep -m1 -A3 -E 'Invalid (read|write|free)' \
            "$W/valgrind.log" | sed 's/^==[0-9]*== *//' | tr '\n' ' ')"
        return 1
    fi
    [ "$rc" = 0 ] || return 1
    if [ "$st" -ne 0 ]; then
        why="the compositor under valgrind ended with status $st (99: valgrind errors, see $W/valgrind.log)"
        return 1
    fi
}

# --- item 2: one domain's re-tiling gets another dropped ------------------

# Victims: red-vm's gui-demo (focused) and blue-vm's client that reads only
# every 200 ms.
two_victims() {
    red_victim || return 1
    hostile blue-vm slow --title slow --color 203080
    wait_line "$W/blue-vm-slow.out" 'window 1 CONFIGURE' ||
        { why="blue-vm's slow client got no CONFIGURE"; return 1; }
}

# retile_attacks: the attacks of item 2, one after the other; the victims
# must survive each.
retile_attacks() {
    local what
    for what in "paced CREATE/DESTROY pairs" "re-connections with 8 windows" \
        "two domains' paced pairs" "an unpaced flood"; do
        case $what in
            paced*) hostile evil-vm retile --pairs 2000 --seconds 5 ;;
            re-*) hostile evil-vm retile --reconnect --windows 8 --pairs 300 --seconds 5 ;;
            two*)
                hostile green-vm retile --pairs 1000 --windows 4 --seconds 5
                local other=$hostile_pid
                hostile evil-vm retile --pairs 1000 --seconds 5
                finished "$other" "$W/green-vm-retile.out" 30 || return 1
                ;;
            *) hostile evil-vm retile --no-pace --windows 0 --pairs 1000 --seconds 5 ;;
        esac
        finished "$hostile_pid" "$W/evil-vm-retile.out" 30 || return 1
        # A victim's drop first: at af662d3 the compositor dies of it next.
        if ! not_dropped red-vm blue-vm; then
            local dropped=$why
            alive || dropped="$dropped, then $why"
            why="$dropped (after $what)"
            return 1
        fi
        alive "after $what" || return 1
        released evil-vm
    done
    echo "gui: hostile-retile: $(grep -h ' sent ' "$W"/*-retile.out | tr '\n' ' ')"
}

# both_victims_ok: each victim, focused in turn, gets a key; both frames.
both_victims_ok() {
    victim_ok red-vm "$W/red-vm.out" cc0000 || return 1
    focus_on "$W/blue-vm-slow.out" || { why="blue-vm's window cannot be focused"; return 1; }
    gets_key "$W/blue-vm-slow.out" KEY_J 36 || { why="blue-vm (focused) did not get a key"; return 1; }
    not_dropped blue-vm || return 1
    local px
    px=$(shot blue-end 3465a4) || { why="no screenshot"; return 1; }
    if [ "$px" -lt 2000 ]; then why="blue-vm's frame is not on screen ($px px)"; return 1; fi
}

hostile_retile() {
    two_victims || return 1
    retile_attacks || return 1
    both_victims_ok
}

check_hostile_retile() { hostile_in retile hostile_retile; }

# The victims on workspace 2, the user and the attackers on workspace 1.
hostile_retile_elsewhere() {
    two_victims || return 1
    user_keys KEY_LEFTMETA 1 KEY_LEFTSHIFT 1 KEY_2 1 KEY_2 0 KEY_LEFTSHIFT 0 KEY_LEFTMETA 0 || return 1
    focus_on "$W/blue-vm-slow.out" || { why="blue-vm's window cannot be focused"; return 1; }
    user_keys KEY_LEFTMETA 1 KEY_LEFTSHIFT 1 KEY_2 1 KEY_2 0 KEY_LEFTSHIFT 0 KEY_LEFTMETA 0 || return 1
    retile_attacks || return 1
    user_keys KEY_LEFTMETA 1 KEY_2 1 KEY_2 0 KEY_LEFTMETA 0 || return 1
    both_victims_ok
}

check_hostile_retile_elsewhere() { hostile_in retile-elsewhere hostile_retile_elsewhere; }

# --- item 3: focus only by the user's act ---------------------------------

# grabber: evil-vm making windows in bursts of 4, every 20 ms.
grabber() {
    hostile evil-vm focus-grab --burst 4 --interval 0.02 --seconds 60
    wait_line "$W/evil-vm-focus-grab.out" 'created 20' || { why="focus-grab did not start"; return 1; }
}

hostile_focus_close() {
    red_victim || return 1
    demo blue-vm --title witness --color 203080
    wait_for "$W/blue-vm.out" 'CONFIGURE' || { why="blue-vm's window never came"; return 1; }
    focus_on "$W/red-vm.out" || { why="red-vm lost the focus to blue-vm's new window"; return 1; }
    grabber || return 1
    local f=$W/evil-vm-focus-grab.out at
    at=$(mark "$f")
    user_keys KEY_LEFTMETA 1 KEY_LEFTSHIFT 1 KEY_Q 1 KEY_Q 0 KEY_LEFTSHIFT 0 KEY_LEFTMETA 0 || return 1
    wait_for "$W/compositor.log" 'domain red-vm: GUI channel dropped: the domain closed it' ||
        { why="red-vm's window did not close"; return 1; }
    more_windows "$f" 40 || return 1
    no_grab "$f" "$at" "after the user closed the focused window" || return 1
    alive || return 1
    # The user picks the next window: blue-vm's, the first.
    focus_on "$W/blue-vm.out" || { why="Super+Tab did not focus blue-vm"; return 1; }
    gets_key "$W/blue-vm.out" KEY_K 37 || { why="blue-vm (focused) did not get a key"; return 1; }
    not_dropped blue-vm
}

check_hostile_focus_close() { hostile_in focus-close hostile_focus_close; }

hostile_focus_workspace() {
    red_victim || return 1
    grabber || return 1
    local f=$W/evil-vm-focus-grab.out at
    at=$(mark "$f")
    user_keys KEY_LEFTMETA 1 KEY_3 1 KEY_3 0 KEY_LEFTMETA 0 || return 1
    more_windows "$f" 40 || return 1
    no_grab "$f" "$at" "on the empty workspace the user switched to" || return 1
    user_keys KEY_LEFTMETA 1 KEY_1 1 KEY_1 0 KEY_LEFTMETA 0 || return 1
    victim_ok red-vm "$W/red-vm.out" cc0000
}

check_hostile_focus_workspace() { hostile_in focus-workspace hostile_focus_workspace; }

# launch LINE: Super+Return, LINE, Return.
launch() {
    user_keys KEY_LEFTMETA 1 KEY_ENTER 1 KEY_ENTER 0 KEY_LEFTMETA 0 &&
        user_types "$1" && user_keys KEY_ENTER 1 KEY_ENTER 0
}

hostile_focus_launcher() {
    red_victim || return 1
    # blue-vm opens the window the launcher asks for a second late.
    hostile blue-vm slow --title slow --color 203080 --run-delay 1
    wait_line "$W/blue-vm-slow.out" 'window 1 CONFIGURE' || { why="blue-vm's client did not come"; return 1; }
    grabber || return 1
    local f=$W/evil-vm-focus-grab.out at
    # On an empty workspace, the launcher for a domain with no channel.
    user_keys KEY_LEFTMETA 1 KEY_4 1 KEY_4 0 KEY_LEFTMETA 0 || return 1
    at=$(mark "$f")
    launch "green-vm xterm" || return 1
    wait_for "$W/compositor.log" 'launcher: green-vm has no GUI channel' ||
        { why="the launcher did not refuse green-vm"; return 1; }
    more_windows "$f" 40 || return 1
    no_grab "$f" "$at" "after the launcher was run for green-vm (no channel)" || return 1
    # On another empty one, the launcher for blue-vm; evil-vm's windows come
    # while it is open and before blue-vm's.
    user_keys KEY_LEFTMETA 1 KEY_5 1 KEY_5 0 KEY_LEFTMETA 0 || return 1
    at=$(mark "$f")
    user_keys KEY_LEFTMETA 1 KEY_ENTER 1 KEY_ENTER 0 KEY_LEFTMETA 0 || return 1
    more_windows "$f" 20 || return 1
    user_types "blue-vm xterm" && user_keys KEY_ENTER 1 KEY_ENTER 0 || return 1
    wait_line "$W/blue-vm-slow.out" 'window 2 for xterm' ||
        { why="blue-vm did not open the launcher's window"; return 1; }
    wait_line "$W/blue-vm-slow.out" 'FOCUS 1 window 2' 3 ||
        { why="blue-vm's window, asked for by the user, did not get the focus"; return 1; }
    no_grab "$f" "$at" "after the launcher was run for blue-vm" || return 1
    gets_key "$W/blue-vm-slow.out" KEY_K 37 || { why="blue-vm's new window did not get a key"; return 1; }
    alive && not_dropped red-vm blue-vm
}

check_hostile_focus_launcher() { hostile_in focus-launcher hostile_focus_launcher; }

hostile_focus_recreate() {
    red_victim || return 1
    hostile evil-vm recreate --rounds 40 --interval 0.05 --seconds 60
    local f=$W/evil-vm-recreate.out
    wait_for "$W/compositor.log" 'domain evil-vm: GUI channel up' || { why="evil-vm did not come"; return 1; }
    focus_on "$f" || { why="the user could not focus evil-vm's window"; return 1; }
    wait_line "$f" 'destroyed 1$' || { why="evil-vm did not destroy its window: $(tail -n1 "$f")"; return 1; }
    local at
    at=$(grep -n 'destroyed 1$' "$f" | cut -d: -f1)
    wait_line "$f" 'destroyed 10$' || { why="evil-vm stopped: $(tail -n1 "$f")"; return 1; }
    no_grab "$f" "$at" "after its focused window was destroyed and made again" || return 1
    victim_ok red-vm "$W/red-vm.out" cc0000
}

check_hostile_focus_recreate() { hostile_in focus-recreate hostile_focus_recreate; }

# The user asks evil-vm for a window and goes on typing into red-vm's, which
# kept the focus; evil-vm's window comes seconds later, in the middle of
# the typing (a password, say): it must not take the rest of the keys.
hostile_focus_late() {
    red_victim || return 1
    hostile evil-vm slow --title late --color f57900 --run-delay 3 --read-every 0.05
    local f=$W/evil-vm-slow.out at from
    wait_line "$f" 'window 1 CONFIGURE' || { why="evil-vm's client did not come"; return 1; }
    focus_on "$W/red-vm.out" || { why="red-vm lost the focus to evil-vm's window"; return 1; }
    launch "evil-vm xterm" || return 1
    wait_line "$f" 'RUN xterm' || { why="evil-vm was not asked to run xterm"; return 1; }
    at=$(mark "$W/red-vm.out")
    from=$(mark "$f")
    user_types abc || return 1
    wait_line "$f" 'window 2 for xterm' || { why="evil-vm's late window did not come"; return 1; }
    sleep 0.5
    user_types def || return 1
    # shellcheck disable=SC2046
    typed_in_order "$W/red-vm.out" 30 1 30 0 48 1 48 0 46 1 46 0 32 1 32 0 18 1 18 0 33 1 33 0 ||
        { why="red-vm, typed into, lost keys to evil-vm's late window: $why"; return 1; }
    no_grab "$f" "$from" "with a window that came while the user typed into red-vm" || return 1
    alive && not_dropped red-vm
}

check_hostile_focus_late() { hostile_in focus-late hostile_focus_late; }

# --- item 4: what a domain may make dom0 map ------------------------------

# budget_end FILE SECONDS: the budget attack's last word (dropped after or
# holding) within SECONDS.
budget_end() {
    wait_line "$1" ' (dropped after|holding|stalled after) ' "$2" ||
        { why="the budget attack did not end: $(tail -n1 "$1")"; return 1; }
}

hostile_budget() {
    red_victim || return 1
    hostile evil-vm budget --windows 63 --width 8192 --height 2048
    local f=$W/evil-vm-budget.out
    budget_end "$f" 60 || return 1
    echo "gui: hostile-budget: $(grep -E 'dropped|holding|stalled' "$f" | tail -n1);" \
        "dom0's memfd mappings (count, MiB): $(memfd_maps)"
    if ! grep -q 'dropped after' "$f"; then
        why="evil-vm was not dropped: $(tail -n1 "$f")"
        return 1
    fi
    local line
    line=$(grep -m1 'domain evil-vm: GUI channel dropped' "$W/compositor.log")
    if [[ "$line" != *budget* ]]; then
        why="evil-vm's drop does not say budget: ${line:-no drop logged}"
        return 1
    fi
    victim_ok red-vm "$W/red-vm.out" cc0000
}

check_hostile_budget() { hostile_in budget hostile_budget; }

# limit NAME: a limit of lib/limits.h ("(128ull * 1024 * 1024)"), in bytes.
limit() {
    python3 -c 'import re, sys
m = re.search(r"^#define\s+" + sys.argv[2] + r"\s+(.*)$", open(sys.argv[1]).read(), re.M)
print(eval(re.sub(r"(\d+)u?l*l*", r"\1", m.group(1).split("/*")[0])) if m else "")' \
        "$top/lib/limits.h" "$1"
}

# within_total MAPS [WHEN]: MAPS (memfd_maps: count and MiB) is within
# dom0's budget for all domains' buffers (lib/limits.h), and one buffer
# more for a moment (until the largest holder's are unmapped).
within_total() {
    local total mib=${1#* }
    total=$(limit GUI_MAPPED_TOTAL_MAX)
    if [ -z "$total" ]; then
        why="dom0 maps $mib MiB of domains' buffers${2:+ $2}, with no budget for all of them"
        why="$why (no GUI_MAPPED_TOTAL_MAX in lib/limits.h)"
        return 1
    fi
    if [ "$mib" -gt $(((total >> 20) + 64)) ]; then
        why="dom0 maps $mib MiB of domains' buffers${2:+ $2}, over the budget of $((total >> 20)) MiB"
        return 1
    fi
}

# Two more domains with windows, for five attackers.
more_domains() {
    local d label
    for d in evil2-vm:purple evil3-vm:yellow; do
        label=${d#*:}
        sed "s/^label = .*/label = \"$label\"/" "$W/config/domains/evil-vm.cfg" \
            > "$W/config/domains/${d%%:*}.cfg"
    done
}

# fullscreen_configured N: red-vm's demo got a CONFIGURE after its Nth, as
# tall as the screen but its frame (taller than any tile).
fullscreen_configured() { within 5 configured_since "$1" "CONFIGURE [0-9]+x$((640 - 26))\$"; }
configured_since() { grep CONFIGURE "$W/red-vm.out" | tail -n +"$(($1 + 1))" | grep -qE "$2"; }

hostile_budget_global() {
    red_victim || return 1
    local d doms="evil-vm blue-vm green-vm evil2-vm evil3-vm"
    # Five domains at once, each after all its budget allows and back for
    # it whenever it is dropped, until the check ends.
    for d in $doms; do
        hostile "$d" budget --learn --persist --seconds 60 --windows 63 --width 8192 --height 2048
    done
    for d in $doms; do
        wait_line "$W/$d-budget.out" ' holding ' 50 || { why="$d: $(tail -n1 "$W/$d-budget.out")"; return 1; }
    done
    local maps round n px
    for round in 1 2 3; do
        # red-vm's window, fullscreen and back, needs new buffers meanwhile.
        n=$(grep -c CONFIGURE "$W/red-vm.out")
        user_keys KEY_LEFTMETA 1 KEY_F 1 KEY_F 0 KEY_LEFTMETA 0 || return 1
        fullscreen_configured "$n" || { why="red-vm was not made fullscreen (round $round)"; return 1; }
        sleep 0.5
        maps=$(memfd_maps)
        not_dropped red-vm || return 1
        px=$(shot fullscreen 802020) || { why="no screenshot"; return 1; }
        if [ "$px" -lt 500000 ]; then
            why="red-vm's fullscreen pixels are not shown ($px px, round $round)"
            return 1
        fi
        user_keys KEY_LEFTMETA 1 KEY_F 1 KEY_F 0 KEY_LEFTMETA 0 || return 1
        gets_key "$W/red-vm.out" KEY_K 37 || { why="red-vm did not get a key (round $round)"; return 1; }
        echo "gui: hostile-budget-global: round $round: dom0's memfd mappings (count, MiB): $maps"
        within_total "$maps" "(round $round)" || return 1
    done
    echo "gui: hostile-budget-global: $(for d in $doms; do
        echo "$d: $(grep -c ' holding ' "$W/$d-budget.out") holds, $(grep -c 'while holding' \
            "$W/$d-budget.out") drops while holding;"
    done | tr '\n' ' ')"
    for d in $doms; do
        grep -q "domain $d: GUI channel dropped: .*budget" "$W/compositor.log" ||
            { why="$d was never dropped for a budget: $(grep -m1 ' holding ' "$W/$d-budget.out")"; return 1; }
    done
    victim_ok red-vm "$W/red-vm.out" cc0000
}

check_hostile_budget_global() { hostile_in budget-global hostile_budget_global more_domains; }

# A 3840x2160 desktop, and two more domains.
big_desktop() {
    sed -i 's/^headless_size = .*/headless_size = "3840x2160"/' "$W/config/desktop.cfg"
    more_domains
}

# An honest domain within its fair share of the budget of all (a fifth,
# 102.4 MiB, with the four attackers): red-vm's three windows, each alone
# on a workspace of a 4K screen (3 x 30.7 MiB).  Four attackers each take
# more than that (--cap 120 MiB), together more than all domains may, and
# come back when dropped: whatever they do, red-vm must not be the one to
# pay (docs/GUI-PROTOCOL.md, "Fairness").
hostile_budget_largest() {
    demo red-vm --title big --color 802020 --windows 3
    wait_line "$W/red-vm.out" 'window 2 CONFIGURE' || { why="red-vm's windows did not come"; return 1; }
    local ws i
    for ws in 2 3; do
        user_keys KEY_LEFTMETA 1 KEY_TAB 1 KEY_TAB 0 KEY_LEFTMETA 0 \
            KEY_LEFTMETA 1 KEY_LEFTSHIFT 1 "KEY_$ws" 1 "KEY_$ws" 0 KEY_LEFTSHIFT 0 KEY_LEFTMETA 0 ||
            return 1
    done
    for i in 0 1 2; do
        wait_line "$W/red-vm.out" "window $i CONFIGURE 3826x2104" ||
            { why="red-vm's window $i was not made the size of the screen"; return 1; }
    done
    # The user looks at workspace 4, where the attackers' windows go: red-vm's
    # keep their size.
    user_keys KEY_LEFTMETA 1 KEY_4 1 KEY_4 0 KEY_LEFTMETA 0 || return 1
    sleep 0.5
    echo "gui: hostile-budget-largest: red-vm's buffers: dom0's memfd mappings (count, MiB): $(memfd_maps)"
    local d doms="evil-vm blue-vm green-vm evil2-vm"
    for d in $doms; do
        hostile "$d" budget --learn --cap 120 --seconds 60 --windows 63 --width 8192 --height 2048
    done
    for d in $doms; do
        wait_line "$W/$d-budget.out" ' holding ' 50 || { why="$d: $(tail -n1 "$W/$d-budget.out")"; return 1; }
    done
    local maps
    maps=$(memfd_maps)
    echo "gui: hostile-budget-largest: $(grep -h ' holding ' "$W"/*-budget.out | tr '\n' ' ');" \
        "dom0's memfd mappings (count, MiB): $maps"
    alive || return 1
    not_dropped red-vm || return 1
    within_total "$maps" || return 1
    user_keys KEY_LEFTMETA 1 KEY_1 1 KEY_1 0 KEY_LEFTMETA 0 || return 1
    focus_on "$W/red-vm.out" || { why="red-vm's window cannot be focused"; return 1; }
    gets_key "$W/red-vm.out" KEY_K 37 || { why="red-vm (focused) did not get a key"; return 1; }
    not_dropped red-vm
}

check_hostile_budget_largest() { hostile_in budget-largest hostile_budget_largest big_desktop; }

# typed_in_order FILE KEYS...: FILE got exactly these keys (code value
# pairs) since MARK (in $at), Super aside, in this order.
typed_in_order() {
    local file=$1 want got
    shift
    want=$(printf '%s %s\n' "$@")
    within 10 keys_are "$file" "$want" && return 0
    got=$(keys_since "$file")
    local diffs
    diffs=$(diff <(echo "$want") <(echo "$got") | grep '^[<>]' | head -n4 | tr '\n' ' ')
    why="keys out of order or lost: got $(echo "$got" | wc -l) of $(echo "$want" | wc -l): $diffs"
    return 1
}

keys_since() { since "$1" "$at" | grep -oE 'KEY [0-9]+ [0-9]+' | cut -d' ' -f2-; }
keys_are() { [ "$(keys_since "$1")" = "$2" ]; }

# The letters a..z, as evdev codes, and as the key events of typing them.
alphabet_codes() { echo 30 48 46 32 18 33 34 35 23 36 37 38 50 49 24 25 16 19 31 20 22 47 17 45 21 44; }
alphabet_pairs() { local c; for c in $(alphabet_codes); do echo "$c 1 $c 0"; done; }

hostile_churn() {
    red_victim || return 1
    local before after at
    sleep 0.3
    before=$(memfd_maps)
    local fds_before
    fds_before=$(ls "/proc/$comp_pid/fd" | wc -l)
    hostile evil-vm churn --buffers 300 --recreate 100 --hold 600
    local f=$W/evil-vm-churn.out
    wait_line "$f" '(holding|dropped|stalled) after' 60 || { why="the churn did not end: $(tail -n1 "$f")"; return 1; }
    if ! grep -q 'holding after' "$f"; then
        why="evil-vm, replacing buffers of its window's size, was dropped: $(tail -n1 "$f")"
        return 1
    fi
    sleep 0.3
    after=$(memfd_maps)
    local fds_after
    fds_after=$(ls "/proc/$comp_pid/fd" | wc -l)
    echo "gui: hostile-churn: memfd mappings (count, MiB) before $before, after $after;" \
        "fds $fds_before, $fds_after"
    if [ "${after%% *}" -gt $((${before%% *} + 1)) ] || [ "$fds_after" -gt $((fds_before + 2)) ]; then
        why="mappings or fds left behind: memfd mappings $before -> $after, fds $fds_before -> $fds_after"
        return 1
    fi
    # 64 MiB buffers replaced as fast as dom0 maps them, while the user types.
    hostile blue-vm churn --width 8192 --height 2048 --buffers 200 --recreate 50 --hold 600
    at=$(mark "$W/red-vm.out")
    user_types abcdefghijklmnopqrstuvwxyz || return 1
    # shellcheck disable=SC2046
    typed_in_order "$W/red-vm.out" $(alphabet_pairs) || return 1
    wait_line "$W/blue-vm-churn.out" '(holding|dropped|stalled) after' 60 ||
        { why="the 64 MiB churn did not end: $(tail -n1 "$W/blue-vm-churn.out")"; return 1; }
    echo "gui: hostile-churn: 64 MiB buffers: $(tail -n1 "$W/blue-vm-churn.out")"
    victim_ok red-vm "$W/red-vm.out" cc0000
}

check_hostile_churn() { hostile_in churn hostile_churn; }

hostile_hugetlb() {
    red_victim || return 1
    if [ "$(awk '/HugePages_Free/ { print $2 }' /proc/meminfo)" -lt 1 ]; then
        why="no free huge page to try with (nr_hugepages $(cat /proc/sys/vm/nr_hugepages))"
        return 1
    fi
    hostile evil-vm hugetlb --hold 600
    local f=$W/evil-vm-hugetlb.out
    wait_line "$f" 'ordinary buffer taken' 10 || { why="evil-vm's ordinary buffer: $(tail -n1 "$f")"; return 1; }
    wait_line "$f" '(hugetlb buffer taken|dropped after|cannot make|stalled)' 10 ||
        { why="no answer to the hugetlb buffer: $(tail -n1 "$f")"; return 1; }
    echo "gui: hostile-hugetlb: $(tail -n1 "$f"); $(grep -m1 'domain evil-vm: GUI channel dropped' \
        "$W/compositor.log")"
    if grep -q 'cannot make' "$f"; then why="$(tail -n1 "$f")"; return 1; fi
    if ! grep -q 'dropped after' "$f"; then
        why="dom0 took a BUFFER in a hugetlbfs memfd: $(tail -n1 "$f")"
        return 1
    fi
    victim_ok red-vm "$W/red-vm.out" cc0000
}

check_hostile_hugetlb() {
    local pages rc
    pages=$(cat /proc/sys/vm/nr_hugepages)
    echo 4 > /proc/sys/vm/nr_hugepages
    hostile_in hugetlb hostile_hugetlb
    rc=$?
    echo "$pages" > /proc/sys/vm/nr_hugepages
    return "$rc"
}

no_tint() { sed -i 's/^tint = 1/tint = 0/' "$W/config/desktop.cfg"; }

hostile_popup_escape() {
    red_victim || return 1
    hostile evil-vm popup-escape --color 00ff00 --hold 600
    local f=$W/evil-vm-popup-escape.out inside outside
    wait_line "$f" '(popups shown|dropped after|stalled)' 10 ||
        { why="evil-vm's popups: $(tail -n1 "$f")"; return 1; }
    grep -q 'popups shown' "$f" || { why="evil-vm was refused its popups: $(tail -n1 "$f")"; return 1; }
    sleep 0.5
    ctl screenshot "$W/popup-escape.png" || { why="no screenshot"; return 1; }
    read -r inside outside <<<"$(python3 "$top/tests/qemu/png.py" within "$W/popup-escape.png" f57900 00ff00)"
    echo "gui: hostile-popup-escape: $(grep -c 'asked for' "$f") popups ($(grep 'asked for' "$f" | sed 's/.*popup //' | tr '\n' ';')); their green: $inside pixels inside evil-vm's frame, $outside outside"
    if [ "${inside:-0}" -lt 1000 ] || [ "${outside:-1}" -ne 0 ]; then
        why="evil-vm's popups: $inside green pixels inside its frame, $outside outside"
        return 1
    fi
    victim_ok red-vm "$W/red-vm.out" cc0000
}

check_hostile_popup_escape() { hostile_in popup-escape hostile_popup_escape no_tint; }

hostile_starve() {
    red_victim || return 1
    hostile evil-vm flood --seconds 15
    hostile blue-vm flood --kinds title,damage --seconds 15
    hostile green-vm retile --pairs 100000 --seconds 15
    sleep 1
    local at
    at=$(mark "$W/red-vm.out")
    user_types abcdefghijklmnopqrstuvwxyz || return 1
    # shellcheck disable=SC2046
    typed_in_order "$W/red-vm.out" $(alphabet_pairs) || return 1
    alive "during the floods" || return 1
    victim_ok red-vm "$W/red-vm.out" cc0000
}

check_hostile_starve() { hostile_in starve hostile_starve; }
