#!/bin/sh
# dom0's side of tests/xen/drivers.sh, markers one line each (DRV-*):
# once alpha reached everything it should (its console log), says which
# network interfaces dom0 has and which driver holds each passed-through
# device; changes alpha's rules with `ctl reload', tries a reload with a
# problem, and kills the manager after changing them back (the new one
# gives them to sys-firewall); then crashes sys-net on purpose (its init
# panics on data/bulkhead-cmd = crash), waits for alpha to reach sys-net
# again through the new one; lets sys-usb turn hostile once its keyboard
# typed into beta, and powers the machine off once dom0's own keyboard
# typed into beta after that.
. /etc/bulkhead/scripts/waits.sh
# What the backends look like, for the log of a failed run.
fail() {
    # (Before the marker: the suite stops reading at it.)
    [ -z "$usb_step" ] || usb_debug
    [ -z "$block_step" ] || block_debug
    echo "DRV-TIMEOUT $*"
    ctl list
    xenstore-ls -f /local/domain 2>/dev/null | grep -E '/backend/|/device/' | grep -vE 'feature-|multi-queue' | head -n 150
    exit 1
}
log() { cat "/var/log/xen/console/guest-$1.log" 2>/dev/null; }
domid() { ctl list 2>/dev/null | awk -v n="$1" '$1 == n { print $2 }'; }
# probes NAME LABEL: how many times NAME's probe LABEL said "ok".
probes() { log "$1" | grep -c "DOMU-PROBE name=$1 $2 ok"; }
reached() { [ "$(probes alpha sysnet)" -ge "$1" ] && [ "$(probes alpha host)" -ge "$1" ]; }

