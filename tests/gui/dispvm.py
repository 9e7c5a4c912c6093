#!/usr/bin/env python3
"""The launcher's "@dispvm COMMAND" on a headless compositor, against a
fake domain manager at /run/bulkhead/domains (the compositor's fixed
socket: run this in a mount namespace with a /run of its own).

usage: dispvm.py BULKHEAD CONFIG WORKDIR   (CONFIG: a copy of tests/gui/config,
       which it changes)
prints PASS/FAIL lines, then "# N passed, M failed"

The user's Super+Return, "@dispvm foot", Return: the manager is asked for
a disposable of the default template running foot (RUN_DISPOSABLE, on the
compositor's own uid), the bar says one starts; the manager's answer
names disp7, whose first window takes the focus (the user asked for it)
and is framed in its label's colour; one the user did not ask for does
not.  "@dispvm:ghost xterm" refused by the manager is said in the bar.
"cold-vm", which the manager lists stopped: the launcher asks it to start
cold-vm (DOMAIN START, on the compositor's uid), and once cold-vm's agent
has greeted dom0 (the fake manager "starts" a gui-demo for it), the
command is asked of it, and its window takes the focus.

Then dom0's menu (Super+Escape), with cold-vm's window focused: T shuts
cold-vm down (DOMAIN STOP), K asks first and Y kills it (DOMAIN KILL), a
Return to the question kills nothing; "Power off dom0" asks first and Y
powers off through PID 1's socket (a fake one at /run/bulkhead/control,
POWER on the compositor's uid); none of these keys reaches cold-vm's
window.  The menu and its question are screenshots (menu.png,
menu-question.png).
"""
import os
import socket
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "host"))
from checks import check, summary  # noqa: E402

VERSION = 1
Q_POWER, Q_DOMAINS, Q_DOMAIN, Q_RUN, Q_ASKS, Q_USB = 4, 5, 6, 9, 12, 15
R_OK, R_DOMAINS, R_DISPOSABLE, R_ASKS, R_USB, R_ERROR = 0x80, 0x83, 0x84, 0x86, 0x88, 0xFF
DOMAIN_STOP, DOMAIN_KILL, POWEROFF = 2, 3, 1
DOMAIN_START, STOPPED, RUNNING, CLASS_APP, LABEL_BLUE = 1, 0, 2, 1, 5
KEYS = {c: k for k, c in enumerate("1234567890", 2)}
KEYS.update({c: k for k, c in zip(range(16, 26), "qwertyuiop")})
KEYS.update({c: k for k, c in zip(range(30, 39), "asdfghjkl")})
KEYS.update({c: k for k, c in zip(range(44, 51), "zxcvbnm")})
KEYS.update({" ": 57, ";": 39, "-": 12})
SHIFTED = {"@": "2", ":": ";"}
META, ENTER, SHIFT, ESC, DOWN, UP = 125, 28, 42, 1, 108, 103


def msg(mtype, payload=b""):
    return struct.pack("<IHH", 8 + len(payload), VERSION, mtype) + payload


def domain_record(name, state, klass, label):
    """A domain as the manager's DOMAINS reply lists it, with windows."""
    return struct.pack("<32sBBBBIIIIQB3x32s32sI4x", name.encode(), state, 0, klass, label,
                       0xFFFFFFFF, 262144, 1, 0, 0, 1, b"", b"", 0)


