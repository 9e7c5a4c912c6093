#!/usr/bin/env python3
"""Key-press-to-pixel latency on the QEMU test bed, for bench/gui.sh.

usage: keylat.py MONITOR_SOCKET WORKDIR SAMPLES KEY

Holds one connection to QEMU's human monitor. Each sample: a screendump
as the baseline, `sendkey KEY`, then screendumps back to back until one
differs from the baseline (byte for byte: QEMU's PNG encoder is
deterministic, and nothing else on the screen moves). Prints one line per
sample, "SAMPLE ms resolution_ms": the time from the sendkey's answer to
the answer of the first changed screendump, and how long that screendump
took (the measure's resolution)."""
import os
import socket
import sys
import time

PROMPT = b"(qemu) "


def command(sock, line):
    """Runs one monitor command; returns when its prompt comes back."""
    sock.sendall(line.encode() + b"\n")
    buf = b""
    while not buf.endswith(PROMPT):
        chunk = sock.recv(65536)
        if not chunk:
            raise SystemExit("keylat: the monitor closed")
        buf += chunk
    return buf


def dump(sock, path):
    command(sock, f"screendump {path} -f png")
    with open(path, "rb") as f:
        return f.read()


def main():
    mon, work, samples, key = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(mon)
    sock.settimeout(30)
    buf = b""
    while not buf.endswith(PROMPT):
        buf += sock.recv(65536)
    path = os.path.join(work, "keylat.png")
    for _ in range(samples):
        time.sleep(1)
        base = dump(sock, path)
        command(sock, f"sendkey {key} 50")
        t0 = time.monotonic()
        while True:
            t1 = time.monotonic()
            now = dump(sock, path)
            t2 = time.monotonic()
            if now != base:
                print(f"SAMPLE {(t2 - t0) * 1000:.0f} {(t2 - t1) * 1000:.0f}", flush=True)
                break
            if t2 - t0 > 10:
                print("SAMPLE timeout", flush=True)
                break


main()
