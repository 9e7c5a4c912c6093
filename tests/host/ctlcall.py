#!/usr/bin/env python3
"""`bulkhead ctl rpc' and `ctl run' against a fake domain manager.

usage: ctlcall.py BULKHEAD    prints PASS/FAIL lines, then "# N passed, M failed"

What a host without Xen can show of dom0's calls (tools/ctl_call.h): the
command line checked as the manager will, the CALL request it sends (the
line a domain would write: proto/ctlproto.h), the manager's refusal said
with exit status 126, a malformed or missing answer refused, and, told
where the target serves, the vchan it cannot reach here said likewise.
The rest (the vchan, the service, the streams) is check-xen's `dom0-call'.
"""
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading

from checks import check, summary

VERSION = 1
T_CALL, R_CALL, R_ERROR = 14, 0x87, 0xFF



def msg(mtype, payload=b""):
    return struct.pack("<IHH", 8 + len(payload), VERSION, mtype) + payload


class Manager:
    """One connection at a time: the request kept, REPLY (bytes, or None:
    close without one) sent back, then the connection held until the
    client closes it."""

    def __init__(self, path, reply):
        self.path, self.reply, self.request = path, reply, None
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock.bind(path)
        self.sock.listen(1)
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        conn, _ = self.sock.accept()
        conn.settimeout(10)
        self.request = conn.recv(1 << 16)
        if self.reply is not None:
            conn.send(self.reply)
            try:
                conn.recv(16)
            except OSError:
                pass
        conn.close()

    def close(self):
        self.thread.join(10)
        self.sock.close()
        os.unlink(self.path)


def ctl(bh, sock, *args):
    r = subprocess.run([bh, "ctl", "--socket", sock, *args], stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=30, text=True)
    return r.returncode, r.stderr


def main():
    bh = sys.argv[1]
    d = tempfile.mkdtemp()
    sock = os.path.join(d, "domains")

    for args in (["rpc", "work"], ["rpc", "work", "a", "b"], ["run", "work"],
                 ["run", "work", "--pass-io"]):
        rc, err = ctl(bh, sock, *args)
        check(f"usage: {' '.join(args)}", rc == 2 and "usage:" in err, f"{rc} {err!r}")
    rc, err = ctl(bh, sock, "rpc", "work", "a/b")
    check("a service the manager would refuse is not sent",
          rc == 2 and "service is not 1..64" in err, f"{rc} {err!r}")
    rc, err = ctl(bh, sock, "run", "work", "echo\ttab")
    check("a command with a tab is not sent", rc == 2 and "printable ASCII" in err,
          f"{rc} {err!r}")

    cases = [
        (["rpc", "work", "test.Upper+x"], b"work test.Upper+x"),
        (["rpc", "@dispvm:dvm", "test.Upper"], b"@dispvm:dvm test.Upper"),
        (["run", "work", "--pass-io", "echo", "hi"], b"work bulkhead.Run"),
        (["run", "work", "echo", "hi", "--pass-io"], b"work bulkhead.Run"),
        (["run", "work", "firefox"], b"work bulkhead.Run+detached"),
    ]
    for args, line in cases:
        m = Manager(sock, msg(R_ERROR, struct.pack("<I", 13) + b"denied: vault is \x1b[2Jred"))
        rc, err = ctl(bh, sock, *args)
        m.close()
        check(f"{' '.join(args)}: CALL \"{line.decode()}\"",
              m.request == msg(T_CALL, line), repr(m.request))
        what = " ".join(args[1:3]) if args[0] == "rpc" else f"work {line.decode()[5:]}"
        check(f"{' '.join(args)}: the refusal said, 126",
              rc == 126 and f"bulkhead ctl: {what}: denied: vault is ?[2Jred" in err,
              f"{rc} {err!r}")

    m = Manager(sock, None)
    rc, err = ctl(bh, sock, "rpc", "work", "test.Upper")
    m.close()
    check("no answer: 126", rc == 126 and "no answer from the domain manager" in err,
          f"{rc} {err!r}")
    m = Manager(sock, msg(R_CALL, struct.pack("<II", 5, 1) + b"-bad"))
    rc, err = ctl(bh, sock, "rpc", "work", "test.Upper")
    m.close()
    check("a malformed answer: 126", rc == 126 and "malformed answer" in err, f"{rc} {err!r}")
    m = Manager(sock, msg(R_CALL, struct.pack("<II", 5, 1) + b"work"))
    rc, err = ctl(bh, sock, "rpc", "work", "test.Upper")
    m.close()
    check("told where: no Xen here, the vchan said, 126",
          rc == 126 and "cannot connect to work's channel at "
          "/local/domain/5/data/bulkhead-rpc/chan/0-1" in err, f"{rc} {err!r}")
    rc, err = ctl(bh, sock, "rpc", "work", "test.Upper")
    check("no manager: said, 126", rc == 126 and "cannot reach the domain manager" in err,
          f"{rc} {err!r}")
    os.rmdir(d)
    return summary()


if __name__ == "__main__":
    sys.exit(main())
