#!/usr/bin/env python3
"""Records what the project's real GUI clients send, as fuzz seeds.

    fuzz/record_gui.py BULKHEAD OUTDIR

Plays a small compositor on the local transport (SOCK_SEQPACKET): it
welcomes the client, tells each new window a size, says MAPPED for each
buffer, types a few keys,
resizes, asks one window to close, and records every packet the client
sends.  The clients are `bulkhead gui-demo' (two windows) and `bulkhead
agent --terminal' (a shell in a terminal, which draws), run for real.
Each session is written as a seed of fuzz_guisession (its packets as one
domain's, with dom0's turns between them, see fuzz/fuzz_guisession.c)
and of fuzz_guistream (the packets as one byte stream, read in pieces).
The seeds in fuzz/corpus were made with it; run it again when the
protocol or the clients change.
"""
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time

WELCOME, CONFIGURE, FOCUS, KEY, CLOSE, MAPPED = 0x81, 0x82, 0x83, 0x84, 0x87, 0x89
HELLO, CREATE, BUFFER = 1, 2, 4


def msg(mtype, window, *fields):
    payload = b"".join(struct.pack("<I", f) for f in fields)
    return struct.pack("<III", mtype, window, len(payload)) + payload


def record(bulkhead, args, seconds, cwd):
    path = os.path.join(cwd, "rec.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    srv.bind(path)
    srv.listen(1)
    proc = subprocess.Popen([bulkhead] + args + ["--socket", path], cwd=cwd,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    conn, _ = srv.accept()
    conn.settimeout(0.1)
    packets, windows, sent_keys = [], [], False
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            data, anc, _flags, _addr = conn.recvmsg(1 << 17, socket.CMSG_SPACE(8))
        except socket.timeout:
            if windows and not sent_keys:
                w = windows[0]
                conn.send(msg(FOCUS, w, 1))
                for code in (35, 18, 38, 38, 24, 28):  # "hello", Return
                    conn.send(msg(KEY, w, code, 1))
                    conn.send(msg(KEY, w, code, 0))
                conn.send(msg(CONFIGURE, w, 500, 300))
                sent_keys = True
            continue
        for level, ctype, cdata in anc:
            if level == socket.SOL_SOCKET and ctype == socket.SCM_RIGHTS:
                for (fd,) in struct.iter_unpack("i", cdata[: len(cdata) - len(cdata) % 4]):
                    os.close(fd)
        if not data:
            break
        packets.append(data)
        mtype, window = struct.unpack_from("<II", data)
        if mtype == HELLO:
            version = struct.unpack_from("<I", data, 12)[0]
            conn.send(msg(WELCOME, 0, version, 8192, 8192))
        elif mtype == BUFFER:
            conn.send(msg(MAPPED, window))
        elif mtype == CREATE:
            windows.append(window)
            conn.send(msg(CONFIGURE, window, 640, 400))
    if len(windows) > 1:
        conn.send(msg(CLOSE, windows[1]))
        time.sleep(0.3)
        try:
            while True:
                data = conn.recv(1 << 17)
                if not data:
                    break
                packets.append(data)
        except (socket.timeout, OSError):
            pass
    proc.terminate()
    proc.wait()
    conn.close()
    srv.close()
    os.unlink(path)
    return packets


def session_seed(packets):
    """fuzz_guisession's form: domain 0's packets, a turn of dom0's after
    every few, and time passing now and then."""
    out = bytearray()
    for i, p in enumerate(packets):
        out += bytes([0x00]) + struct.pack("<H", len(p)) + p
        if i % 4 == 3:
            out += bytes([0x83, 0x00])
        if i % 16 == 15:
            out += bytes([0x84, 0x05, 0x85, 0x00])
    out += bytes([0x83, 0x00, 0x85, 0x00])
    return bytes(out)


def stream_seed(packets):
    """fuzz_guistream's form: 3 piece sizes, then the stream."""
    return bytes([0x02, 7, 200, 30]) + b"".join(packets)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    bulkhead, outdir = os.path.abspath(sys.argv[1]), sys.argv[2]
    sessions = {
        "demo": (["gui-demo", "--windows", "2", "--title", "demo"], 2.0),
        "terminal": (["agent", "--terminal"], 4.0),
    }
    with tempfile.TemporaryDirectory() as tmp:
        for name, (args, seconds) in sessions.items():
            packets = record(bulkhead, args, seconds, tmp)
            for target, seed in (("fuzz_guisession", session_seed(packets)),
                                 ("fuzz_guistream", stream_seed(packets))):
                os.makedirs(os.path.join(outdir, target), exist_ok=True)
                with open(os.path.join(outdir, target, "real-" + name), "wb") as f:
                    f.write(seed)
            print(f"record_gui: {name}: {len(packets)} packets, "
                  f"{sum(len(p) for p in packets)} bytes")


if __name__ == "__main__":
    main()
