#!/usr/bin/env python3
"""A USB domain's keyboards on a headless compositor (docs/DEVICES.md,
"USB keyboards and mice"), against a fake domain manager at
/run/bulkhead/domains (run this in a mount namespace with a /run of its
own) that lists sys-usb (class usb) and work (an AppVM with a window,
gui-demo), both running.  sys-usb here is this script on the local
transport, speaking GUI protocol version 6 byte by byte.

usage: inputproxy.py BULKHEAD CONFIG WORKDIR   (CONFIG: a copy of
       tests/gui/config, which it changes)
prints PASS/FAIL lines, then "# N passed, M failed"

work's window focused by the user (Super+Tab).  sys-usb announces a
keyboard and types on it: nothing reaches work, and dom0 asks
(input-question.png); a Return at once is not taken (armed a second
after the question shows); Escape refuses it, and its keys still go
nowhere.  A second keyboard, accepted with Return a second later, types
into work; a key it holds when sys-usb's channel closes is released in
work.  sys-usb again, hostile: a motion of 2^20 drops its channel, and
dom0's own keys still reach work.  Again, a keyboard announced anew is
asked about and refused with Escape.  blue-vm (class standalone)
announcing a keyboard is dropped for it, and so is a version 5 sys-usb.
"""
import os
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "host"))
from checks import check, summary  # noqa: E402
from dispvm import (ENTER, ESC, META, RUNNING, Manager, domain_record, prepare,  # noqa: E402
                    wait_for)

CLASS_STANDALONE, CLASS_USB, LABEL_RED, LABEL_GREEN = 3, 5, 0, 3
HELLO, INPUT_DEVICE, INPUT_EVENTS = 1, 10, 11
KEYBOARD = 1
EV_SYN, EV_KEY, EV_REL = 0, 1, 2
TAB, KEY_A, KEY_B, KEY_C, KEY_D = 15, 30, 48, 46, 32


class Usb(Manager):
    def domains(self):
        return [domain_record("sys-usb", RUNNING, CLASS_USB, LABEL_RED),
                domain_record("work", RUNNING, CLASS_STANDALONE, LABEL_GREEN)]


def gui(mtype, payload=b""):
    return struct.pack("<III", mtype, 0, len(payload)) + payload


def device(dev_id, kind, name):
    return gui(INPUT_DEVICE, struct.pack("<II", dev_id, kind) + name)


def events(dev_id, evs):
    return gui(INPUT_EVENTS, struct.pack("<II", dev_id, len(evs)) +
               b"".join(struct.pack("<HHi", *e) for e in evs))


def tap(code):
    """A key pressed and released, each its own report."""
    return [(EV_KEY, code, 1), (EV_SYN, 0, 0), (EV_KEY, code, 0), (EV_SYN, 0, 0)]


class Domain:
    """A domain's end of the local transport, saying HELLO in VERSION."""

    def __init__(self, work, name, version=6):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.s.connect(os.path.join(work, "sock", f"{name}.sock"))
        self.s.settimeout(5)
        self.send(gui(HELLO, struct.pack("<II", version, 0)))
        self.welcomed = len(self.s.recv(4096)) >= 12

    def send(self, data):
        try:
            self.s.send(data)
            return True
        except OSError:
            return False

    def close(self):
        self.s.close()


