#!/usr/bin/env python3
"""Encrypt a file system image into a LUKS2 data segment the way dm-crypt
with aes-xts-plain64 and 512-byte sectors would, without dm-crypt.

usage: luks-encrypt.py [--verify | --decrypt] VK FS IMG OFFSET

  VK      the volume key: 64 bytes (AES-256-XTS, two 256-bit halves)
  FS      the plaintext (a multiple of 512 bytes)
  IMG     the LUKS2 image; written in place from byte OFFSET on
  OFFSET  the data segment's offset in bytes (luksDump "offset:")

Sector i of the segment (counted from OFFSET, not from the start of IMG) is
encrypted with the tweak i as a 16-byte little-endian number: dm-crypt's
plain64 IV with the default iv_offset 0.

--verify decrypts the segment's first len(FS) bytes and compares them with
FS; --decrypt writes that plaintext to FS instead (to inspect an image).
"""

import os
import sys

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

SECTOR = 512
# Big enough that file I/O is not per sector, small enough to stay cheap.
CHUNK = 4 << 20


def die(msg):
    print(f"luks-encrypt: {msg}", file=sys.stderr)
    sys.exit(1)


def crypt_chunk(aes, first_sector, data, encrypt):
    """XTS has no multi-sector mode here, so one cipher context per sector
    (about 1 s for 40 MiB, measured)."""
    out = bytearray(len(data))
    view = memoryview(data)
    for n in range(len(data) // SECTOR):
        tweak = (first_sector + n).to_bytes(16, "little")
        cipher = Cipher(aes, modes.XTS(tweak))
        ctx = cipher.encryptor() if encrypt else cipher.decryptor()
        out[n * SECTOR:(n + 1) * SECTOR] = ctx.update(view[n * SECTOR:(n + 1) * SECTOR])
        ctx.finalize()
    return bytes(out)


def main(argv):
    mode = "encrypt"
    if argv and argv[0] in ("--verify", "--decrypt"):
        mode = argv.pop(0)[2:]
    if len(argv) != 4:
        die("usage: luks-encrypt.py [--verify | --decrypt] VK FS IMG OFFSET")
    vk_path, fs_path, img_path, offset_s = argv
    try:
        offset = int(offset_s)
    except ValueError:
        die(f"OFFSET {offset_s!r}: not a number")
    if offset <= 0 or offset % SECTOR:
        die(f"OFFSET {offset}: not a positive multiple of {SECTOR}")

    with open(vk_path, "rb") as f:
        vk = f.read()
    if len(vk) != 64:
        die(f"{vk_path}: {len(vk)} bytes, want 64 (aes-xts with a 512-bit key)")
    # The library refuses XTS keys with equal halves; say so plainly.
    if vk[:32] == vk[32:]:
        die(f"{vk_path}: both halves of the XTS key are equal")
    aes = algorithms.AES(vk)

    img_size = os.path.getsize(img_path)
    if mode == "decrypt":
        fs_size = img_size - offset
    else:
        fs_size = os.path.getsize(fs_path)
    if fs_size <= 0 or fs_size % SECTOR:
        die(f"{fs_path}: {fs_size} bytes, not a positive multiple of {SECTOR}")
    if offset + fs_size > img_size:
        die(f"{fs_path} ({fs_size} bytes) does not fit in {img_path} "
            f"({img_size} bytes) after offset {offset}")

    # r+b: the LUKS2 header before OFFSET must survive.
    fs_mode = {"encrypt": "rb", "verify": "rb", "decrypt": "wb"}[mode]
    img_mode = "r+b" if mode == "encrypt" else "rb"
    with open(fs_path, fs_mode) as fs, open(img_path, img_mode) as img:
        img.seek(offset)
        done = 0
        while done < fs_size:
            size = min(CHUNK, fs_size - done)
            sector = done // SECTOR
            if mode == "encrypt":
                plain = fs.read(size)
                if len(plain) != size:
                    die(f"{fs_path}: short read at {done}")
                img.write(crypt_chunk(aes, sector, plain, True))
            else:
                secret = img.read(size)
                if len(secret) != size:
                    die(f"{img_path}: short read at {offset + done}")
                plain = crypt_chunk(aes, sector, secret, False)
                if mode == "decrypt":
                    fs.write(plain)
                elif plain != fs.read(size):
                    for n in range(size // SECTOR):
                        fs.seek(done + n * SECTOR)
                        if plain[n * SECTOR:(n + 1) * SECTOR] != fs.read(SECTOR):
                            break
                    die(f"verify: sector {sector + n} of the segment "
                        f"(byte {offset + done + n * SECTOR} of {img_path}) "
                        f"does not decrypt to {fs_path}")
            done += size
        if mode == "encrypt":
            img.flush()
            os.fsync(img.fileno())


if __name__ == "__main__":
    main(sys.argv[1:])
