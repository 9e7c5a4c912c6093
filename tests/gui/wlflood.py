#!/usr/bin/env python3
"""A Wayland client that makes too many toplevels (check-gui's wayland).

  wlflood.py SOCKET N HOLD_S   connects to SOCKET, makes N xdg_toplevels (each
                               surface committed once, as a real client's
                               first commit), keeps them HOLD_S seconds and
                               prints how many xdg_toplevel.configure events
                               came, then leaves

The wire protocol by hand (standard library only): a header of the object
id and (size << 16 | opcode), then the arguments, strings with their
length and NUL, padded to 4 bytes.
"""
import socket
import struct
import sys
import time


def string(s):
    b = s.encode() + b"\0"
    return struct.pack("<I", len(b)) + b + b"\0" * (-len(b) % 4)


class Conn:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        self.next_id = 2
        self.buf = b""

    def new_id(self):
        i = self.next_id
        self.next_id += 1
        return i

    def send(self, obj, opcode, args=b""):
        self.s.sendall(struct.pack("<II", obj, (8 + len(args)) << 16 | opcode) + args)

    def events(self, timeout):
        """Yields (object, opcode, payload) until nothing comes for TIMEOUT."""
        self.s.settimeout(timeout)
        while True:
            while len(self.buf) >= 8:
                obj, word = struct.unpack("<II", self.buf[:8])
                size = word >> 16
                if len(self.buf) < size:
                    break
                payload, self.buf = self.buf[8:size], self.buf[size:]
                yield obj, word & 0xffff, payload
            try:
                data = self.s.recv(65536)
            except socket.timeout:
                return
            if not data:
                return
            self.buf += data


def main():
    path, n, hold = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    c = Conn(path)
    registry, done = c.new_id(), c.new_id()
    c.send(1, 1, struct.pack("<I", registry))   # wl_display.get_registry
    c.send(1, 0, struct.pack("<I", done))       # wl_display.sync
    globals_ = {}
    for obj, op, p in c.events(5):
        if obj == registry and op == 0:
            name, length = struct.unpack("<II", p[:8])
            iface = p[8:8 + length - 1].decode()
            globals_[iface] = name
        if obj == done:
            break
    comp, wm = c.new_id(), c.new_id()
    for iface, oid, version in (("wl_compositor", comp, 4), ("xdg_wm_base", wm, 1)):
        c.send(registry, 0, struct.pack("<I", globals_[iface]) + string(iface) +
               struct.pack("<II", version, oid))
    toplevels = set()
    for _ in range(n):
        surface, xsurface, toplevel = c.new_id(), c.new_id(), c.new_id()
        c.send(comp, 0, struct.pack("<I", surface))                  # create_surface
        c.send(wm, 2, struct.pack("<II", xsurface, surface))         # get_xdg_surface
        c.send(xsurface, 1, struct.pack("<I", toplevel))             # get_toplevel
        c.send(surface, 6)                                           # commit
        toplevels.add(toplevel)
    configured = set()
    end = time.monotonic() + hold
    while time.monotonic() < end:
        for obj, op, _ in c.events(0.2):
            if obj in toplevels and op == 0:
                configured.add(obj)
    print(len(configured))


if __name__ == "__main__":
    main()
