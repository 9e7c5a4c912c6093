/*
 * filecopy.h - files between domains as one stream (docs/FILECOPY.md):
 *
 *   bulkhead filecopy-pack PATH... > STREAM
 *   bulkhead filecopy-unpack [--max-bytes N] [--max-entries N] DIR < STREAM
 *
 * The packer reads the files it is given and writes their stream; the
 * unpacker reads a stream that may come from a hostile domain and makes
 * its tree in DIR, all of it or nothing.  Both confine themselves before
 * they read or write a byte of a stream (no capability, no_new_privs,
 * Landlock, their seccomp profiles); the format's checks are
 * proto/filecopy.h's.
 */
#ifndef BULKHEAD_GUEST_FILECOPY_H
#define BULKHEAD_GUEST_FILECOPY_H

#include <stddef.h>

#include "proto/filecopy.h"

/* The roles (bulkhead.c's table). */
int filecopy_pack_main(int argc, char **argv);
int filecopy_unpack_main(int argc, char **argv);

/*
 * Reads a stream from IN and makes its tree in the directory DIRFD
 * (BOUNDS NULL: lib/limits.h's), in a directory of its own there whose
 * top-level entries are moved into DIRFD once the stream has ended well.
 * 0; or -1 with ERR saying where in the stream (byte, entry) what was
 * wrong, and nothing of the stream left in DIRFD.  Synchronous; IN is
 * read to its end (EOF right after END) and not closed.
 */
int filecopy_unpack(int dirfd, int in, const struct fc_bounds *bounds, char *err,
		    size_t errlen);

/*
 * Writes the stream of PATHS (NPATHS of them) to OUT.  0; or -1 with ERR
 * saying which file and why (then OUT has a stream without its END,
 * which every unpacker refuses).
 */
int filecopy_pack(char *const *paths, size_t npaths, int out, char *err, size_t errlen);

#endif