until_true 900 "alpha did not reach sys-net and the host" reached 1
# sys-usb's devices as dom0 has them (its agent's inventory): the tablet,
# the stick and the smartcard reader.
given_to() { ctl usb list 2>/dev/null | awk -v d="$1" '$1 == d { print $4 }'; }
stick() { ctl usb list 2>/dev/null | awk '$3 == "storage" { print $1; exit }'; }
card_reader() { ctl usb list 2>/dev/null | awk '$2 == "08e6:4433" { print $1; exit }'; }
usb_listed() { [ -n "$(given_to sys-usb:1-1)" ] && [ -n "$(stick)" ] && [ -n "$(card_reader)" ]; }
until_true 120 "sys-usb's tablet, stick and smartcard reader are not in ctl usb list" usb_listed
# alpha's config attaches the smartcard reader (usb_attach, by its ids): dom0
# asks alpha's agent to take it once both run; the policy allows its call.
# Its kernel has it on vhci-hcd.  The user's detach then stands.
sdev=$(card_reader)
auto() { [ "$(given_to "$sdev")" = alpha ]; }
until_true 300 "alpha did not take the smartcard reader its config attaches" auto
there() { ctl run alpha --pass-io 'grep -l 08e6 /sys/bus/usb/devices/*/idVendor' >/dev/null 2>&1; }
for_a_while 60 there
echo "DRV-USB-AUTO device=$sdev given-to=$(given_to "$sdev") there=$(there && echo yes || echo no)"
ctl usb list | sed 's/^/DRV-USB-LIST /'
ctl usb detach "$sdev" > /tmp/said.out 2>&1
echo "DRV-USB-AUTO-DETACH status=$? $(tr '\n' '|' < /tmp/said.out)"
sfree() { [ "$(given_to "$sdev")" = - ]; }
until_true 60 "the smartcard reader was not taken back from alpha" sfree
sleep 5
echo "DRV-USB-AUTO-KEPT given-to=$(given_to "$sdev") asked=$(log alpha | grep -c 'dom0 asks this domain to take')"
# The stick given to alpha (its call of sys-usb's bulkhead.USB+BUSID, which
# policy.d allows), read there; given twice, refused; taken back.  A step
# that fails says what both kernels said of it.
usb_debug() {
    for d in alpha sys-usb; do
        ctl run "$d" --pass-io 'dmesg | tail -n 40; cat /sys/devices/platform/vhci_hcd.0/status /sys/bus/usb/devices/*/usbip_status; ls /sys/bus/usb/devices; cut -d" " -f1 /proc/modules | tr "\n" " "' 2>&1 |
            sed "s/^/DRV-USB-DEBUG $d /"
    done
}
usb_step=1 block_step=
dev=$(stick)
agent_up() { log alpha | grep -q "DOMU-AGENT name=alpha"; }
until_true 300 "alpha's agent did not start" agent_up
# outcome WORD COMMAND...: COMMAND's status and words on one line.
outcome() { w=$1; shift; "$@" > /tmp/said.out 2>&1; echo "$w status=$? $(tr '\n' '|' < /tmp/said.out)"; }
outcome DRV-USB-ATTACH ctl usb attach "$dev" alpha
read_there() { log alpha | grep -q "DOMU-USBDISK name=alpha "; }
until_true 180 "alpha did not read the stick" read_there
echo "DRV-USB-GIVEN device=$dev given-to=$(given_to "$dev")"
outcome DRV-USB-AGAIN ctl usb attach "$dev" beta
outcome DRV-USB-DETACH ctl usb detach "$dev"
gone_there() { log alpha | grep -q "DOMU-USBDISK-GONE name=alpha"; }
until_true 120 "the stick did not leave alpha" gone_there
back() { [ "$(given_to "$dev")" = - ]; }
until_true 60 "ctl usb list still gives the stick to a domain" back
echo "DRV-USB-BACK device=$dev given-to=$(given_to "$dev")"
# sys-usb's own usb-storage has it again: its disk there a second time.
home() { [ "$(log sys-usb | grep -c "DOMU-USBDISK name=sys-usb sda: ")" -ge 2 ]; }
until_true 60 "the stick did not go back to sys-usb's drivers" home
echo "DRV-USB-HOME $(log sys-usb | grep "DOMU-USBDISK" | sed 's/.*DOMU-//' | tr '\n' '|')"
# beta may not have it: the policy denies its call.
beta_agent() { log beta | grep -q "DOMU-AGENT name=beta"; }
until_true 300 "beta's agent did not start" beta_agent
outcome DRV-USB-DENIED ctl usb attach "$dev" beta
echo "DRV-USB-STILL given-to=$(given_to "$dev")"
outcome DRV-USB-DETACH-AGAIN ctl usb detach "$dev"
usb_step=
block_debug() {
    ctl block list 2>&1 | sed 's/^/DRV-BLOCK-DEBUG dom0 /'
    xenstore-ls -f "/local/domain/$(domid sys-storage)/data" 2>&1 | sed 's/^/DRV-BLOCK-DEBUG dom0 /'
    ctl run sys-storage --pass-io 'ls -l /srv /dev/loop*; losetup -a; cat /sys/block/loop0/size /sys/block/loop0/loop/backing_file; dmesg | tail -n 20' 2>&1 |
        sed 's/^/DRV-BLOCK-DEBUG sys-storage /'
}
block_step=1
uptime_s() { cut -d. -f1 /proc/uptime; }
block_from=$(uptime_s)
# sys-storage's loop0 (a file of its own) lent to beta at run time, read-
# only, read there; lent twice, refused; alpha's disk of its config not
# taken by ctl; taken back.
blk() { ctl block list 2>/dev/null | grep "^sys-storage:$1 " | tr -s ' '; }
blk_listed() { [ -n "$(blk loop0)" ]; }
until_true 120 "sys-storage's loop0 is not in ctl block list" blk_listed
ctl block list | sed 's/^/DRV-BLOCK-LIST /'
outcome DRV-BLOCK-ATTACH ctl block attach sys-storage:loop0 beta --ro
blk_read() { log beta | grep -q "DOMU-BLOCKDISK name=beta xvdi: "; }
until_true 120 "beta did not read sys-storage's loop0" blk_read
echo "DRV-BLOCK-HELD $(blk loop0)"
outcome DRV-BLOCK-AGAIN ctl block attach sys-storage:loop0 alpha
outcome DRV-BLOCK-CONFIG ctl block detach sys-storage:vda
outcome DRV-BLOCK-DETACH ctl block detach sys-storage:loop0
blk_gone() { log beta | grep -q "DOMU-BLOCKDISK-GONE name=beta xvdi"; }
until_true 120 "loop0 did not leave beta" blk_gone
echo "DRV-BLOCK-FREE $(blk loop0)"
outcome DRV-BLOCK-DETACH-AGAIN ctl block detach sys-storage:loop0
# dom0 lends a file of its pool, writable: on a loop device of its own,
# which goes when beta lets the disk go.
echo "dom0-lends-$(cut -d' ' -f1 /proc/uptime)" > /var/lib/bulkhead/pool/lend.img
dd if=/dev/zero of=/var/lib/bulkhead/pool/lend.img bs=1024 count=0 seek=1024 2>/dev/null
loops() { cat /sys/block/loop*/loop/backing_file 2>/dev/null | grep -c lend.img; }
outcome DRV-BLOCK-DOM0 ctl block attach dom0:lend.img beta
dom0_read() { [ "$(log beta | grep -c "DOMU-BLOCKDISK name=beta xvdi: ")" -ge 2 ]; }
until_true 120 "beta did not read dom0's lend.img" dom0_read
echo "DRV-BLOCK-DOM0-HELD $(ctl block list | grep '^dom0:lend.img ' | tr -s ' ') loops=$(loops)"
outcome DRV-BLOCK-DOM0-DETACH ctl block detach dom0:lend.img
dom0_gone() { [ "$(log beta | grep -c "DOMU-BLOCKDISK-GONE name=beta xvdi")" -ge 2 ]; }
until_true 120 "dom0's lend.img did not leave beta" dom0_gone
no_loop() { [ "$(loops)" = 0 ]; }
until_true 30 "dom0's loop device of lend.img is still there" no_loop
echo "DRV-BLOCK-DOM0-FREE $(ctl block list | grep '^dom0:lend.img ' | tr -s ' ') loops=$(loops)"
block_step=
echo "DRV-TIME block $(($(uptime_s) - block_from)) s"
echo "DRV-DOM0-NET interfaces=$(ls /sys/class/net | tr '\n' ' ')"
for bdf in 0000:00:03.0 0000:00:04.0 0000:00:05.0; do
    drv=$(readlink "/sys/bus/pci/devices/$bdf/driver")
    echo "DRV-DOM0-PCI $bdf driver=${drv##*/}"
