/*
 * filecopy.h - the file-copy stream (docs/FILECOPY.md): its records, and
 * every check of a stream's bytes, in one place.
 *
 * A stream is a header, records (FILE, DIR, LINK, UP) and END.  The
 * packer (guest/filecopy_pack.c) encodes; the unpacker
 * (guest/filecopy_unpack.c) reads each header with fc_record_decode(),
 * the name and a link's target with fc_name_check() and fc_link_check(),
 * and the record's place in the stream with fc_seq_step(), before it
 * makes anything.  A stream comes from another domain: every value is
 * untrusted until one of these said it is valid.
 *
 * Pure functions, safe anywhere.  The checks return NULL for valid, else
 * a static sentence that says what is wrong and what would be right.
 */
#ifndef BULKHEAD_FILECOPY_H
#define BULKHEAD_FILECOPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/limits.h"

#define FC_MAGIC       "BHFC"
#define FC_VERSION     1
#define FC_HEADER_SIZE 8
#define FC_RECORD_SIZE 32

enum fc_type { FC_FILE = 1, FC_DIR = 2, FC_LINK = 3, FC_UP = 4, FC_END = 5 };

/* One record's header, checked: the fields its type does not use are 0. */
struct fc_record {
	enum fc_type type;
	uint16_t name_len;	/* FILE, DIR, LINK: 1..FILECOPY_NAME_MAX */
	uint32_t mode;		/* FILE, DIR: 0..0777 */
	uint64_t size;		/* FILE: its bytes; LINK: 1..FILECOPY_LINK_MAX */
	int64_t mtime_sec;
	uint32_t mtime_nsec;	/* below 1e9 */
};

/* What a stream may make (docs/FILECOPY.md, "Bounds"). */
struct fc_bounds {
	uint64_t entries;
	uint64_t bytes;
};

/* Where a stream is: how deep, and what it made so far. */
struct fc_seq {
	struct fc_bounds bounds;
	unsigned depth;
	uint64_t entries;
	uint64_t bytes;
	bool ended;
};

void fc_header_encode(uint8_t out[FC_HEADER_SIZE]);
const char *fc_header_check(const uint8_t untrusted[FC_HEADER_SIZE]);

void fc_record_encode(const struct fc_record *r, uint8_t out[FC_RECORD_SIZE]);
const char *fc_record_decode(const uint8_t untrusted[FC_RECORD_SIZE], struct fc_record *out);

/* A name: one component (docs/FILECOPY.md). */
const char *fc_name_check(const uint8_t *untrusted, size_t len);
/* A link's target, the link being DEPTH directories below the top: it may
 * not climb above the top, and ".." only leads it (after a name it would
 * climb from wherever that name leads, which may be another link). */
const char *fc_link_check(const uint8_t *untrusted, size_t len, unsigned depth);

/* The bounds of lib/limits.h. */
void fc_seq_init(struct fc_seq *s, const struct fc_bounds *bounds);
/* Record R's place: DIR deeper than FILECOPY_DEPTH_MAX, UP at the top, END
 * below it, anything after END, an entry or a file's bytes beyond the
 * bounds are refused.  Valid: the state moves past R. */
const char *fc_seq_step(struct fc_seq *s, const struct fc_record *r);

/* The permission bits the unpacker gives what a record of TYPE with MODE
 * makes: never set-uid, set-gid or sticky, never writable by others. */
unsigned fc_mode_made(enum fc_type type, uint32_t mode);

#endif
