#!/usr/bin/env bash
# Domains of the Debian template (`make template': templates/mktemplate.sh)
# under Xen 4.17 in QEMU (TCG).  Their initramfs is bulkhead's
# (templates/boot): it mounts the domain's xvda and switches to the
# template's root, where bulkhead is PID 1 again and runs the services of
# the domain's class (templates/root/etc/bulkhead).  dom0's pool is QEMU's
# virtio disk, made here with the template's root in it.  dom0's
# scripts/template.sh drives the domains with `bulkhead ctl' (TPL-* lines).
# Checks:
#   bringup     dom0 up, the pool mounted
#   appvm       work (an AppVM of debian) runs the template's Debian with
#               bulkhead as PID 1, its root on xvda (a snapshot), /home on
#               its private volume; its services ran by its class (agent;
#               no devd, no firewall)
#   netvm       sys-net (class net, the same template, QEMU's e1000 passed
#               through) ran devd, the firewall, tinyproxy and its agent;
#               work has its address behind it and reaches it; work asks
#               10.139.1.1 and .2 for names, and sys-net's firewall sends
#               them to the server its DHCP gave: deb.debian.org resolves
#   window      foot, run in work by `ctl run', is a window framed in
#               work's blue, drawn by foot; clicked, what is typed into it
#               runs in work's shell
#   private     work stopped (its kernel's poweroff through bulkhead ctl,
#               not the manager's timeout) and started: its note in /home
#               is kept, what it wrote to its root is gone
#   update      `ctl update debian bulkhead-probe=1': debian (no network of
#               its own) started, its apt through the updates proxy (its
#               calls of bulkhead.UpdatesProxy, sent to sys-net by dom0's
#               policy; sys-net's e1000 on QEMU's user network) fetches the
#               host's repository (host-repo.sh) and installs the probe;
#               debian powered off after; work and sys-net said to run an
#               older root
#   oldroot     `ctl list' says work runs an old root, which has no probe;
#               work started again has it, its root current
#   upgrade     `ctl update debian': the full-upgrade takes the probe's
#               version 2; work may not call the updates proxy (refused)
#   disposable  a disposable of debian dirties its root and /home; the next
#               one has neither
#   wifi        sys-net's Wi-Fi: two simulated radios (mac80211_hwsim), one
#               the access point of a WPA2 network in a namespace of its own
#               (wifi-ap.sh, a DHCP fixture); the network added as a user
#               would (wpa_passphrase from standard input into sys-net's
#               private volume, wpa_cli reconfigure): wlan0 joins it
#               (WPA2-PSK), dhcpcd gives it the offered address, the
#               passphrase is not kept in clear, and sys-net's firewall
#               sends names to the new lease's server too
#   no-panic    neither Xen nor dom0 panicked
# usage: tests/xen/template.sh BULKHEAD   (as root; TEMPLATE_DIR: where
#        `make template' left debian.img and boot.cpio.zst, default
#        BULKHEAD's directory's templates/)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/linux/common.sh
. "$here/../linux/common.sh"
# shellcheck source=tests/xen/lib.sh
. "$here/lib.sh"
suite_start xen-template "$@"
LINUX_CONFIG=$here/template/config
SUITE=xen-template
CHECKS=(bringup appvm netvm window private update oldroot upgrade disposable wifi no-panic)
CHECKS_WITHOUT_VM='no-panic'
DOMAIN_TIMEOUT=${DOMAIN_TIMEOUT:-600}
TEMPLATE_DIR=${TEMPLATE_DIR:-$(dirname "$bulkhead")/templates}
POOL=$LINUX_VM/pool.img
REPO=$LINUX_VM/repo
t_qemu=0 t_boot=0

