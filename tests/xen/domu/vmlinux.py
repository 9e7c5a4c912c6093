#!/usr/bin/env python3
"""vmlinux.py BZIMAGE OUT: the ELF kernel inside an XZ-compressed bzImage.

The test domUs boot this instead of the bzImage: libxc then has no kernel
to decompress. Under QEMU (TCG) dom0's processes see corrupted memory now
and then, and a 40 MB decompression in the domain manager failed with
"unable to XZ decompress kernel" in a good share of creations.
"""
import lzma
import sys

XZ_MAGIC = b"\xfd7zXZ\x00"

data = open(sys.argv[1], "rb").read()
start = data.find(XZ_MAGIC)
while start >= 0:
    dec = lzma.LZMADecompressor(format=lzma.FORMAT_XZ)
    try:
        out = dec.decompress(data[start:])
    except lzma.LZMAError:
        out = b""
    if out.startswith(b"\x7fELF"):
        open(sys.argv[2], "wb").write(out)
        sys.exit(0)
    start = data.find(XZ_MAGIC, start + 1)
sys.exit(f"vmlinux.py: no XZ-compressed ELF kernel in {sys.argv[1]}")
