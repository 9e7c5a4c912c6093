#!/bin/sh
# Guest (dom0) side of tests/xen/template.sh: drives the domains of the
# template as a user would with `bulkhead ctl'.  Markers: TPL-*;
# TPL-TIMEOUT when a wait fails.
. /etc/bulkhead/scripts/waits.sh
field() { ctl list 2>/dev/null | awk -v n="$1" -v f="$2" '$1 == n { print $f }'; }
fail() { echo "TPL-TIMEOUT $*"; ctl list; exit 1; }
is_state() { [ "$(field "$1" 3)" = "$2" ]; }
wait_for() { until_true "$3" "$1 is not $2" is_state "$1" "$2"; }
# in_ NAME COMMAND: what COMMAND printed in NAME (stdout and stderr), on one line.
in_() { ctl run "$1" --pass-io "$2" </dev/null 2>&1 | tr '\n' ' '; }
answers() { ctl run "$1" --pass-io true </dev/null >/dev/null 2>&1; }
wait_agent() { until_true 600 "$1's agent does not answer" answers "$1"; }
has() { [ -n "$(in_ "$1" "cat $2 2>/dev/null")" ]; }
# config NAME: NAME's CONFIG in `ctl list' (current, old-root, ...).
config() { ctl list 2>/dev/null | awk -v n="$1" '$1 == n { print $NF }'; }

wait_agent work
echo "TPL-WORK-OS $(in_ work 'cat /etc/debian_version; readlink /proc/1/exe; findmnt -n -o SOURCE /; findmnt -n -o SOURCE /home; hostname; echo $HOME')"
# Behind sys-net: its address, and sys-net (the gateway) answers.
wait_agent sys-net
echo "TPL-WORK-NET $(in_ work 'ip -4 -o addr show dev eth0 | cut -d" " -f7; gw=$(ip route show default | cut -d" " -f3); ping -c 3 -W 10 "$gw" >/dev/null && echo ping-ok "$gw"')"
# Its names: asked of 10.139.1.1, which sys-net's firewall sends to the
# server sys-net's DHCP gave (QEMU's, which asks the host's); sys-net's
# lease may come after its agent.
resolves() { [ -n "$(in_ work 'getent ahostsv4 deb.debian.org')" ]; }
for_a_while 300 resolves
echo "TPL-WORK-DNS $(in_ work 'grep ^nameserver /etc/resolv.conf | cut -d" " -f2; getent ahostsv4 deb.debian.org | head -n 1 | cut -d" " -f1')"

# What the user keeps (the private volume) and what goes (the root).
stamp="note-$(cut -d' ' -f1 /proc/uptime)"
in_ work "echo $stamp > /home/user/note && echo dirt > /etc/dirt && sync" >/dev/null
echo "TPL-WROTE $stamp"

# A real program in a window: the host sees it, clicks it and types a
# command into it.
ctl run work foot || fail "ctl run work foot failed"
echo "TPL-FOOT"
until_true 600 "nothing typed into foot wrote /home/user/typed" has work /home/user/typed
echo "TPL-TYPED $(in_ work 'cat /home/user/typed')"

ctl stop work && wait_for work stopped 180
ctl start work
wait_agent work
echo "TPL-AFTER $(in_ work 'cat /home/user/note; cat /etc/dirt 2>/dev/null || echo no-dirt; cat /home/user/typed')"

# The template updated: `ctl update' starts debian (no network of its own),
# whose apt reaches the host's repository through the updates proxy (each
# connection a call of bulkhead.UpdatesProxy, to sys-net's tinyproxy by
# dom0's policy), installs bulkhead-probe 1 and stops it again.  work runs
# an older root until its next start, then has the template's.
# update N ARGS...: `ctl update ARGS', its status and a marker per line.
update() {
    n=$1
    shift
    ctl update "$@" > "/tmp/update$n.out" 2>&1
    st=$?
    sed "s/^/TPL-UPDATE$n-OUT /" "/tmp/update$n.out"
    echo "TPL-UPDATE$n status=$st"
}
probe='cat /usr/share/bulkhead-probe/version 2>/dev/null || echo none'
update 1 debian bulkhead-probe=1
echo "TPL-OLDROOT $(config work) $(in_ work "$probe")"
ctl stop work && wait_for work stopped 180
ctl start work
wait_agent work
echo "TPL-NEWROOT $(config work) $(in_ work "$probe")"
# The repository has bulkhead-probe 2 too: the full-upgrade takes it.
update 2 debian
# No one but a template may call the proxy.
echo "TPL-PROXY-WORK $(in_ work 'bulkhead rpc-call @default bulkhead.UpdatesProxy </dev/null; echo status=$?')"

