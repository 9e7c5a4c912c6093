#!/usr/bin/env bash
# The domains' volumes (issue 5) under Xen 4.17 in QEMU (TCG), with the
# pool on QEMU's virtio disk (ext4, made here), which outlives each boot.
# Domains (tests/xen/storage/config): tmpl (template, root from an image
# with /etc/marker "v1"), app (its AppVM), disp (a named disposable of it);
# each writes notes to its root, private and volatile volumes at boot and
# reports what it found (DOMU-VOL).  Checks:
#   bringup     dom0 up, the pool mounted
#   disposable  disp stops cleanly (ctl stop/start), then crashes: both
#               times it boots with no note on any volume
#   app         app restarts: its private note is kept, root and volatile
#               notes are gone
#   template    tmpl writes marker v2 into its root; app sees v2 after its
#               next start, with its private note still there
#   run-disposable
#               dvm (a disposable template, preload = 1) has one disposable
#               booted and paused; `ctl run-disposable dvm CMD' takes it,
#               CMD runs there (dirtying its root and private), and when
#               CMD ends the disposable is gone with its dm devices (kept
#               as spares, renamed: the next disposable is made of them);
#               the next one (`run-disposable -': storage.cfg's default) has
#               none of that dirt, nor, on its raw disks, the secret the
#               first wrote on each; one of cold (no preload) boots for its
#               request; one that crashes is gone, not restarted; one asked
#               for no command is answered at once by the preloaded one; a
#               new preload is ready after each request
#   open-in-disposable
#               a disposable of cold runs `bulkhead open-in-disposable'
#               twice (policy.d: bulkhead.OpenInVM to @dispvm allowed,
#               dvm): each call gets a new disposable of dvm (the preloaded
#               one first), whose /etc/bulkhead/open edits note.txt (the
#               edit comes back) and only reads keep.txt (it stays as it
#               was); each call's disposable is destroyed once the call is
#               over, with its dm devices
#   dom0-dispvm dom0 calls a new disposable itself (`ctl rpc @dispvm
#               test.Upper', no policy): the one made for it answers, and is
#               destroyed once the call is over
#   flood       two disposables write their agent's key in a loop, from
#               four processes each; meanwhile `ctl list' answers within 5 s each
#               time (15 times, each printed; none while a domain is being
#               built), disp crashed on purpose is created again; the
#               flooders are killed and gone
#   cleanup     the manager is stopped, disp destroyed behind its back, the
#               manager killed: the new one removes disp's stale dm devices
#               and starts disp clean; a manager killed takes a preloaded
#               disposable back paused, and one killed while a preload
#               boots pauses it once it is ready
#   powercut    QEMU quits while disp is being reset; after the next boot
#               app's private note (from the first boot) is intact, app
#               sees v2, only running domains have dm devices (a new
#               preloaded dispN among them), and no scratch file is left
#               of a stopped domain (the first boot's disposables included)
#   no-panic    neither Xen nor dom0 panicked
# usage: tests/xen/storage.sh BULKHEAD   (as root)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/linux/common.sh
. "$here/../linux/common.sh"
# shellcheck source=tests/xen/lib.sh
. "$here/lib.sh"
suite_start xen-storage "$@"
LINUX_CONFIG=$here/storage/config
SUITE=xen-storage
CHECKS=(bringup disposable app template run-disposable open-in-disposable dom0-dispvm flood cleanup powercut
    no-panic)
CHECKS_WITHOUT_VM='powercut no-panic'
DOMAIN_TIMEOUT=${DOMAIN_TIMEOUT:-300}
POOL=$LINUX_VM/pool.img
t_qemu=0 t_boot=0

# The template's first root: ext2 with /etc/marker; the pool: empty ext4.
make_images() {
    rm -rf "$LINUX_VM/tmpl-root" && mkdir -p "$LINUX_VM/tmpl-root/etc"
    echo v1 > "$LINUX_VM/tmpl-root/etc/marker"
    rm -f "$LINUX_VM/tmpl-root.img" "$POOL"
    mke2fs -q -t ext2 -d "$LINUX_VM/tmpl-root" "$LINUX_VM/tmpl-root.img" 32M
    mke2fs -q -t ext4 -F "$POOL" 512M
}
xen_new_attempt() { make_images; }

start_with_pool() {
    qemu_start_xen "$1" "$2" "" -drive "file=$POOL,if=virtio,format=raw"
}

