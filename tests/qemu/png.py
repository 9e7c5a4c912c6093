#!/usr/bin/env python3
"""Reads QEMU's screendumps (8-bit RGB PNG) for the system tests.

  png.py stats PNG      prints "W H NONBLACK_PIXELS TOP BOTTOM" (rows of the
                        first and last non-black pixel, -1 if none)
  png.py pixel PNG X Y  prints "R G B" of one pixel
  png.py count PNG RRGGBB...  prints, for each colour, how many pixels have it

Exits with a message when the file is not such a PNG.  Standard library
only: the test machines need nothing more than python3.
"""
import struct
import sys
import zlib


def rows(path):
    """Yields (width, height) first, then each row's RGB bytes, unfiltered."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit(f"{path}: not a PNG file")
    w, h, depth, ctype = struct.unpack(">IIBB", data[16:26])
    if (depth, ctype) != (8, 2):
        sys.exit(f"{path}: not an 8-bit RGB PNG (depth {depth}, colour type {ctype})")
    yield w, h
    idat, pos = b"", 8
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        idat += data[pos + 8:pos + 8 + n] if kind == b"IDAT" else b""
        pos += 12 + n
    raw, stride = zlib.decompress(idat), 3 * w
    prev = bytearray(stride)
    for row in range(h):
        start = row * (stride + 1)
        f, cur = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        if f:  # most console rows use no filter
            for i in range(stride):
                a, b = (cur[i - 3] if i >= 3 else 0), prev[i]
                c = prev[i - 3] if i >= 3 else 0
                p = a + b - c
                paeth = a if abs(p - a) <= min(abs(p - b), abs(p - c)) else \
                    b if abs(p - b) <= abs(p - c) else c
                cur[i] = (cur[i] + [0, a, b, (a + b) // 2, paeth][f]) & 255
        yield cur
        prev = cur


def stats(path):
    it = rows(path)
    w, h = next(it)
    nonblack, top, bottom = 0, -1, -1
    for row, cur in enumerate(it):
        if any(cur):
            nonblack += sum(1 for x in range(0, 3 * w, 3) if cur[x] or cur[x + 1] or cur[x + 2])
            top = row if top < 0 else top
            bottom = row
    print(w, h, nonblack, top, bottom)


def pixel(path, x, y):
    it = rows(path)
    w, h = next(it)
    if not (0 <= x < w and 0 <= y < h):
        sys.exit(f"{path}: pixel {x},{y} outside {w}x{h}")
    for row, cur in enumerate(it):
        if row == y:
            print(*cur[3 * x:3 * x + 3])
            return


def count(path, colours):
    want = {bytes.fromhex(c): 0 for c in colours}
    it = rows(path)
    w, _ = next(it)
    for cur in it:
        row = bytes(cur)
        for x in range(0, 3 * w, 3):
            px = row[x:x + 3]
            if px in want:
                want[px] += 1
    print(*want.values())


def main():
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "stats":
        stats(args[1])
    elif len(args) == 4 and args[0] == "pixel":
        pixel(args[1], int(args[2]), int(args[3]))
    elif len(args) >= 3 and args[0] == "count":
        count(args[1], args[2:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