class Manager:
    """Answers DOMAINS and ASKS with none, RUN_DISPOSABLE with disp7 (or,
    for the template ghost, an error), each request of that kind kept."""

    def __init__(self, path, start):
        self.usb = [("1-1", "0627:0001 03 QEMU QEMU USB Tablet")]	# sys-usb's devices
        self.usb_asked = 0
        self.runs = []
        self.started = []
        self.ops = []		# (op, name) of DOMAIN STOP and KILL, and POWER
        self.start = start	# called with a domain's name once it is "started"
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock.bind(path)
        os.chmod(path, 0o666)	# the compositor has left root's uid
        self.sock.listen(8)
        threading.Thread(target=self.accept, daemon=True).start()

    def domains(self):
        """The DOMAINS records: cold-vm, an AppVM with windows, stopped
        until started."""
        state = RUNNING if "cold-vm" in self.started else STOPPED
        return [domain_record("cold-vm", state, CLASS_APP, LABEL_BLUE)]

    def accept(self):
        while True:
            conn, _ = self.sock.accept()
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()

    def serve(self, conn):
        while True:
            try:
                req = conn.recv(1 << 16)
            except OSError:
                return
            if len(req) < 8:
                return
            mtype, payload = struct.unpack("<H", req[6:8])[0], req[8:]
            if mtype == Q_DOMAINS:
                recs = self.domains()
                conn.send(msg(R_DOMAINS, struct.pack("<I", len(recs)) + b"".join(recs)))
            elif mtype == Q_DOMAIN and payload[0] == DOMAIN_START:
                name = payload[1:].decode()
                # Started, listed, then answered: once the compositor says
                # it asked, the name is in self.started and its client runs
                # (the check after the launcher's request found no client
                # once, under CI's load, when the answer came first).
                self.start(name)
                self.started.append(name)
                conn.send(msg(R_OK))
            elif mtype == Q_DOMAIN and payload[0] in (DOMAIN_STOP, DOMAIN_KILL):
                self.ops.append(("stop" if payload[0] == DOMAIN_STOP else "kill",
                                 payload[1:].decode()))
                conn.send(msg(R_OK))
            elif mtype == Q_POWER:
                self.ops.append(("power", payload[0]))
                conn.send(msg(R_OK))
            elif mtype == Q_ASKS:
                conn.send(msg(R_ASKS, struct.pack("<I", 0)))
            elif mtype == Q_USB:
                self.usb_asked += 1
                recs = b"".join(struct.pack("<32s32s104s32s", b"sys-usb", busid.encode(),
                                            value.encode(), b"") for busid, value in self.usb)
                conn.send(msg(R_USB, struct.pack("<I", len(self.usb)) + recs))
            elif mtype == Q_RUN:
                n = payload[0]
                template, command = payload[1:1 + n].decode(), payload[1 + n:].decode()
                self.runs.append((template, command))
                time.sleep(0.5)	# a preloaded disposable let run
                if template == "ghost":
                    conn.send(msg(R_ERROR, struct.pack("<I", 2) +
                                  b"no domain ghost is configured"))
                else:
                    conn.send(msg(R_DISPOSABLE, b"disp7" + struct.pack("<I", 480)))
            else:
                conn.send(msg(R_ERROR, struct.pack("<I", 95) + b"not here"))


def prepare(cfg, work):
    """WORK made for a compositor of CONFIG's: its sockets, its control
    socket and its screenshots there."""
    os.makedirs(work, exist_ok=True)
    os.chmod(work, 0o1777)	# the compositor's screenshots, as its uid
    with open(os.path.join(cfg, "desktop.cfg"), "a") as f:
        f.write(f'gui_dir = "{work}/sock"\ncontrol_socket = "{work}/ctl"\n'
                f'screenshot_dir = "{work}"\n')


def wait_for(path, text, seconds=10.0):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            with open(path, errors="replace") as f:
                if text in f.read():
                    return True
        except FileNotFoundError:
            pass
        time.sleep(0.05)
    return False


def usb(ctl, log, work, man):
    """A USB device that comes to sys-usb is said in the bar (docs/DEVICES.md);
    the ones of the first list are not; a list with a device the compositor
    refuses (an escape in its name) says nothing.  The bar with it:
    usb-notice.png."""
    asked = man.usb_asked
    end = time.monotonic() + 10
    while man.usb_asked < asked + 1 and time.monotonic() < end:
        time.sleep(0.1)
    check("the compositor asks the manager for the USB devices (USB, on its own uid)",
          man.usb_asked > asked, f"{man.usb_asked} requests")
    check("the tablet there from the start is not said as new",
          "new USB device" not in open(log).read(), open(log).read()[-300:])
    man.usb = man.usb + [("2-1", "0627:0001 03 \x1b]0;owned\x07")]
    time.sleep(4)
    check("a list with a device whose name is not printable says nothing",
          "new USB device" not in open(log).read(), open(log).read()[-300:])
    man.usb = man.usb[:1] + [("2-2", "46f4:0001 08 QEMU QEMU USB HARDDRIVE")]
    check("the stick that came is said in the bar, with how to give it to a domain",
          wait_for(log, "new USB device sys-usb:2-2: QEMU QEMU USB HARDDRIVE; `ctl usb attach` "
                   "gives it to a domain", 8), open(log).read()[-400:])
    ctl("screenshot", os.path.join(work, "usb-notice.png"))	# the bar, for a person to see