boot() {
    boot_guest start_with_pool "$(ev service-started name=xenconsoled)" \
        'service xenconsoled started' --xen --busybox \
        --add "$LINUX_VM/vmlinux:/var/lib/bulkhead/vmlinux" \
        --add "$LINUX_VM/domu.cpio:/var/lib/bulkhead/domu.cpio" \
        --add "$LINUX_VM/tmpl-root.img:/var/lib/bulkhead/tmpl-root.img" \
        --add "$here/config/scripts/consoles.sh:/etc/bulkhead/scripts/consoles.sh" \
        --add "$here/config/scripts/waits.sh:/etc/bulkhead/scripts/waits.sh"
}

# vol NAME N: the Nth DOMU-VOL line of NAME in this boot's log.
vol() { serial | grep -E "^$1\| DOMU-VOL name=$1 " | sed -n "$2p" | sed 's/.*DOMU-VOL //'; }
# stamp NAME N: what NAME's Nth boot wrote (NAME-UPTIME). Matched whole, not
# taken as the line's last word: the domain's kernel may print into the middle
# of its console line (CI once read "grants" from a grant-table message).
stamp() { serial | grep -oE "^$1\| DOMU-WROTE name=$1 $1-[0-9.]+" | sed -n "$2p" | awk '{ print $4 }'; }

# volumes.sh's markers (expect_marker): VOL-TIMEOUT when a step of its
# own timed out.
MARKER_FAIL='^VOL-TIMEOUT' MARKER_SERVICE=volumes MARKER_TIMEOUT=$DOMAIN_TIMEOUT

check_bringup() {
    build_domu
    make_images
    boot || return 1
    if ! expect_event pool-mounted device=/dev/vda path=/var/lib/bulkhead/pool "$STEP_TIMEOUT"; then
        fatal='no pool'
        return 1
    fi
}

check_disposable() {
    expect_marker '^VOL-DISP-DONE' 'disp did not go through its stop and crash' || return 1
    local n line
    for n in 1 2 3; do
        line=$(vol disp "$n")
        if [ "$line" != "name=disp marker=v1 root-note=none private-note=none volatile-note=none" ]; then
            why="disp's boot $n found: $line"
            return 1
        fi
    done
    in_order '^VOL-DM .*bulkhead-disp-root' "$(ev domain-stopping name=disp)" \
        "$(ev volumes-released name=disp)" "$(ev volumes-ready name=disp)" \
        "$(ev domain-died name=disp how=crash)" \
        "$(ev volumes-released name=disp)" "$(ev volumes-ready name=disp)" || return 1
    info "disposable: 3 boots, each clean; $(serial | grep -E "$(ev 'volumes-(ready|released)' name=disp)" | sed 's/.*event=//' | head -n 4 | tr '\n' ';')"
}

check_app() {
    expect_marker '^VOL-APP-DONE' 'app did not restart' || return 1
    local want line
    want="name=app marker=v1 root-note=none private-note=$(stamp app 1) volatile-note=none"
    line=$(vol app 2)
    if [ "$line" != "$want" ]; then
        why="app's second boot found: $line; expected: $want"
        return 1
    fi
    info "app: $line"
}

check_template() {
    expect_marker '^VOL-TEMPLATE-DONE' 'app did not start after the template changed' || return 1
    local want line
    want="name=app marker=v2 root-note=none private-note=$(stamp app 2) volatile-note=none"
    line=$(vol app 3)
    if [ "$line" != "$want" ]; then
        why="app after the template's change found: $line; expected: $want"
        return 1
    fi
    if [ "$(ctl_line VOL-TMPL-FILES)" != "private.img root.img " ]; then
        why="the stopped template's files: $(ctl_line VOL-TMPL-FILES)"
        return 1
    fi
    info "template: $line"
}


# answered TAG: "NAME MS" of a VOL-RUN-TAG line ("NAME bulkhead ctl:
# NAME answered in MS ms").
answered() { ctl_line "VOL-RUN-$1" | awk '{ print $1, $(NF - 1) }'; }