done
# What `bulkhead hwcheck' makes of QEMU's machine from Xen's dom0: a
# marker per line, since one line of it all (over 1 KiB) was once cut in
# two on the serial console by a domain's line written between its parts.
/bin/bulkhead hwcheck > /tmp/hwcheck.out 2>&1
status=$?
sed 's/^/DRV-HWCHECK-OUT /' /tmp/hwcheck.out
echo "DRV-HWCHECK status=$status"

# `ctl reload': alpha's rule for port 8001 becomes an allow, beta's memory
# changes, gamma is new (autostart); alpha reaches port 8001 without
# anything restarted, beta's change waits for its next start (`ctl list'
# says "changed"), gamma runs.
cfg=/etc/bulkhead/domains
ids() { echo "alpha=$(domid alpha) beta=$(domid beta) sys-firewall=$(domid sys-firewall)"; }
# said NAME LABEL RESULT N: NAME's probe LABEL said RESULT at least N times.
said() { [ "$(log "$1" | grep -c "DOMU-PROBE name=$1 $2 $3")" -ge "$4" ]; }
listed() { ctl list | awk -v n="$1" '$1 == n { print $3 }'; }
# config NAME: the CONFIG column of NAME in `ctl list'.
config() { ctl list | awk -v n="$1" '$1 == n { print $NF }'; }
up() { log gamma | grep -q "DOMU-UP name=gamma"; }
unlisted() { [ -z "$(listed "$1")" ]; }
cp "$cfg/alpha.cfg" /tmp/alpha.cfg
cp "$cfg/beta.cfg" /tmp/beta.cfg
sed -i 's/"deny tcp port 8001"/"allow tcp to 10.0.2.15 port 8001"/' "$cfg/alpha.cfg"
sed -i 's/^memory = 192$/memory = 200/' "$cfg/beta.cfg"
printf '%s\n' 'class = "standalone"' 'type = "pv"' 'memory = 128' 'volumes = 0' 'autostart = 1' \
    'kernel = "/var/lib/bulkhead/vmlinux"' 'ramdisk = "/var/lib/bulkhead/domu.cpio"' \
    'extra = "console=hvc0 loglevel=3 bulkhead.name=gamma"' > "$cfg/gamma.cfg"
