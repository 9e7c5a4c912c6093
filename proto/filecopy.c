#include "proto/filecopy.h"

#include <string.h>

#include "lib/bytes.h"

void fc_header_encode(uint8_t out[FC_HEADER_SIZE])
{
	memcpy(out, FC_MAGIC, 4);
	put_u32(out + 4, FC_VERSION);
}

const char *fc_header_check(const uint8_t untrusted[FC_HEADER_SIZE])
{
	if (memcmp(untrusted, FC_MAGIC, 4) != 0)
		return "it does not start with \"BHFC\": it is not a file-copy stream "
		       "(bulkhead filecopy-pack writes them)";
	if (get_u32(untrusted + 4) != FC_VERSION)
		return "its version is not 1, the one this unpacker reads";
	return NULL;
}

void fc_record_encode(const struct fc_record *r, uint8_t out[FC_RECORD_SIZE])
{
	memset(out, 0, FC_RECORD_SIZE);
	out[0] = (uint8_t)r->type;
	put_u16(out + 2, r->name_len);
	put_u32(out + 4, r->mode);
	put_u64(out + 8, r->size);
	put_u64(out + 16, (uint64_t)r->mtime_sec);
	put_u32(out + 24, r->mtime_nsec);
}

/* The fields a type uses; the others must be 0. */
static const char *record_fields_check(const struct fc_record *r)
{
	switch (r->type) {
	case FC_FILE:
	case FC_DIR:
		if (r->name_len == 0 || r->name_len > FILECOPY_NAME_MAX)
			return "a name is 1 to 255 bytes long";
		if (r->mode > 0777)
			return "a mode has bits beyond 0777 (set-uid, set-gid, sticky or a file "
			       "type): a stream carries permission bits only";
		if (r->type == FC_DIR && r->size != 0)
			return "a directory record has a size: it must be 0";
		return NULL;
	case FC_LINK:
		if (r->name_len == 0 || r->name_len > FILECOPY_NAME_MAX)
			return "a name is 1 to 255 bytes long";
		if (r->mode != 0)
			return "a link record has a mode: it must be 0";
		if (r->size == 0 || r->size > FILECOPY_LINK_MAX)
			return "a link's target is 1 to 4095 bytes long";
		return NULL;
	case FC_UP:
	case FC_END:
		if (r->name_len != 0 || r->mode != 0 || r->size != 0 || r->mtime_sec != 0 ||
		    r->mtime_nsec != 0)
			return "an UP or END record has a name, a mode, a size or a time: they must "
			       "be 0";
		return NULL;
	}
	return "a record's type is not 1 (file), 2 (directory), 3 (link), 4 (up) or 5 (end)";
}

const char *fc_record_decode(const uint8_t untrusted[FC_RECORD_SIZE], struct fc_record *out)
{
	uint8_t untrusted_type = untrusted[0];
	if (untrusted_type < FC_FILE || untrusted_type > FC_END)
		return "a record's type is not 1 (file), 2 (directory), 3 (link), 4 (up) or 5 (end)";
	if (untrusted[1] != 0 || get_u32(untrusted + 28) != 0)
		return "a record's reserved bytes (1 and 28..31) are not 0";
	struct fc_record r = {
		.type = (enum fc_type)untrusted_type,
		.name_len = get_u16(untrusted + 2),
		.mode = get_u32(untrusted + 4),
		.size = get_u64(untrusted + 8),
		.mtime_sec = (int64_t)get_u64(untrusted + 16),
		.mtime_nsec = get_u32(untrusted + 24),
	};
	if (r.mtime_nsec >= 1000000000u)
		return "a time's nanoseconds are 1000000000 or more";
	const char *why = record_fields_check(&r);
	if (why)
		return why;
	*out = r;
	return NULL;
}

/*
 * The length of the UTF-8 character at P (N bytes left), 0 if it is not
 * one in its shortest form or is a surrogate; *CP gets its code point.
 */