check_run_disposable() {
    expect_marker '^VOL-RUN-DONE' 'the disposables on request did not all run' || return 1
    local pre def cold crash p d c x
    read -r p pre <<< "$(answered PRELOADED)"
    read -r d def <<< "$(answered DEFAULT)"
    read -r c cold <<< "$(answered COLD)"
    read -r x crash <<< "$(answered CRASH)"
    read -r u nocmd <<< "$(answered NOCMD)"
    in_order "$(ev disposable-ready name="$p" template=dvm preload=1)" \
        "$(ev disposable-taken name="$p" template=dvm state=preloaded)" \
        "$(ev disposable-answered name="$p" template=dvm command=1)" \
        "$(ev disposable-command-ended name="$p" status=0)" \
        "$(ev volumes-released name="$p")" \
        "$(ev disposable-gone name="$p" template=dvm)" || return 1
    # Its devices parked as spares (docs/STORAGE.md, "Kept devices"), and
    # the next disposable made of spares: the one after it must be clean
    # all the same (DISP-CHECK below).
    in_order "$(ev volumes-released name="$p" 'spares=[1-3]')" \
        "$(ev volumes-ready 'name=disp[0-9]+' 'spares=[1-3]')" || return 1
    # Its command's output: a domain's console comes through xenconsoled's
    # log and the consoles service, later than dom0's own lines may.
    serial_has "^$p\\| DISP-RAN $p\$" || { why="$p's command said nothing (no DISP-RAN)"; return 1; }
    serial_has "^$p\\| DISP-SECRETS 3\$" ||
        { why="$p did not write its three secrets: $(serial | grep -m1 -E "^$p\\| DISP-SECRETS" || echo no DISP-SECRETS line)"; return 1; }
    case "$(ctl_line VOL-GONE)" in
        "$p dm: "*"bulkhead-$p-"*) why="$p's dm devices outlived it: $(ctl_line VOL-GONE)"; return 1 ;;
        "$p dm: "*) ;;
        *) why="no VOL-GONE line for $p"; return 1 ;;
    esac
    # Not anchored: dom0's kernel may print into the start or end of the line.
    if ! serial_has "$d\\| DISP-CHECK name=$d root=none private=none secrets=0"; then
        why="the disposable after $p is not clean: $(serial | grep -m1 "DISP-CHECK" || echo no DISP-CHECK line)"
        return 1
    fi
    in_order "$(ev disposable-taken name="$c" template=cold state=none)" \
        "$(ev domain-creating name="$c")" "^$c\\| DISP-COLD $c\$" || return 1
    in_order "$(ev domain-died name="$x" how=crash)" "$(ev disposable-gone name="$x" template=dvm)" ||
        return 1
    if [ "$(serial | grep -cE "$(ev domain-creating name="$x")")" -ne 1 ]; then
        why="$x was created again after its crash"
        return 1
    fi
    # No command: the preloaded one is up, and that is the answer.
    in_order "$(ev disposable-taken name="$u" template=dvm state=preloaded)" \
        "$(ev disposable-answered name="$u" template=dvm command=0)" "^VOL-RUN-NOCMD $u " || return 1
    local list
    list=$(ctl_line VOL-DISP-LIST)
    if ! [[ "$list" =~ ^disp[0-9]+=preloaded\ +dm: ]]; then
        why="after the requests, the unnamed disposables and dm devices: $list"
        return 1
    fi
    local n
    for n in "$p" "$d" "$c" "$x" "$u"; do
        case "$list" in *"bulkhead-$n-"*) why="$n's devices are left: $list"; return 1 ;; esac
    done
    info "run-disposable: answered in ${pre} ms ($p, preloaded), ${def} ms ($d, taken while it booted or preloaded), ${cold} ms ($c, booted for it), ${crash} ms ($x), ${nocmd} ms ($u, no command); then: $list"
}

