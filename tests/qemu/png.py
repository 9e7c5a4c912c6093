#!/usr/bin/env python3
"""Reads QEMU's screendumps (8-bit RGB PNG) for the system tests.

  png.py stats PNG      prints "W H NONBLACK_PIXELS TOP BOTTOM" (rows of the
                        first and last non-black pixel, -1 if none)
  png.py pixel PNG X Y  prints "R G B" of one pixel
  png.py count PNG RRGGBB...  prints, for each colour, how many pixels have it
  png.py bullets PNG    prints how many bullets the passphrase field shows:
                        round bright blobs on the text cursor's rows, left
                        of it (exits with a message when there is no cursor)
  png.py chips PNG RRGGBB  prints, for each status-bar chip of that label
                        colour (its 10x10 square), "X WIDTH": where the
                        square is and how wide its text is, in pixels
  png.py changed A B RRGGBB  prints "INSIDE OUTSIDE": how many pixels differ
                        between A and B inside the box of A's pixels of that
                        colour below the status bar (a window's frame), and
                        outside that box below the bar
  png.py box PNG RRGGBB...  prints "X0 X1 Y0 Y1", a line per colour: the box of its
                        pixels below the status bar (a window's frame)
  png.py lastrow PNG    prints how many pixels of the last row differ from
                        its most common colour (the desktop's, under every
                        window: nothing else belongs there)
  png.py lowest PNG FRAME RRGGBB  prints the lowest row with a pixel of
                        RRGGBB inside the box of FRAME's pixels (a terminal's
                        last line of text), -1 if none
  png.py within PNG FRAME RRGGBB  prints "INSIDE OUTSIDE": how many pixels
                        of RRGGBB are inside the box of FRAME's pixels below
                        the status bar (a window's frame), and outside it

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
    # Up, the filter of most rows, as a bytewise sum without carries over
    # the whole row at once (a Python loop per byte takes a second a frame).
    low, high = int.from_bytes(b"\x7f" * stride, "big"), int.from_bytes(b"\x80" * stride, "big")
    for row in range(h):
        start = row * (stride + 1)
        f, cur = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        if f == 2:
            a, b = int.from_bytes(cur, "big"), int.from_bytes(prev, "big")
            cur = bytearray((((a & low) + (b & low)) ^ ((a ^ b) & high)).to_bytes(stride, "big"))
        elif f:
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
    # Each row widened to 32-bit pixels by slices, then counted by
    # list.count: no Python loop per pixel (a screendump has a million).
    want = [int.from_bytes(bytes.fromhex(c), "little") for c in colours]
    totals = [0] * len(want)
    it = rows(path)
    w, _ = next(it)
    wide = bytearray(4 * w)
    for cur in it:
        for ch in range(3):
            wide[ch::4] = cur[ch::3]
        pixels = memoryview(wide).cast("I").tolist()
        for i, v in enumerate(want):
            totals[i] += pixels.count(v)
    print(*totals)


def grid(path):
    """(width, height, list of rows as bytes)."""
    it = rows(path)
    w, h = next(it)
    return w, h, [bytes(r) for r in it]


def blobs(w, h, img, bright):
    """Bounding boxes (x0, y0, x1, y1) of the 8-connected blobs of pixels
    whose every channel is at least BRIGHT."""
    on = {(x, y) for y in range(h) for x in range(w)
          if min(img[y][3 * x:3 * x + 3]) >= bright}
    boxes = []
    while on:
        stack = [on.pop()]
        x0 = x1 = stack[0][0]
        y0 = y1 = stack[0][1]
        while stack:
            x, y = stack.pop()
            x0, x1, y0, y1 = min(x0, x), max(x1, x), min(y0, y), max(y1, y)
            for dx in (-1, 0, 1):
                for dy in (-1, 0, 1):
                    if (x + dx, y + dy) in on:
                        on.remove((x + dx, y + dy))
                        stack.append((x + dx, y + dy))
        boxes.append((x0, y0, x1, y1))
    return boxes


def bullets(path):
    w, h, img = grid(path)
    boxes = blobs(w, h, img, 0xc0)
    cursors = [b for b in boxes if b[2] - b[0] <= 3 and b[3] - b[1] >= 16]
    if len(cursors) != 1:
        sys.exit(f"{path}: {len(cursors)} text cursors (tall thin bright bars), not one")
    cx0, cy0, _, cy1 = cursors[0]
    round_ = [b for b in boxes if 3 <= b[2] - b[0] <= 16 and 3 <= b[3] - b[1] <= 16
              and abs((b[2] - b[0]) - (b[3] - b[1])) <= 2
              and cy0 <= (b[1] + b[3]) // 2 <= cy1 and b[2] < cx0]
    print(len(round_))


def chips(path, colour):
    w, h, img = grid(path)
    rgb = bytes.fromhex(colour)
    # The bar's background, above every square: row 1's most common colour
    # (dom0's pointer may be drawn at its left end).
    row1 = [bytes(img[1][3 * x:3 * x + 3]) for x in range(w)]
    bar = max(set(row1), key=row1.count)

    def px(x, y):
        return img[y][3 * x:3 * x + 3]

    def square(x):  # a chip's 10x10 square (rows 6-15) starts at x
        c = px(x, 6)
        return c != bar and px(x - 1, 10) != c and all(
            px(x + i, y) == c for y in range(6, 16) for i in range(10))

    def text(x):
        return any(min(px(x, y)) >= 0x80 for y in range(2, 20))

    starts = [x for x in range(1, w - 10) if square(x)]
    for n, x in enumerate(starts):
        if px(x, 6) != rgb:
            continue
        # Up to the next chip's square; the last chip's text ends where a
        # gap wider than any space between words begins.
        stop = starts[n + 1] if n + 1 < len(starts) else w
        last, gap = None, 0
        for col in range(x + 14, stop):
            if text(col):
                last, gap = col, 0
            elif last is not None:
                gap += 1
                if gap >= 30:
                    break
        print(x, 0 if last is None else last - (x + 14) + 1)


BAR_HEIGHT = 22  # drm-compositor/layout.h's STATUS_BAR_HEIGHT


def frame_box(path, w, h, img, colour):
    """(x0, x1, y0, y1): the box of IMG's pixels of COLOUR below the bar."""
    rgb = bytes.fromhex(colour)
    xs, ys = [], []
    for y in range(BAR_HEIGHT, h):
        row = img[y]
        for x in range(w):
            if row[3 * x:3 * x + 3] == rgb:
                xs.append(x)
                ys.append(y)
    if not xs:
        sys.exit(f"{path}: no pixel of {colour} below the status bar")
    return min(xs), max(xs), min(ys), max(ys)