echo "DRV-RELOAD-ASK $(ids)"
echo "DRV-RELOAD $(ctl reload 2>&1 | tr '\n' '|')"
until_true 120 "alpha did not reach port 8001 after the reload" said alpha blocked ok 1
until_true 300 "gamma did not boot after the reload" up
echo "DRV-RELOADED $(ids) gamma=$(listed gamma) beta-config=$(config beta)"
# A reload with a problem changes nothing, not even what is right in it.
cp "$cfg/alpha.cfg" /tmp/alpha-reloaded.cfg
sed -i 's/"allow icmp"/"allow tcp port 70000"/' "$cfg/alpha.cfg"
echo 'firewall_policy = "deny"' >> "$cfg/beta.cfg"
if ctl reload > /tmp/reload.out 2>&1; then
    echo "DRV-RELOAD-BAD accepted: $(tr '\n' '|' < /tmp/reload.out)"
else
    echo "DRV-RELOAD-BAD $(tr '\n' '|' < /tmp/reload.out)"
fi
fw=$(domid sys-firewall)
echo "DRV-RELOAD-BETA policy=$(xenstore-read "/local/domain/$fw/bulkhead/firewall/10-137-0-11/policy")"
# All files as they were: alpha's rule for port 8001 tightened back to a
# deny, live; beta's waiting change is no more; gamma is asked to shut
# down, and forgotten once it has.
cp /tmp/alpha.cfg "$cfg/alpha.cfg"
cp /tmp/beta.cfg "$cfg/beta.cfg"
rm "$cfg/gamma.cfg"
echo "DRV-RELOAD-TIGHTEN $(ids)"
echo "DRV-RELOAD-BACK $(ctl reload 2>&1 | tr '\n' '|') gamma=$(config gamma)"
until_true 120 "alpha still reaches port 8001 after the reload tightened its rule" \
    said alpha blocked fail 2
until_true 120 "gamma is still listed after its file went" unlisted gamma
echo "DRV-RELOAD-GONE gamma=$(listed gamma) beta-config=$(config beta) $(ids)"

# alpha's file allows port 8001 again, with no reload, and the manager is
# killed: the new one, adopting the domains, gives sys-firewall the rules
# of the files as they are, and alpha reaches it again.
cp /tmp/alpha-reloaded.cfg "$cfg/alpha.cfg"
pid=$(ctl services | awk '$1 == "domains" { print $3 }')
echo "DRV-DM-KILL pid=$pid $(ids)"
kill -9 "$pid"
until_true 180 "alpha does not reach port 8001 after the manager's restart" said alpha blocked ok 2
echo "DRV-REPUBLISHED $(ids)"

old=$(domid sys-net)
crashed_at=$(cut -d. -f1 /proc/uptime)
echo "DRV-CRASH sys-net domid=$old"
xenstore-write "/local/domain/$old/data/bulkhead-cmd" crash ||
    fail "cannot write sys-net's data/bulkhead-cmd"
new_net() { n=$(domid sys-net); [ -n "$n" ] && [ "$n" != - ] && [ "$n" != "$old" ]; }
until_true 300 "sys-net was not created again" new_net
echo "DRV-NEW sys-net domid=$(domid sys-net)"
until_true 600 "alpha did not reach sys-net and the host again" reached 2
echo "DRV-AGAIN alpha domid=$(domid alpha) beta domid=$(domid beta)" \
    "after=$(($(cut -d. -f1 /proc/uptime) - crashed_at))s"