def main():
    bh, cfg, work = sys.argv[1], sys.argv[2], sys.argv[3]
    prepare(cfg, work)
    for name, klass, label in (("sys-usb", "usb", "red"), ("work", "standalone", "green")):
        with open(os.path.join(cfg, "domains", f"{name}.cfg"), "w") as f:
            f.write(f'class = "{klass}"\nlabel = "{label}"\ntype = "pvh"\nmemory = 256\n'
                    'kernel = "/var/lib/bulkhead/vmlinux"\ngui = 1\n')
    Usb("/run/bulkhead/domains", None)
    Manager("/run/bulkhead/control", None)
    log = os.path.join(work, "compositor.log")
    comp = subprocess.Popen([bh, "compositor", "--config", cfg], stdout=open(log, "w"),
                            stderr=subprocess.STDOUT)
    out = os.path.join(work, "work.out")
    demo = None

    def ctl(*args):
        return subprocess.run([bh, "ctl", "--socket", f"{work}/ctl", *args],
                              capture_output=True, timeout=20).returncode

    def press(*codes):
        for c in codes:
            ctl("key", str(c), "1")
        for c in reversed(codes):
            ctl("key", str(c), "0")

    def typed(code, value=1):
        return f"KEY {code} {value}\n" in open(out).read()

    def said(text):
        return text in open(log).read()

    def tail():
        return open(log).read()[-400:]

    try:
        up = wait_for(log, "compositor up")
        check("the compositor is up", up, tail())
        if not up:
            return summary()
        demo = subprocess.Popen([bh, "gui-demo", "--socket", f"{work}/sock/work.sock", "--tag",
                                 "work", "--title", "work", "--color", "208020"],
                                stdout=open(out, "w"), stderr=subprocess.STDOUT)
        wait_for(out, "CONFIGURE")
        press(META, TAB)
        check("the user's Super+Tab focuses work's window", wait_for(out, "FOCUS 1"),
              open(out).read()[-200:])

        usb = Domain(work, "sys-usb")
        check("sys-usb says HELLO in version 6 and is welcomed", usb.welcomed, tail())
        usb.send(device(1, KEYBOARD, b"Evil Keyboard"))
        usb.send(events(1, tap(KEY_A)))
        check("a keyboard sys-usb announces is asked about, the question on the screen",
              wait_for(log, "event=input-asked domain=sys-usb device=1 kind=keyboard") and
              wait_for(log, "event=input-shown domain=sys-usb device=1 kind=keyboard"), tail())
        time.sleep(0.5)
        check("what it types before the answer reaches no window", not typed(KEY_A),
              open(out).read()[-200:])
        ctl("screenshot", os.path.join(work, "input-question.png"))
        press(ENTER)	# within the second after the question showed
        time.sleep(0.3)
        check("a Return typed as the question comes does not accept it",
              not said("event=input-accepted"), tail())
        press(ESC)
        check("dom0's Escape refuses it",
              wait_for(log, "event=input-refused domain=sys-usb device=1 kind=keyboard"), tail())
        usb.send(events(1, tap(KEY_A)))
        time.sleep(0.5)
        check("a refused keyboard types nothing, and its Return and Escape reached nobody",
              not typed(KEY_A) and not typed(ENTER) and not typed(ESC),
              open(out).read()[-200:])

        usb.send(device(2, KEYBOARD, b"QEMU QEMU USB Keyboard"))
        asked = wait_for(log, "event=input-shown domain=sys-usb device=2 kind=keyboard")
        time.sleep(1.3)
        press(ENTER)
        check("a second keyboard, asked about, is accepted with Return a second later",
              asked and wait_for(log, "event=input-accepted domain=sys-usb device=2"), tail())
        usb.send(events(2, tap(KEY_B)))
        check("the accepted keyboard types into the focused window",
              wait_for(out, "KEY 48 1") and wait_for(out, "KEY 48 0"), open(out).read()[-200:])
        usb.send(events(2, [(EV_KEY, KEY_C, 1), (EV_SYN, 0, 0)]))
        wait_for(out, "KEY 46 1")
        usb.close()
        check("a key it held when sys-usb's channel closed is released in the window",
              wait_for(out, "KEY 46 0"), open(out).read()[-200:])

        wait_for(log, "event=gui-dropped name=sys-usb reason=the domain closed it")
        time.sleep(0.5)	# freed at the loop's next reap
        bad = Domain(work, "sys-usb")
        bad.send(device(1, KEYBOARD, b"hostile"))
        bad.send(events(1, [(EV_REL, 0, 1 << 20), (EV_SYN, 0, 0)]))
        check("a motion of 2^20 drops sys-usb's channel",
              wait_for(log, "event=gui-dropped name=sys-usb reason=malformed message: "
                       "INPUT_EVENTS with an event out of its bounds"), tail())
        bad.close()
        time.sleep(0.5)
        press(KEY_D)
        check("dom0's own keys still reach the focused window", wait_for(out, "KEY 32 1"),
              open(out).read()[-200:])

        again = Domain(work, "sys-usb")
        again.send(device(1, KEYBOARD, b"QEMU QEMU USB Keyboard"))
        end = time.monotonic() + 5
        while open(log).read().count("event=input-asked") < 4 and time.monotonic() < end:
            time.sleep(0.05)
        n = open(log).read().count("event=input-asked")
        # On the screen (its line after the fourth question's).
        while time.monotonic() < end:
            text = open(log).read()
            if text.rfind("event=input-shown") > text.rfind("event=input-asked"):
                break
            time.sleep(0.05)
        press(ESC)
        end = time.monotonic() + 5
        while open(log).read().count("event=input-refused") < 2 and time.monotonic() < end:
            time.sleep(0.05)
        check("announced again on a new channel, it is asked about again (the fourth "
              "question) and refused with Escape", n == 4 and
              open(log).read().count("event=input-refused") == 2, tail())
        again.close()

        blue = Domain(work, "blue-vm")
        blue.send(device(1, KEYBOARD, b"kbd"))
        check("blue-vm (no USB domain) announcing a keyboard is dropped for it",
              wait_for(log, "event=gui-dropped name=blue-vm reason=INPUT_DEVICE from a domain "
                       "not of class usb"), tail())
        blue.close()
        wait_for(log, "event=gui-dropped name=sys-usb reason=the domain closed it")
        time.sleep(0.5)
        old = Domain(work, "sys-usb", 5)
        old.send(device(1, KEYBOARD, b"kbd"))
        check("a version 5 sys-usb announcing a keyboard is dropped for it",
              wait_for(log, "event=gui-dropped name=sys-usb reason=INPUT_DEVICE in protocol "
                       "version 5"), tail())
        old.close()
        check("the compositor is still up", comp.poll() is None, "it exited")
    finally:
        for p in [demo, comp]:
            if p:
                p.terminate()
                p.wait()
    return summary()


if __name__ == "__main__":
    sys.exit(main())