static size_t utf8_char(const uint8_t *p, size_t n, uint32_t *cp)
{
	static const uint32_t min_of_len[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t len;
	uint32_t c = p[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xe0) == 0xc0) {
		len = 2;
		c &= 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3;
		c &= 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4;
		c &= 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if (c < min_of_len[len] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

const char *fc_name_check(const uint8_t *untrusted, size_t len)
{
	if (len == 0 || len > FILECOPY_NAME_MAX)
		return "a name is 1 to 255 bytes long";
	if ((len == 1 && untrusted[0] == '.') ||
	    (len == 2 && untrusted[0] == '.' && untrusted[1] == '.'))
		return "a name may not be \".\" or \"..\"";
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = utf8_char(untrusted + i, len - i, &cp);
		if (n == 0)
			return "a name is not valid UTF-8 (in its shortest form, no surrogates)";
		if (cp == '/')
			return "a name has a '/': it is one component, the directories are records";
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			return "a name has a control character (U+0000..U+001F, U+007F..U+009F)";
		i += n;
	}
	return NULL;
}

const char *fc_link_check(const uint8_t *untrusted, size_t len, unsigned depth)
{
	if (len == 0 || len > FILECOPY_LINK_MAX)
		return "a link's target is 1 to 4095 bytes long";
	if (untrusted[0] == '/')
		return "a link's target is absolute: it may point only inside the copied tree";
	long level = depth;
	bool named = false;	/* a name came: no ".." after it */
	for (size_t start = 0; start <= len;) {
		const uint8_t *slash = memchr(untrusted + start, '/', len - start);
		size_t end = slash ? (size_t)(slash - untrusted) : len;
		size_t n = end - start;
		const uint8_t *c = untrusted + start;
		if (n == 0)
			return "a link's target has an empty component (\"//\" or a '/' at its end)";
		if (n == 2 && c[0] == '.' && c[1] == '.') {
			/* After a name, ".." would climb from wherever that name
			 * leads if it is a link (to the top, say): only the
			 * link's own place is known here. */
			if (named)
				return "a link's target has \"..\" after a name: \"..\" may only "
				       "lead it (\"../../a/b\")";
			if (--level < 0)
				return "a link's target climbs above the copied tree with \"..\": it may "
				       "point only inside it";
		} else if (!(n == 1 && c[0] == '.')) {
			if (fc_name_check(c, n))
				return "a link's target has a component that is not a valid name "
				       "(UTF-8, no control character, at most 255 bytes)";
			named = true;
		}
		start = end + 1;
	}
	return NULL;
}

void fc_seq_init(struct fc_seq *s, const struct fc_bounds *bounds)
{
	memset(s, 0, sizeof(*s));
	if (bounds) {
		s->bounds = *bounds;
	} else {
		s->bounds.entries = FILECOPY_ENTRIES_MAX;
		s->bounds.bytes = FILECOPY_BYTES_MAX;
	}
}

const char *fc_seq_step(struct fc_seq *s, const struct fc_record *r)
{
	if (s->ended)
		return "there are bytes after the END record";
	switch (r->type) {
	case FC_UP:
		if (s->depth == 0)
			return "an UP record at the top: there is no directory to leave";
		s->depth--;
		return NULL;
	case FC_END:
		if (s->depth != 0)
			return "the END record comes inside a directory: each DIR needs its UP first";
		s->ended = true;
		return NULL;
	case FC_DIR:
		if (s->depth >= FILECOPY_DEPTH_MAX)
			return "directories are nested more than 128 deep";
		break;
	case FC_FILE:
		if (r->size > s->bounds.bytes - s->bytes)
			return "the files are larger than the unpacker takes (FILECOPY_BYTES_MAX, "
			       "or --max-bytes)";
		break;
	case FC_LINK:
		break;
	}
	if (s->entries >= s->bounds.entries)
		return "there are more entries than the unpacker takes (FILECOPY_ENTRIES_MAX, "
		       "or --max-entries)";
	s->entries++;
	if (r->type == FC_FILE)
		s->bytes += r->size;
	if (r->type == FC_DIR)
		s->depth++;
	return NULL;
}

unsigned fc_mode_made(enum fc_type type, uint32_t mode)
{
	return (mode & 0755) | (type == FC_DIR ? 0700 : 0600);
}