# alpha takes the stick again, and is killed: its call ends with it, and
# the stick goes back to sys-usb's drivers.
usb_step=1
outcome DRV-USB-REATTACH ctl usb attach "$dev" alpha
read_again() { [ "$(log alpha | grep -c "DOMU-USBDISK name=alpha sda: ")" -ge 2 ]; }
until_true 180 "alpha did not read the stick a second time" read_again
# And loop0, writable: alpha's death gives it back too.
block_step=1
block_from=$(uptime_s)
outcome DRV-BLOCK-ALPHA ctl block attach sys-storage:loop0 alpha
blk_alpha() { log alpha | grep -q "DOMU-BLOCKDISK name=alpha xvdi: "; }
until_true 120 "alpha did not read sys-storage's loop0" blk_alpha
ctl kill alpha
home_again() { [ "$(log sys-usb | grep -c "DOMU-USBDISK name=sys-usb sda: ")" -ge 3 ]; }
until_true 120 "the stick did not go back to sys-usb when alpha died" home_again
alpha_stopped() { [ "$(listed alpha)" = stopped ]; }
until_true 60 "alpha is not stopped after ctl kill" alpha_stopped
usb_step=
# (The manager killed in between took its requests as they were: the
# smartcard reader alpha's config names was not asked for again.)
echo "DRV-USB-DEATH given-to=$(given_to "$dev") alpha=$(listed alpha) asked=$(log alpha | grep -c 'dom0 asks this domain to take')"
blk_free() { [ "$(blk loop0 | cut -d' ' -f4)" = - ]; }
until_true 60 "loop0 is still attached after alpha's death" blk_free
echo "DRV-BLOCK-HOLDER-DEATH $(blk loop0)"
# beta takes it again, and its lender dies: the disk leaves beta.
outcome DRV-BLOCK-BETA ctl block attach sys-storage:loop0 beta
blk_beta() { [ "$(log beta | grep -c "DOMU-BLOCKDISK name=beta xvdi: ")" -ge 3 ]; }
until_true 120 "beta did not read loop0 a second time" blk_beta
ctl kill sys-storage
blk_lost() { [ "$(log beta | grep -c "DOMU-BLOCKDISK-GONE name=beta xvdi")" -ge 3 ]; }
until_true 120 "loop0 did not leave beta when sys-storage died" blk_lost
echo "DRV-BLOCK-LENDER-DEATH sys-storage=$(listed sys-storage) beta=$(listed beta)"
block_step=
echo "DRV-TIME blockdeath $(($(uptime_s) - block_from)) s (alpha's kill with it)"
# sys-usb's keyboard, accepted by the user, typed into beta's window (the
# suite's QMP and sendkey, early on); then sys-usb turns hostile (its
# init stops the agent and starts a forwarder of out-of-range events), is
# dropped, and dom0's own keyboard still types into beta (the suite's
# sendkey of "c").
typed_b() { log beta | grep -q "DEMO beta window 0 KEY 48 1"; }
for_a_while 300 typed_b
echo "DRV-INPUT-TYPED $(typed_b && echo yes || echo no)"
xenstore-write "/local/domain/$(domid sys-usb)/data/bulkhead-cmd" hostile ||
    fail "cannot write sys-usb's data/bulkhead-cmd"
hostile_done() { log sys-usb | grep -q "DOMU-HOSTILE-END"; }
until_true 180 "sys-usb's hostile forwarder did not end" hostile_done
echo "DRV-HOSTILE $(log sys-usb | grep -m1 DOMU-HOSTILE-END)"
dom0_typed() { log beta | grep -q "DEMO beta window 0 KEY 46 1"; }
for_a_while 180 dom0_typed
echo "DRV-DOM0-KEY $(dom0_typed && echo yes || echo no)"
echo "DRV-DONE"
ctl poweroff