check_open_in_disposable() {
    expect_marker '^VOL-OPEN-DONE' 'the files opened in disposables did not come back' || return 1
    local opener d k
    opener=$(answered OPEN | cut -d' ' -f1)
    # The disposables made for its calls, in order.
    made() {
        serial | grep -E "$(ev rpc-dispvm source="$opener" 'id=[0-9]+' service=bulkhead.OpenInVM)" |
            sed -n "$1p" | grep -oE ' name=disp[0-9]+' | cut -d= -f2
    }
    d=$(made 1) k=$(made 2)
    if [ -z "$d" ] || [ -z "$k" ] || [ "$d" = "$k" ]; then
        why="$opener's two calls did not get two disposables: first=${d:-none} second=${k:-none}"
        return 1
    fi
    # The first took dvm's preloaded disposable; each is destroyed once its
    # call is over (which may be before the caller says what it found).
    in_order "$(ev disposable-taken name="$d" template=dvm state=preloaded)" \
        "$(ev rpc-connected source="$opener" 'id=[0-9]+' service=bulkhead.OpenInVM target="$d")" \
        "$(ev rpc-done source="$opener" 'id=[0-9]+')" "$(ev rpc-dispvm-over name="$d")" \
        "$(ev disposable-gone name="$d" template=dvm)" || return 1
    in_order "$(ev rpc-dispvm-over name="$d")" \
        "$(ev rpc-connected source="$opener" 'id=[0-9]+' service=bulkhead.OpenInVM target="$k")" \
        "$(ev rpc-dispvm-over name="$k")" "$(ev disposable-gone name="$k" template=dvm)" ||
        return 1
    # The edit came back; the file only read stayed as it was.
    in_order "$opener\\| DISP-OPENED rc=0 a note\\|edited in $d\\|" \
        "$opener\\| DISP-KEPT rc=0 keep" || return 1
    local line
    line=$(ctl_line VOL-OPEN-DONE)
    case "$line" in
        *"$d="* | *"$k="* | *"bulkhead-$d-"* | *"bulkhead-$k-"*)
            why="a call's disposable is left: $line"
            return 1 ;;
    esac
    info "open-in-disposable: $opener's note.txt edited in $d and back; keep.txt opened in $k, unchanged; after: $line"
}

check_dom0_dispvm() {
    expect_marker '^VOL-DOM0-DONE' "dom0's call to a new disposable did not end" || return 1
    local line d
    line=$(ctl_line VOL-DOM0-CALL)
    [ "$line" = "status=0 out=FROM DOM0" ] ||
        { why="ctl rpc @dispvm test.Upper: $line"; return 1; }
    d=$(serial | grep -E "$(ev rpc-dispvm source=dom0 'id=[0-9]+' service=test.Upper)" |
        head -n 1 | grep -oE ' name=disp[0-9]+' | cut -d= -f2)
    [ -n "$d" ] || { why="no disposable was made for dom0's call"; return 1; }
    in_order "$(ev rpc-call source=dom0 'id=[0-9]+' service=test.Upper target=@dispvm)" \
        "$(ev rpc-dispvm source=dom0 'id=[0-9]+' service=test.Upper name="$d")" \
        "$(ev rpc-connected source=dom0 'id=[0-9]+' service=test.Upper target="$d")" \
        "$(ev rpc-dispvm-over name="$d")" "$(ev disposable-gone name="$d" template=dvm)" &&
        # (ctl's end ends the call: the disposable may go before its line.)
        in_order "$(ev rpc-connected source=dom0 'id=[0-9]+' service=test.Upper target="$d")" \
            '^VOL-DOM0-CALL ' || return 1
    line=$(ctl_line VOL-DOM0-DONE)
    case "$line" in
        *"$d="* | *"bulkhead-$d-"*) why="dom0's call's disposable is left: $line"; return 1 ;;
    esac
    info "dom0-dispvm: ctl rpc @dispvm test.Upper answered FROM DOM0 from $d, gone after; then: $line"
}

check_flood() {
    # Each phase has the suite's wait (two cold boots and the floods'
    # start, then disp's crash and boot under the flood): the whole is
    # longer than one on a slow machine.
    expect_marker '^VOL-FLOOD-CRASH' 'the flooders did not start flooding' &&
        expect_marker '^VOL-FLOOD-DONE' 'the flood step did not finish' || return 1
    local f g line worst writes
    f=$(answered FLOOD | cut -d' ' -f1) g=$(answered FLOOD2 | cut -d' ' -f1)
    line=$(ctl_line VOL-FLOOD)
    if ! [[ "$line" =~ ^lists=15\ worst=([0-9]+)ms\ disp=running\ $f=running\ $g=running\ ms= ]]; then
        why="during the flood: $line"
        return 1
    fi
    worst=${BASH_REMATCH[1]}
    # Generous: a turn of the manager's loop is milliseconds; this fails
    # only when the flood holds the loop.
    if [ "$worst" -gt 5000 ]; then
        why="ctl list took $worst ms during the flood (at most 5000 expected): $line"
        return 1
    fi
    in_order "^$g\\| DISP-FLOOD p=" '^VOL-FLOOD-CRASH disp' \
        "$(ev domain-died name=disp how=crash)" "$(ev domain-restart name=disp)" \
        "$(ev domain-created name=disp)" '^VOL-FLOOD ' || return 1
    # What the flooders' processes said they wrote, the last word of each.
    writes=$(serial | grep -oE "^($f|$g)\\| DISP-FLOOD p=[0-9]+ writes=[0-9]+" |
        awk '{ split($3, p, "="); split($4, w, "="); last[$1 p[2]] = w[2] } END { for (k in last) s += last[k]; print s + 0 }')
    info "flood: $f and $g wrote their agent key at least $writes times; $line"
}