def print_inside_outside(w, h, box, hit):
    """Prints how many pixels below the bar HIT(x, y) says yes to inside
    BOX (x0, x1, y0, y1) and outside it."""
    x0, x1, y0, y1 = box
    inside = outside = 0
    for y in range(BAR_HEIGHT, h):
        for x in range(w):
            if not hit(x, y):
                continue
            if x0 <= x <= x1 and y0 <= y <= y1:
                inside += 1
            else:
                outside += 1
    print(inside, outside)


def within(path, frame, colour):
    w, h, img = grid(path)
    rgb = bytes.fromhex(colour)
    print_inside_outside(w, h, frame_box(path, w, h, img, frame),
                         lambda x, y: img[y][3 * x:3 * x + 3] == rgb)


def changed(path_a, path_b, colour):
    wa, ha, a = grid(path_a)
    wb, hb, b = grid(path_b)
    if (wa, ha) != (wb, hb):
        sys.exit(f"{path_a} is {wa}x{ha}, {path_b} is {wb}x{hb}")
    print_inside_outside(wa, ha, frame_box(path_a, wa, ha, a, colour),
                         lambda x, y: a[y][3 * x:3 * x + 3] != b[y][3 * x:3 * x + 3])


def main():
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "stats":
        stats(args[1])
    elif len(args) == 4 and args[0] == "pixel":
        pixel(args[1], int(args[2]), int(args[3]))
    elif len(args) >= 3 and args[0] == "count":
        count(args[1], args[2:])
    elif len(args) == 2 and args[0] == "bullets":
        bullets(args[1])
    elif len(args) == 3 and args[0] == "chips":
        chips(args[1], args[2])
    elif len(args) == 4 and args[0] == "changed":
        changed(args[1], args[2], args[3])
    elif len(args) >= 3 and args[0] == "box":
        w, h, img = grid(args[1])
        for colour in args[2:]:
            print(*frame_box(args[1], w, h, img, colour))
    elif len(args) == 2 and args[0] == "lastrow":
        w, h, img = grid(args[1])
        row = [bytes(img[h - 1][3 * x:3 * x + 3]) for x in range(w)]
        common = max(set(row), key=row.count)
        print(sum(1 for c in row if c != common))
    elif len(args) == 4 and args[0] == "lowest":
        w, h, img = grid(args[1])
        x0, x1, y0, y1 = frame_box(args[1], w, h, img, args[2])
        rgb = bytes.fromhex(args[3])
        print(max((y for y in range(y0, y1 + 1)
                   if any(img[y][3 * x:3 * x + 3] == rgb for x in range(x0, x1 + 1))), default=-1))
    elif len(args) == 4 and args[0] == "within":
        within(args[1], args[2], args[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
