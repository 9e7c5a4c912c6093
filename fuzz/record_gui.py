#!/usr/bin/env python3
"""Records what the project's real GUI clients send, as fuzz seeds.

    fuzz/record_gui.py BULKHEAD OUTDIR

Plays a small compositor on the local transport (SOCK_SEQPACKET): it
welcomes the client, tells each new window a size, says MAPPED for each
buffer, types a few keys,
resizes, asks one window to close, and records every packet the client
sends.  The clients are `bulkhead gui-demo' (two windows), `bulkhead
agent --terminal' (a shell in a terminal, which draws) and `bulkhead agent
--wayland-socket' asked (RUN) to run weston-terminal, whose menu the right
button opens (a POPUP, sized and mapped) and a click elsewhere closes, all
run for real.
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

WELCOME, CONFIGURE, FOCUS, KEY, MOTION, BUTTON, CLOSE, RUN, MAPPED = (
    0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89)
HELLO, CREATE, BUFFER, POPUP = 1, 2, 4, 7
BTN_LEFT, BTN_RIGHT = 0x110, 0x111


def msg(mtype, window, *fields):
    payload = b"".join(struct.pack("<I", f) for f in fields)
    return struct.pack("<III", mtype, window, len(payload)) + payload


def click(conn, w, button, x, y):
    conn.send(msg(MOTION, w, x, y))
    conn.send(msg(BUTTON, w, button, 1))
    conn.send(msg(BUTTON, w, button, 0))


def record(bulkhead, args, seconds, cwd, run=None):
    path = os.path.join(cwd, "rec.sock")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    srv.bind(path)
    srv.listen(1)
    env = dict(os.environ, XDG_RUNTIME_DIR=cwd)
    proc = subprocess.Popen([bulkhead] + args + ["--socket", path], cwd=cwd, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    conn, _ = srv.accept()
    conn.settimeout(0.1)
    packets, windows, sent_keys, popup_at = [], [], False, None
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            data, anc, _flags, _addr = conn.recvmsg(1 << 17, socket.CMSG_SPACE(8))
        except socket.timeout:
            if popup_at and time.monotonic() > popup_at + 1.0:
                # A click elsewhere in the window closes the menu.
                click(conn, windows[0], BTN_LEFT, 20, 20)
                popup_at = 0
            if windows and not sent_keys:
                w = windows[0]
                conn.send(msg(FOCUS, w, 1))
                for code in (35, 18, 38, 38, 24, 28):  # "hello", Return
                    conn.send(msg(KEY, w, code, 1))
                    conn.send(msg(KEY, w, code, 0))
                conn.send(msg(CONFIGURE, w, 500, 300))
                if run:
                    click(conn, w, BTN_RIGHT, 200, 150)
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
            if run:
                conn.send(struct.pack("<III", RUN, 0, len(run)) + run.encode())
        elif mtype == BUFFER:
            conn.send(msg(MAPPED, window))
        elif mtype == CREATE:
            windows.append(window)
            conn.send(msg(CONFIGURE, window, 640, 400))
        elif mtype == POPUP:
            width, height = struct.unpack_from("<II", data, 12 + 12)
            conn.send(msg(CONFIGURE, window, min(width, 636), min(height, 396)))
            popup_at = time.monotonic() if popup_at is None else popup_at
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
        "demo": (["gui-demo", "--windows", "2", "--title", "demo"], 2.0, None),
        "terminal": (["agent", "--terminal"], 4.0, None),
        "popup": (["agent", "--wayland-socket", "rec-wl"], 6.0, "weston-terminal"),
    }
    with tempfile.TemporaryDirectory() as tmp:
        for name, (args, seconds, run) in sessions.items():
            packets = record(bulkhead, args, seconds, tmp, run)
            for target, seed in (("fuzz_guisession", session_seed(packets)),
                                 ("fuzz_guistream", stream_seed(packets))):
                os.makedirs(os.path.join(outdir, target), exist_ok=True)
                with open(os.path.join(outdir, target, "real-" + name), "wb") as f:
                    f.write(seed)
            print(f"record_gui: {name}: {len(packets)} packets, "
                  f"{sum(len(p) for p in packets)} bytes")


if __name__ == "__main__":
    main()