def menu(ctl, press, log, work, man, pid1, cold):
    """dom0's menu on cold-vm (its one row), then on "Power off dom0"."""
    png = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "qemu", "png.py")
    keys_before = open(cold).read().count("KEY") if cold else 0
    press(META, ESC)
    press(DOWN)
    press(DOWN)	# blue-vm, clip-vm, cold-vm: the domains by name
    shot = os.path.join(work, "menu.png")
    ctl("screenshot", shot)
    white = subprocess.run(["python3", png, "count", shot, "ffffff", "dddddd"],
                           capture_output=True, text=True).stdout.split()
    check("Super+Escape shows dom0's menu (its white frame, the chosen row)",
          len(white) == 2 and int(white[0]) > 1500 and int(white[1]) > 5000, f"{shot}: {white}")
    press(20)	# T
    check("T asks the manager to shut down the chosen domain, cold-vm, and the bar says so",
          wait_for(log, "cold-vm shuts down") and man.ops == [("stop", "cold-vm")],
          repr(man.ops))
    press(37)	# K
    shot = os.path.join(work, "menu-question.png")
    ctl("screenshot", shot)
    yellow = subprocess.run(["python3", png, "count", shot, "ffff80"],
                            capture_output=True, text=True).stdout.split()
    before = subprocess.run(["python3", png, "count", os.path.join(work, "menu.png"), "ffff80"],
                            capture_output=True, text=True).stdout.split()
    check("K asks first, in yellow under the rows (none before)",
          yellow and int(yellow[0]) > 100 and before == ["0"], f"{shot}: {yellow} {before}")
    press(ENTER)
    time.sleep(0.5)
    check("Return to the question kills nothing", man.ops == [("stop", "cold-vm")],
          repr(man.ops))
    press(37)
    press(21)	# Y
    check("K then Y kills cold-vm", wait_for(log, "cold-vm was killed") and
          man.ops[-1] == ("kill", "cold-vm"), repr(man.ops))
    press(ESC)
    press(META, ESC)
    press(UP)	# from the first row up: the last, "Power off dom0"
    press(ENTER)
    time.sleep(0.5)
    check("Power off asks first: nothing sent yet", pid1.ops == [], repr(pid1.ops))
    press(21)
    check("then Y asks PID 1 to power off (POWER on the compositor's uid), and the bar "
          "says so", wait_for(log, "dom0 powers off") and pid1.ops == [("power", POWEROFF)],
          repr(pid1.ops))
    check("no key typed in the menu reached the focused window",
          cold is not None and open(cold).read().count("KEY") == keys_before,
          open(cold).read()[-300:] if cold else "")


