#!/bin/sh
# Run in sys-net by tests/xen/template.sh's wifi step (its standard input
# through `ctl run'): two simulated Wi-Fi radios (mac80211_hwsim); wlan0
# stays, sys-net's card; wlan1's radio goes to a network namespace of its
# own, "air", where it is the access point of the WPA2 network
# bulkhead-test (wpa_supplicant in AP mode) with a DHCP server
# (/tmp/dhcp-answer.py, put there before).  A fixture, not bulkhead.
set -eu
export PATH=/usr/sbin:/usr/bin
modprobe mac80211_hwsim radios=2
i=0
until [ -e /sys/class/net/wlan1/phy80211 ]; do
    i=$((i + 1)); [ "$i" -lt 30 ] || { echo "no wlan1"; exit 1; }; sleep 1
done
phy=$(basename "$(readlink /sys/class/net/wlan1/phy80211)")
ip netns add air
iw phy "$phy" set netns name air
ip -n air link set lo up
ip -n air addr add 192.168.77.1/24 dev wlan1
ip -n air link set wlan1 up
cat > /tmp/ap.conf <<'CONF'
ctrl_interface=/run/wpa_ap
network={
    ssid="bulkhead-test"
    mode=2
    frequency=2412
    key_mgmt=WPA-PSK
    proto=RSN
    pairwise=CCMP
    group=CCMP
    psk="correct horse battery"
}
CONF
ip netns exec air wpa_supplicant -B -i wlan1 -c /tmp/ap.conf -f /tmp/ap.log
ip netns exec air setsid python3 /tmp/dhcp-answer.py wlan1 192.168.77.1 192.168.77.10 \
    > /tmp/dhcp.log 2>&1 < /dev/null &
echo "ap up: $phy in air"