check_cleanup() {
    expect_marker '^VOL-CLEANUP-DONE' 'disp did not come back after the manager was killed' || return 1
    in_order '^VOL-DM-KILL .*bulkhead-disp-root' \
        "$(ev service-restart name=domains status=signal:KILL)" \
        "$(ev leftover-removed 'device=bulkhead-disp-(root|private|volatile)')" \
        "$(ev storage-cleaned removed=3)" "$(ev domain-died name=disp domid=none how=gone was=running)" ||
        return 1
    in_order '^VOL-KILLED-PRELOADED' "$(ev domain-adopted 'name=disp[0-9]+' state=paused)" \
        "$(ev disposable-ready 'name=disp[0-9]+' template=dvm preload=1)" || return 1
    local booting
    booting=$(ctl_line VOL-BOOTING | grep -oE 'disp[0-9]+=running' | head -n 1 | cut -d= -f1)
    if [ -z "$booting" ]; then
        why="no booting preload when the manager was killed: $(ctl_line VOL-BOOTING)"
        return 1
    fi
    in_order '^VOL-DM-KILL' "$(ev domain-adopted name="$booting" state=running)" \
        "$(ev disposable-ready name="$booting" template=dvm preload=1)" || return 1
    local line
    line=$(vol disp 5)
    if [ "$line" != "name=disp marker=v2 root-note=none private-note=none volatile-note=none" ]; then
        why="disp after the cleanup found: $line"
        return 1
    fi
    info "cleanup: $(ctl_line VOL-CLEANUP-DONE)"
}

check_powercut() {
    expect '^VOL-RESET-NOW' "$DOMAIN_TIMEOUT" 'no VOL-RESET-NOW' || return 1
    # Pulled as soon as seen: the kill and the reset are under way.
    qemu_monitor "$LINUX_VM" quit >/dev/null 2>&1 || true
    sleep 1
    qemu_stop "$LINUX_VM"
    local app1 stage
    app1=$(stamp app 3)
    stage=$(serial | sed -n '/^VOL-RESET-NOW/,$p' | grep -E "$(ev '[a-z-]+')" | sed 's/.*bulkhead: //' | tr '\n' ';')
    cp "$LINUX_VM/serial.log" "$LINUX_VM/serial-boot1.log"
    : > "$LINUX_VM/serial.log"
    boot || return 1
    expect_marker '^VOL-BOOT2-DONE' 'the second boot did not finish' || return 1
    local line want
    want="name=app marker=v2 root-note=none private-note=$app1 volatile-note=none"
    line=$(vol app 1)
    if [ "$line" != "$want" ]; then
        why="after the power cut app found: $line; expected: $want"
        return 1
    fi
    local dm files
    # dispN: the new boot's preloaded disposable, whatever its number.
    dm=$(ctl_line VOL-DM | sed -E 's/disp[0-9]+/dispN/g')
    files=$(ctl_line VOL-FILES | sed -E 's/disp[0-9]+/dispN/g')
    if [ "$dm" != "bulkhead-app-private bulkhead-app-root bulkhead-app-volatile bulkhead-disp-private bulkhead-disp-root bulkhead-disp-volatile bulkhead-dispN-private bulkhead-dispN-root bulkhead-dispN-volatile " ]; then
        why="dm devices after the power cut: $dm"
        return 1
    fi
    if [ "$files" != "app/private.img app/root-cow.img app/volatile.img cold/private.img disp/private-cow.img disp/root-cow.img disp/volatile.img dispN/private-cow.img dispN/root-cow.img dispN/volatile.img dvm/private.img tmpl/private.img tmpl/root.img " ]; then
        why="pool files after the power cut: $files"
        return 1
    fi
    info "powercut: cut during [$stage]; after it: $line"
}

xen_run_attempts "${CHECKS[@]}"
info "timing: whole run $(fmt_ms $(($(now_ms) - run_start)))"
info "artifacts in $LINUX_VM (serial-boot1.log, serial.log, pool.img)"
finish_suite