# The host's repository (tests/xen/template/host-repo.sh serves it):
# bulkhead-probe 1 and 2, a file each that says its version, with their
# Packages and Release (no signature: the template's source says
# trusted=yes).
make_repo() {
    local v pkg
    rm -rf "$REPO" && mkdir -p "$REPO"
    for v in 1 2; do
        pkg=$LINUX_VM/probe-$v
        rm -rf "$pkg" && mkdir -p "$pkg/DEBIAN" "$pkg/usr/share/bulkhead-probe"
        echo "$v" > "$pkg/usr/share/bulkhead-probe/version"
        printf '%s\n' 'Package: bulkhead-probe' "Version: $v" 'Architecture: all' \
            'Maintainer: bulkhead tests <tests@bulkhead.invalid>' \
            'Description: the probe of ctl update in the template suite' \
            > "$pkg/DEBIAN/control"
        dpkg-deb --root-owner-group -Zgzip --build "$pkg" "$REPO/bulkhead-probe_${v}_all.deb" >/dev/null || return 1
        rm -rf "$pkg"
        printf '%s\n' 'Package: bulkhead-probe' "Version: $v" 'Architecture: all' \
            'Maintainer: bulkhead tests <tests@bulkhead.invalid>' \
            "Filename: ./bulkhead-probe_${v}_all.deb" \
            "Size: $(stat -c %s "$REPO/bulkhead-probe_${v}_all.deb")" \
            "SHA256: $(sha256sum < "$REPO/bulkhead-probe_${v}_all.deb" | cut -d' ' -f1)" \
            'Description: the probe of ctl update in the template suite' '' >> "$REPO/Packages"
    done
    # Dated yesterday: a domain's clock a little behind the host's does
    # not make it "not valid yet".
    printf '%s\n' 'Origin: bulkhead-tests' 'Label: bulkhead-tests' 'Suite: tests' 'Codename: tests' \
        "Date: $(date -Ru -d '-1 day')" 'Architectures: all amd64' 'SHA256:' \
        " $(sha256sum < "$REPO/Packages" | cut -d' ' -f1) $(stat -c %s "$REPO/Packages") Packages" \
        > "$REPO/Release"
}

# The template's apt sources, in the pool's copy of its root: the host's
# repository alone (the sources `make template' wrote are this machine's).
repo_sources() {
    local img=$1 name cmds=$LINUX_VM/debugfs.cmds
    echo 'deb [trusted=yes] http://10.0.2.100/ ./' > "$LINUX_VM/sources.list"
    {
        echo "rm /etc/apt/sources.list"
        debugfs -R 'ls /etc/apt/sources.list.d' "$img" 2>/dev/null | tr -s ' ' '\n' |
            grep -E '\.(list|sources)$' | sed 's|^|rm /etc/apt/sources.list.d/|'
        echo "write $LINUX_VM/sources.list /etc/apt/sources.list"
    } > "$cmds"
    debugfs -w -f "$cmds" "$img" >/dev/null 2>&1
    debugfs -R 'cat /etc/apt/sources.list' "$img" 2>/dev/null | grep -q 10.0.2.100
}

# The pool: ext4 with the template's root where the domain manager keeps
# it (POOL/debian/root.img), sparse.
make_pool() {
    rm -rf "$LINUX_VM/pool" "$POOL" && mkdir -p -m 700 "$LINUX_VM/pool/debian"
    cp --sparse=always "$TEMPLATE_DIR/debian.img" "$LINUX_VM/pool/debian/root.img"
    repo_sources "$LINUX_VM/pool/debian/root.img" || { echo "the template's apt sources cannot be set" >&2; return 1; }
    mke2fs -q -t ext4 -F -d "$LINUX_VM/pool" "$POOL" 4G
    rm -rf "$LINUX_VM/pool"
}
xen_new_attempt() { make_pool && make_repo; }

# QEMU's e1000, on its user network with the host's repository at
# 10.0.2.100:80, is sys-net's (an IOMMU for Xen, xen-pciback.hide= for
# dom0, as in the drivers suite); the pool is a virtio disk.
start_with_pool() {
    XEN_APPEND="iommu=verbose,no-intremap" qemu_start_xen "$1" "$2" "xen-pciback.hide=(0000:00:03.0)" \
        -device intel-iommu,intremap=off \
        -netdev "user,id=n0,guestfwd=tcp:10.0.2.100:80-cmd:$here/template/host-repo.sh $REPO" \
        -device e1000,netdev=n0,addr=0x3 \
        -drive "file=$POOL,if=none,id=pool,format=raw" -device virtio-blk-pci,drive=pool,addr=0x5
}

MARKER_FAIL='^TPL-TIMEOUT' MARKER_SERVICE=template MARKER_TIMEOUT=$DOMAIN_TIMEOUT

# on NAME ERE: NAME's console (its PID 1's lines) has ERE.
on() { serial_has "^$1\\| .*$2"; }

