#!/usr/bin/env python3
"""Hand-made packets for bulkhead's control socket (see proto/ctlproto.h).

Usage: ctlraw.py SOCKET malformed   every malformed request must get an
                                    error reply or a closed connection
       ctlraw.py SOCKET nonroot     run as a non-root user: must be refused
Prints one line per case; exits 1 if any case went wrong.
"""
import errno
import socket
import struct
import sys

VERSION = 1
T_STATUS, T_SERVICES, T_RESTART, T_POWER = 1, 2, 3, 4
R_STATUS, R_ERROR = 0x81, 0xFF
STATUS_SIZE = 48
CLIENTS_MAX = 16
TIMEOUT_S = 5.0


def msg(mtype, payload=b"", version=VERSION, length=None):
    if length is None:
        length = 8 + len(payload)
    return struct.pack("<IHH", length, version, mtype) + payload


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.settimeout(TIMEOUT_S)
    # Room for the oversized packet in one piece.
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
    s.connect(path)
    return s


def recv(s):
    """One packet; b"" when the peer closed (a reset counts as closed)."""
    try:
        return s.recv(1 << 17)
    except ConnectionResetError:
        return b""


def decode(pkt):
    """(type, payload) of a well-formed reply, else raises ValueError."""
    if len(pkt) < 8:
        raise ValueError(f"reply of {len(pkt)} bytes")
    length, version, mtype = struct.unpack("<IHH", pkt[:8])
    if length != len(pkt) or version != VERSION:
        raise ValueError(f"reply header length={length} version={version} for {len(pkt)} bytes")
    return mtype, pkt[8:]


def error_of(payload):
    code = struct.unpack("<I", payload[:4])[0]
    return code, payload[4:].decode("ascii", "replace")


def status_ok(s):
    """A status round trip on S; returns PID 1's pid as it reports it."""
    s.send(msg(T_STATUS))
    mtype, payload = decode(recv(s))
    if mtype != R_STATUS or len(payload) != STATUS_SIZE:
        raise ValueError(f"status request answered with type {mtype:#x}, {len(payload)} bytes")
    return struct.unpack("<I", payload[:4])[0]


MALFORMED = [
    ("empty packet", b""),
    ("3 bytes", b"\x08\x00\x00"),
    ("7 bytes", msg(T_STATUS)[:7]),
    ("wrong version 2", msg(T_STATUS, version=2)),
    ("wrong version 0", msg(T_STATUS, version=0)),
    ("length field too large", msg(T_STATUS, length=9)),
    ("length field too small", msg(T_RESTART, b"abc", length=8)),
    ("length field 0xffffffff", msg(T_STATUS, length=0xFFFFFFFF)),
    ("unknown type 7", msg(7)),
    ("unknown type 0", msg(0)),
    ("reply type as request", msg(R_STATUS)),
    ("error type as request", msg(R_ERROR, b"\0\0\0\0x")),
    ("status with payload", msg(T_STATUS, b"x")),
    ("services with payload", msg(T_SERVICES, b"\0")),
    ("restart without name", msg(T_RESTART)),
    ("restart ../x", msg(T_RESTART, b"../x")),
    ("restart 40 chars", msg(T_RESTART, b"a" * 40)),
    ("restart 33 chars", msg(T_RESTART, b"a" * 33)),
    ("restart with NUL", msg(T_RESTART, b"a\0b")),
    ("restart upper case", msg(T_RESTART, b"A")),
    ("restart leading dash", msg(T_RESTART, b"-a")),
    ("power without byte", msg(T_POWER)),
    ("power action 0", msg(T_POWER, b"\x00")),
    ("power action 9", msg(T_POWER, b"\x09")),
    ("power two bytes", msg(T_POWER, b"\x01\x00")),
    ("70000-byte packet", msg(T_RESTART, b"a" * (70000 - 8))),
    ("65537-byte packet", msg(T_STATUS, b"\0" * (65537 - 8))),
]


def one_malformed(path, pkt):
    """None if PID 1 answered with an error and hung up, else what is wrong."""
    with connect(path) as s:
        s.send(pkt)
        first = recv(s)
        if first == b"":
            return None, "closed"
        mtype, payload = decode(first)
        if mtype != R_ERROR:
            return f"answered with type {mtype:#x} instead of an error", None
        code, text = error_of(payload)
        if recv(s) != b"":
            return f"error {code} ({text}) but the connection stayed open", None
        return None, f"error {code}: {text}"


def malformed(path):
    bad = 0
    for name, pkt in MALFORMED:
        try:
            wrong, how = one_malformed(path, pkt)
        except (OSError, ValueError) as e:
            wrong = f"{type(e).__name__}: {e}"
        if wrong:
            bad += 1
            print(f"BAD {name}: {wrong}")
        else:
            print(f"ok  {name}: {how}")

    # Requests that are well-formed but refused keep the connection.
    try:
        with connect(path) as s:
            s.send(msg(T_RESTART, b"nosuch"))
            mtype, payload = decode(recv(s))
            code, text = error_of(payload) if mtype == R_ERROR else (None, None)
            if code != errno.ENOENT:
                raise ValueError(f"restart nosuch: type {mtype:#x} code {code}")
            pid = status_ok(s)
            if pid != 1:
                raise ValueError(f"status says pid {pid}")
        print(f"ok  restart nosuch: error {code}: {text}; connection kept")
    except (OSError, ValueError) as e:
        bad += 1
        print(f"BAD restart nosuch: {type(e).__name__}: {e}")

    # One client more than PID 1 serves at once gets EBUSY; the others work.
    clients = []
    try:
        for _ in range(CLIENTS_MAX):
            clients.append(connect(path))
            status_ok(clients[-1])  # accepted, not just queued
        with connect(path) as extra:
            mtype, payload = decode(recv(extra))
            code = error_of(payload)[0] if mtype == R_ERROR else None
            if code != errno.EBUSY:
                raise ValueError(f"client {CLIENTS_MAX + 1}: type {mtype:#x} code {code}")
        status_ok(clients[0])
        print(f"ok  {CLIENTS_MAX + 1} clients: the last one refused with EBUSY")
    except (OSError, ValueError) as e:
        bad += 1
        print(f"BAD {CLIENTS_MAX + 1} clients: {type(e).__name__}: {e}")
    finally:
        for c in clients:
            c.close()
    return bad


def nonroot(path):
    """Refused at connect() (socket mode 0600) or by PID 1 with EACCES."""
    try:
        s = connect(path)
    except PermissionError:
        print("ok  non-root client: connect() refused: permission denied")
        return 0
    with s:
        # PID 1 reads the request before it answers and hangs up, so the
        # answer arrives and not a connection reset.
        try:
            s.send(msg(T_STATUS))
            mtype, payload = decode(recv(s))
        except (OSError, ValueError) as e:
            print(f"BAD non-root client: no error reply: {type(e).__name__}: {e}")
            return 1
        if mtype == R_ERROR and error_of(payload)[0] == errno.EACCES:
            print(f"ok  non-root client: error {errno.EACCES}: {error_of(payload)[1]}")
            return 0
        print(f"BAD non-root client: answered with type {mtype:#x}")
        return 1


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in ("malformed", "nonroot"):
        print(__doc__, file=sys.stderr)
        return 2
    path, what = sys.argv[1], sys.argv[2]
    bad = malformed(path) if what == "malformed" else nonroot(path)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