# Disposables: each starts from the template's root, whatever the last one did.
d1=$(ctl run-disposable debian 'sleep 900' 2>/tmp/run.err) || fail "run-disposable: $(cat /tmp/run.err)"
wait_agent "$d1"
echo "TPL-DISP1 $d1 $(in_ "$d1" 'cat /etc/dirt-disp 2>/dev/null || echo clean; echo dirty > /etc/dirt-disp; echo dirty > /home/user/dirt-disp; sync; cat /etc/dirt-disp')"
ctl kill "$d1" && wait_gone "$d1"
d2=$(ctl run-disposable debian 'sleep 900' 2>/tmp/run.err) || fail "run-disposable: $(cat /tmp/run.err)"
wait_agent "$d2"
echo "TPL-DISP2 $d2 $(in_ "$d2" 'cat /etc/dirt-disp 2>/dev/null || echo clean; cat /home/user/dirt-disp 2>/dev/null || echo clean; cat /etc/debian_version')"
ctl kill "$d2" && wait_gone "$d2"

# Wi-Fi: sys-net's wlan0 (a simulated radio) joins the access point that
# wifi-ap.sh sets up beside it (WPA2, DHCP), the network added as a user
# would: its passphrase typed on standard input, kept on sys-net's private
# volume.  dhcpcd takes wlan0's address; the firewall's name servers follow.
ctl run sys-net --pass-io 'cat > /tmp/dhcp-answer.py' < /etc/bulkhead/scripts/dhcp-answer.py
echo "TPL-WIFI-AP $(ctl run sys-net --pass-io 'sh -s' < /etc/bulkhead/scripts/wifi-ap.sh 2>&1 | tr '\n' ' ')"
wifi_ready() { [ "$(in_ sys-net 'wpa_cli -i wlan0 ping')" = "PONG " ]; }
for_a_while 240 wifi_ready
echo 'correct horse battery' | ctl run sys-net --pass-io \
    'wpa_passphrase bulkhead-test | grep -v "#psk" >> /home/user/wifi.conf && wpa_cli -i wlan0 reconfigure' \
    > /tmp/wifi.out 2>&1
echo "TPL-WIFI-ADD status=$? $(tr '\n' ' ' < /tmp/wifi.out)"
wlan_up() { [ -n "$(in_ sys-net 'ip -4 -o addr show dev wlan0 | grep 192.168.77.10/')" ]; }
for_a_while 360 wlan_up
# The new lease's name server, in sys-net's resolv.conf and then in its
# firewall's redirect (read every 2 s).
names_follow() { [ -n "$(in_ sys-net 'nft list chain inet bulkhead prerouting | grep "dnat ip to 192.168.77.1"')" ]; }
for_a_while 120 names_follow
echo "TPL-WIFI-NAMES $(in_ sys-net 'grep ^nameserver /etc/resolv.conf | cut -d" " -f2; nft list chain inet bulkhead prerouting | grep -o "daddr [0-9.]* .* dnat ip to [0-9.]*" | sed "s/ meta.*dnat ip to / to /"')"
echo "TPL-WIFI $(in_ sys-net 'wpa_cli -i wlan0 status | grep -E "^(ssid|wpa_state|key_mgmt)="; ip -4 -o addr show dev wlan0 | cut -d" " -f7; echo networks=$(grep -c "network=" /home/user/wifi.conf) plain=$(grep -c "correct horse" /home/user/wifi.conf)')"
echo "TPL-DONE"
ctl poweroff