check_bringup() {
    local f
    for f in debian.img boot.cpio.zst; do
        [ -s "$TEMPLATE_DIR/$f" ] || { why="$TEMPLATE_DIR/$f is missing: make template"; fatal=$why; return 1; }
    done
    "$here/domu/vmlinux.py" "/boot/vmlinuz-$(_qemu_kver)" "$LINUX_VM/vmlinux" &&
        make_pool && make_repo ||
        { why="the pool, the repository or the domains' kernel cannot be made (above)"; fatal=$why; return 1; }
    boot_guest start_with_pool "$(ev service-started name=xenconsoled)" \
        'service xenconsoled started' --xen --desktop \
        --add "$LINUX_VM/vmlinux:/var/lib/bulkhead/vmlinux" \
        --add "$TEMPLATE_DIR/boot.cpio.zst:/var/lib/bulkhead/boot.cpio.zst" \
        --add "$here/config/scripts/consoles.sh:/etc/bulkhead/scripts/consoles.sh" \
        --add "$here/config/scripts/waits.sh:/etc/bulkhead/scripts/waits.sh" || return 1
    expect_event pool-mounted device=/dev/vda path=/var/lib/bulkhead/pool "$STEP_TIMEOUT" ||
        { fatal='no pool'; return 1; }
}

check_appvm() {
    expect_marker '^TPL-WORK-OS ' "work's agent did not answer" || return 1
    local os
    os=$(ctl_line TPL-WORK-OS)
    # Debian's version, PID 1, the root, /home, the name, HOME.
    if ! [[ "$os" =~ ^12\.[0-9]+\ /usr/sbin/bulkhead\ /dev/xvda\ /dev/xvdb\ work\ /home/user\ $ ]]; then
        why="work runs: $os"
        return 1
    fi
    in_order "^work\\| .*$(ev root-switched root=/dev/xvda init=/usr/sbin/init)" \
        "^work\\| .*$(ev service-started name=agent)" || return 1
    if on work "$(ev service-started name='(devd|firewall|backend-agent|usb-agent)')"; then
        why="work ran a driver domain's service: $(serial | grep -E "^work\\| .*service-started" | tr '\n' ' ')"
        return 1
    fi
    info "work: $os; $(serial | grep -oE '^work\| .*setup: [^"]*' | head -n 2 | sed 's/.*setup: //' | tr '\n' ';')"
}

check_netvm() {
    expect_marker '^TPL-WORK-NET ' "work's network was not reported" || return 1
    local s net
    for s in devd firewall tinyproxy backend-agent; do
        on sys-net "$(ev service-started name=$s)" || { why="sys-net did not start $s"; return 1; }
    done
    net=$(ctl_line TPL-WORK-NET)
    if ! [[ "$net" =~ ^10\.137\.0\.[0-9]+/32\ ping-ok\ 10\.137\.0\.[0-9]+\ $ ]]; then
        why="work behind sys-net: $net"
        return 1
    fi
    info "work's eth0 and its gateway: $net"
    expect_marker '^TPL-WORK-DNS ' "work's names were not reported" || return 1
    on sys-net "$(ev name-servers servers=10.0.2.3)" ||
        { why="sys-net's firewall did not take the name server its DHCP gave"; return 1; }
    local dns
    dns=$(ctl_line TPL-WORK-DNS)
    if ! [[ "$dns" =~ ^10\.139\.1\.1\ 10\.139\.1\.2\ [0-9]+\.[0-9]+\.[0-9]+\.[0-9]+\ $ ]]; then
        why="work's name servers and its answer for deb.debian.org: $dns"
        return 1
    fi
    info "work's name servers and deb.debian.org: $dns"
}