def main():
    bh, cfg, work = sys.argv[1], sys.argv[2], sys.argv[3]
    prepare(cfg, work)
    # The disposable the fake manager names, as a domain with windows (a
    # socket of the local transport; on Xen its agent offers a vchan).
    with open(os.path.join(cfg, "domains", "disp7.cfg"), "w") as f:
        f.write('class = "standalone"\nlabel = "purple"\ntype = "pvh"\nmemory = 256\n'
                'kernel = "/var/lib/bulkhead/vmlinux"\ngui = 1\n')
    with open(os.path.join(cfg, "domains", "cold-vm.cfg"), "w") as f:
        f.write('class = "standalone"\nlabel = "blue"\ntype = "pvh"\nmemory = 256\n'
                'kernel = "/var/lib/bulkhead/vmlinux"\ngui = 1\n')
    started = {}
    man = Manager("/run/bulkhead/domains",
                  lambda name: started.setdefault(name, demo(name, "203080")))
    pid1 = Manager("/run/bulkhead/control", None)
    log = os.path.join(work, "compositor.log")
    comp = subprocess.Popen([bh, "compositor", "--config", cfg], stdout=open(log, "w"),
                            stderr=subprocess.STDOUT)
    demos = []

    def ctl(*args):
        return subprocess.run([bh, "ctl", "--socket", f"{work}/ctl", *args],
                              capture_output=True, timeout=20).returncode

    def key(code, value):
        ctl("key", str(code), str(value))

    def press(*codes):
        for c in codes:
            key(c, 1)
        for c in reversed(codes):
            key(c, 0)

    def type_text(text):
        for c in text:
            if c in SHIFTED:
                press(SHIFT, KEYS[SHIFTED[c]])
            else:
                press(KEYS[c])

    def launch(line):
        press(META, ENTER)
        type_text(line)
        press(ENTER)

    def demo(name, color):
        out = os.path.join(work, f"{name}.out")
        demos.append(subprocess.Popen(
            [bh, "gui-demo", "--socket", f"{work}/sock/{name}.sock", "--tag", name, "--title",
             name, "--color", color], stdout=open(out, "w"), stderr=subprocess.STDOUT))
        return out

    try:
        up = wait_for(log, "compositor up")
        check("the compositor is up", up, open(log).read()[-300:])
        if not up:
            return summary()
        # A window nobody asked for: it does not take the focus.
        red = demo("red-vm", "802020")
        check("red-vm's window comes, unfocused",
              wait_for(red, "CONFIGURE") and not wait_for(red, "FOCUS 1", 1.0),
              open(red).read()[-200:])

        launch("@dispvm foot")
        check("the manager is asked for a disposable of the default template running foot",
              wait_for(log, "disposable disp7 runs its command") and
              man.runs[:1] == [("", "foot")], repr(man.runs))
        check("the bar said one starts",
              wait_for(log, 'a disposable of the default template starts for "foot"', 1),
              open(log).read()[-300:])
        disp = demo("disp7", "208020")
        focused = wait_for(disp, "window 0 FOCUS 1")
        check("disp7's first window takes the focus the user asked for", focused,
              open(disp).read()[-300:])
        time.sleep(0.3)
        shot = os.path.join(work, "dispvm.png")
        ctl("screenshot", shot)
        png = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "qemu", "png.py")
        counts = subprocess.run(["python3", png, "count", shot, "75507b", "208020"],
                                capture_output=True, text=True).stdout.split()
        check("disp7's window on screen, framed in its label's purple, its pixels drawn",
              len(counts) == 2 and int(counts[0]) > 2000 and int(counts[1]) > 20000,
              f"{shot}: {counts}")

        launch("@dispvm:ghost xterm")
        check("a disposable the manager refuses is said in the bar",
              wait_for(log, "no disposable: no domain ghost is configured") and
              man.runs[1:2] == [("ghost", "xterm")], repr(man.runs))
        # A stopped domain: started for the launcher, the command run once
        # its agent is up, its window focused.
        time.sleep(1.5)	# the bar has the manager's list (asked each second)
        launch("cold-vm xterm")
        check("the launcher asks the manager to start cold-vm, and says so",
              wait_for(log, 'launcher: cold-vm starts; "xterm" runs once its agent is up') and
              man.started == ["cold-vm"], repr(man.started))
        cold = started.get("cold-vm")
        # (gui-demo makes a window of its own as it comes: its next one
        # after the request takes the focus.)
        check("once cold-vm's agent is up, it is asked to run xterm, and its window takes "
              "the focus", cold is not None and wait_for(cold, "RUN xterm") and
              wait_for(cold, "FOCUS 1"), open(cold).read()[-300:] if cold else "")
        usb(ctl, log, work, man)
        menu(ctl, press, log, work, man, pid1, cold)
        check("the compositor is still up", comp.poll() is None, "it exited")
    finally:
        for p in demos + [comp]:
            p.terminate()
            p.wait()
    return summary()


if __name__ == "__main__":
    sys.exit(main())