check_window() {
    local png=$LINUX_VM/foot.png x0 x1 y0 y1 inside=0 deadline
    expect_marker '^TPL-FOOT' "foot was not started" || return 1
    expect_event window-new name=work "$DOMAIN_TIMEOUT" || { why="foot made no window: $why"; return 1; }
    # foot draws at emulation speed: its background (111111) fills the
    # frame, tinted with 14 % of work's blue (161d26): the window came
    # unasked by the user, so it has no focus.  Its first frame may take
    # longer than one step's time when CI's machine is loaded: three steps'.
    deadline=$(($(now_ms) + 3 * STEP_TIMEOUT * 1000))
    while :; do
        screendump "$png" || return 1
        read -r x0 x1 y0 y1 <<<"$(frame_box "$png" 3465a4)"
        [ -n "${y1:-}" ] && read -r inside _ <<<"$(python3 "$LINUX_ROOT/tests/qemu/png.py" within "$png" 3465a4 161d26)"
        [ "${inside:-0}" -lt 20000 ] || break
        [ "$(now_ms)" -lt "$deadline" ] || { why="$png: no window of foot's in work's blue (frame: ${y1:+$x0-$x1 x $y0-$y1}, foot's background inside: ${inside:-0} pixels)"; return 1; }
        sleep 2
    done
    focused_anew work $(((x0 + x1) / 2)) $(((y0 + y1) / 2)) ||
        { why="a click did not focus foot $(head -n 1 "$LINUX_VM/wait.err")"; return 1; }
    qemu_type "$LINUX_VM" $'echo typed-in-foot > /home/user/typed\n' 2>"$LINUX_VM/wait.err" ||
        { why="sendkey: $(head -n 1 "$LINUX_VM/wait.err")"; return 1; }
    expect_marker '^TPL-TYPED ' "what was typed into foot did not run" || return 1
    [ "$(ctl_line TPL-TYPED)" = "typed-in-foot " ] || { why="foot's shell wrote: $(ctl_line TPL-TYPED)"; return 1; }
    screendump "$LINUX_VM/foot-typed.png" || return 1
    info "foot's window $x0-$x1 x $y0-$y1, $inside pixels of its background; typed into it: $(ctl_line TPL-TYPED)"
}

check_private() {
    expect_marker '^TPL-AFTER ' "work did not come back" || return 1
    local want
    want="$(ctl_line TPL-WROTE) no-dirt typed-in-foot "
    [ "$(ctl_line TPL-AFTER)" = "$want" ] ||
        { why="after its restart work has: $(ctl_line TPL-AFTER); expected: $want"; return 1; }
    # Its own poweroff: the kernel's /sbin/poweroff asks its PID 1.
    in_order "$(ev domain-stopping name=work)" "^work\\| .*$(ev shutdown-requested action=poweroff)" \
        "$(ev domain-died name=work 'domid=[0-9]+' how=poweroff)" || return 1
    info "work after its restart: $(ctl_line TPL-AFTER)"
}

# update_out N: what `ctl update' said in its N-th run, a line each.
update_out() { serial | sed -n "s/^TPL-UPDATE$1-OUT //p"; }
# update_has N ERE: its N-th run said ERE.
update_has() { update_out "$1" | grep -qE -- "$2" || { why="ctl update ($1) did not say /$2/: $(update_out "$1" | tail -n 5 | tr '\n' '|')"; return 1; }; }
# update_ok N WHAT: the N-th run (`ctl update WHAT') ended with status 0.
update_ok() {
    [ "$(ctl_line "TPL-UPDATE$1")" = "status=0" ] ||
        { why="ctl update $2: $(ctl_line "TPL-UPDATE$1"): $(update_out "$1" | tail -n 8 | tr '\n' '|')"; return 1; }
}

check_update() {
    expect_marker '^TPL-UPDATE1 status=' "ctl update did not end" || return 1
    update_ok 1 'debian bulkhead-probe=1' &&
        update_has 1 '^bulkhead ctl: update: starting debian: export DEBIAN_FRONTEND=noninteractive; apt-get -q --error-on=any update && ' &&
        update_has 1 '^Get:[0-9]+ http://10\.0\.2\.100 \./ Packages' &&
        update_has 1 '^Setting up bulkhead-probe \(1\)' &&
        update_has 1 '^bulkhead ctl: update: debian is up to date and stopped; its domains take its root at their next start; running an older one until they start again: (work, sys-net|sys-net, work)$' ||
        return 1
    # The way it went: debian's calls to sys-net (it has no network of its
    # own), the repository's files asked of the host, debian powered off.
    serial_has "$(ev rpc-serve source=debian 'id=[0-9]+' service=bulkhead.UpdatesProxy target=sys-net)" ||
        { why="no call of debian's to sys-net's updates proxy"; return 1; }
    grep -q '^GET .*/Packages$' "$REPO/requests.log" 2>/dev/null &&
        grep -q '^GET .*/bulkhead-probe_1_all\.deb$' "$REPO/requests.log" ||
        { why="the host's repository was asked: $(tr '\n' ' ' < "$REPO/requests.log" 2>/dev/null)"; return 1; }
    in_order "$(ev domain-created name=debian)" "^debian\\| .*$(ev service-started name=updates-proxy)" \
        "$(ev domain-died name=debian 'domid=[0-9]+' how=poweroff)" || return 1
    info "update: $(serial | grep -cE "$(ev rpc-serve source=debian)") calls of debian's to sys-net; the host was asked: $(sort -u "$REPO/requests.log" | sed 's/^GET //' | tr '\n' ' ')"
}

check_oldroot() {
    expect_marker '^TPL-NEWROOT ' "work did not start again after the template's update" || return 1
    [ "$(ctl_line TPL-OLDROOT)" = "old-root none " ] ||
        { why="work after the template's update: $(ctl_line TPL-OLDROOT)"; return 1; }
    [ "$(ctl_line TPL-NEWROOT)" = "current 1 " ] ||
        { why="work started again: $(ctl_line TPL-NEWROOT)"; return 1; }
    info "work: $(ctl_line TPL-OLDROOT)-> $(ctl_line TPL-NEWROOT)"
}

check_upgrade() {
    expect_marker '^TPL-PROXY-WORK ' "the second ctl update did not end" || return 1
    update_ok 2 debian &&
        update_has 2 '^Unpacking bulkhead-probe \(2\) over \(1\)' &&
        update_has 2 '^Setting up bulkhead-probe \(2\)' &&
        update_has 2 'running an older one until they start again: (work, sys-net|sys-net, work)$' || return 1
    local denied
    denied=$(ctl_line TPL-PROXY-WORK)
    # stdout's status and stderr's reason, in either order.
    [[ "$denied" =~ status=126\  ]] &&
        [[ "$denied" =~ "no rule of the policy allows bulkhead.UpdatesProxy from work to @default" ]] ||
        { why="work calling the updates proxy: $denied"; return 1; }
    serial_has "$(ev rpc-refused source=work 'id=[0-9]+' service=bulkhead.UpdatesProxy)" ||
        { why="dom0 did not refuse work's call"; return 1; }
    info "upgrade: $(update_out 2 | grep -E '^(Unpacking|Setting up) ' | tr '\n' ';'); work: $denied"
}

check_wifi() {
    expect_marker '^TPL-WIFI ' "sys-net's Wi-Fi was not reported" || return 1
    local w
    w=$(ctl_line TPL-WIFI)
    if [[ "$w" != *"ssid=bulkhead-test "* ]] || [[ "$w" != *"wpa_state=COMPLETED "* ]] ||
        [[ "$w" != *"key_mgmt=WPA2-PSK "* ]] || [[ "$w" != *" 192.168.77.10/24 "* ]] ||
        [[ "$w" != *" networks=1 plain=0 "* ]]; then
        why="sys-net's wlan0: $w (the AP: $(ctl_line TPL-WIFI-AP); adding it: $(ctl_line TPL-WIFI-ADD))"
        return 1
    fi
    # Both leases' servers, in dhcpcd's order (the wired card's first), each
    # asked address sent to one of them.
    local names
    names=$(ctl_line TPL-WIFI-NAMES)
    if [ "$names" != "10.0.2.3 192.168.77.1 daddr 10.139.1.1 to 10.0.2.3 daddr 10.139.1.2 to 192.168.77.1 " ]; then
        why="sys-net's name servers and its firewall's redirect after the Wi-Fi lease: $names"
        return 1
    fi
    on sys-net "$(ev name-servers servers=10.0.2.3,192.168.77.1)" ||
        { why="sys-net's firewall did not say its new name servers"; return 1; }
    info "wifi: $w; names: $names"
}

check_disposable() {
    expect_marker '^TPL-DONE' "the disposables did not run" || return 1
    local d1 d2
    d1=$(ctl_line TPL-DISP1) d2=$(ctl_line TPL-DISP2)
    [[ "$d1" =~ ^disp[0-9]+\ clean\ dirty\ $ ]] || { why="the first disposable: $d1"; return 1; }
    [[ "$d2" =~ ^disp[0-9]+\ clean\ clean\ 12\.[0-9]+\ $ ]] || { why="the next disposable: $d2"; return 1; }
    info "disposables: $d1; $d2"
}

xen_run_attempts "${CHECKS[@]}"
info "timing: whole run $(fmt_ms $(($(now_ms) - run_start)))"
info "artifacts in $LINUX_VM (serial.log, foot.png, foot-typed.png)"
finish_suite
