/*
 * filecopy_unpack.c - a file-copy stream made into a tree (docs/FILECOPY.md).
 *
 * The stream may come from a hostile domain.  Each record's header, name
 * and link target pass proto/filecopy.h's checks before anything is made;
 * each entry is made relative to a directory this unpacker made and
 * holds open, with O_NOFOLLOW and O_EXCL, so nothing is reached through a
 * link and nothing is made twice; everything goes into a staging directory
 * of its own inside DIR, moved into DIR only once END and the stream's end
 * have come, and removed with all it holds on any error.
 */
#include "guest/filecopy.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/escape.h"
#include "lib/util.h"

#define READ_BUF (64 * 1024)
/* What a message shows of the path of an entry. */
#define PATH_SHOWN 512
#define STAGE_PREFIX ".bulkhead-unpack-"

struct reader {
	int fd;
	size_t pos, len;
	uint64_t offset;	/* bytes of the stream consumed */
	uint8_t buf[READ_BUF];
};

struct unpack {
	struct reader in;
	struct fc_seq seq;
	int dirfd;
	int fds[FILECOPY_DEPTH_MAX + 1];	/* fds[0]: the staging directory */
	char stage_name[sizeof(STAGE_PREFIX) + 8];
	char path[PATH_SHOWN];			/* the current directory, escaped */
	size_t path_end[FILECOPY_DEPTH_MAX + 1];
	struct timespec dir_time[FILECOPY_DEPTH_MAX + 1];	/* DIR's, set at its UP */
	uint64_t record_at;
	char *err;
	size_t errlen;
};

/* At least one byte buffered: 1; the stream's end: 0; a read error: -1. */
static int reader_fill(struct reader *r)
{
	if (r->pos < r->len)
		return 1;
	ssize_t n;
	do
		n = read(r->fd, r->buf, sizeof(r->buf));
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n == 0 ? 0 : -1;
	r->pos = 0;
	r->len = (size_t)n;
	return 1;
}

/* N bytes into DST: 0; the stream ended first: 1; a read error: -1. */
static int read_exact(struct reader *r, void *dst, size_t n)
{
	uint8_t *d = dst;
	while (n > 0) {
		int f = reader_fill(r);
		if (f <= 0)
			return f == 0 ? 1 : -1;
		size_t take = r->len - r->pos < n ? r->len - r->pos : n;
		memcpy(d, r->buf + r->pos, take);
		r->pos += take;
		r->offset += take;
		d += take;
		n -= take;
	}
	return 0;
}

/* "path/name" of the current directory's entry NAME, for a message. */
static void entry_path(const struct unpack *u, const char *name, char *out, size_t cap)
{
	snprintf(out, cap, "%s%s%s", u->path, u->path[0] && name[0] ? "/" : "", name);
}

static int refuse(struct unpack *u, const char *name, const char *why)
{
	char where[PATH_SHOWN + 64];
	entry_path(u, name, where, sizeof(where));
	if (where[0])
		snprintf(u->err, u->errlen, "the stream is refused at byte %" PRIu64 ", entry \"%s\": %s",
			 u->record_at, where, why);
	else
		snprintf(u->err, u->errlen, "the stream is refused at byte %" PRIu64 ": %s",
			 u->record_at, why);
	return -1;
}

/* What read_exact()'s RC means, said for the record at hand. */
static int read_failed(struct unpack *u, int rc, const char *name, const char *what)
{
	char why[128];
	if (rc > 0)
		snprintf(why, sizeof(why), "the stream ends inside %s", what);
	else
		snprintf(why, sizeof(why), "cannot read the stream: %s", strerror(errno));
	return refuse(u, name, why);
}

static int io_failed(struct unpack *u, const char *name, const char *verb)
{
	char where[PATH_SHOWN + 64];
	int e = errno;
	entry_path(u, name, where, sizeof(where));
	if (e == EEXIST)
		return refuse(u, name, "this name appears twice in its directory");
	snprintf(u->err, u->errlen, "cannot %s \"%s\": %s", verb, where, strerror(e));
	return -1;
}

static struct timespec record_time(const struct fc_record *r)
{
	return (struct timespec){ .tv_sec = (time_t)r->mtime_sec, .tv_nsec = r->mtime_nsec };
}

/* The file's SIZE bytes from the stream into FD. */
static int copy_content(struct unpack *u, int fd, const struct fc_record *r, const char *name)
{
	uint64_t left = r->size;
	while (left > 0) {
		int f = reader_fill(&u->in);
		if (f <= 0)
			return read_failed(u, f == 0 ? 1 : -1, name, "a file's bytes");
		size_t take = u->in.len - u->in.pos;
		if (take > left)
			take = (size_t)left;
		if (!write_all(fd, u->in.buf + u->in.pos, take))
			return io_failed(u, name, "write");
		u->in.pos += take;
		u->in.offset += take;
		left -= take;
	}
	return 0;
}

static int make_file(struct unpack *u, const struct fc_record *r, const char *raw, const char *name)
{
	int cur = u->fds[u->seq.depth];
	int fd = openat(cur, raw, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return io_failed(u, name, "make");
	int rc = copy_content(u, fd, r, name);
	struct timespec t[2] = { record_time(r), record_time(r) };
	if (rc == 0 && fchmod(fd, fc_mode_made(FC_FILE, r->mode)) < 0)
		rc = io_failed(u, name, "set the mode of");
	if (rc == 0 && futimens(fd, t) < 0)
		rc = io_failed(u, name, "set the time of");
	if (close(fd) < 0 && rc == 0)
		rc = io_failed(u, name, "write");
	return rc;
}

static int make_dir(struct unpack *u, const struct fc_record *r, const char *raw, const char *name)
{
	int cur = u->fds[u->seq.depth];
	if (mkdirat(cur, raw, 0700) < 0)
		return io_failed(u, name, "make");
	int fd = openat(cur, raw, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return io_failed(u, name, "open");
	if (fchmod(fd, fc_mode_made(FC_DIR, r->mode)) < 0) {
		close(fd);
		return io_failed(u, name, "set the mode of");
	}
	u->fds[u->seq.depth + 1] = fd;
	u->dir_time[u->seq.depth + 1] = record_time(r);
	size_t at = strlen(u->path);
	u->path_end[u->seq.depth] = at;
	str_append(u->path, sizeof(u->path), "%s%s", at ? "/" : "", name);
	return 0;
}

static int make_link(struct unpack *u, const struct fc_record *r, const char *raw, const char *name)
{
	uint8_t untrusted_target[FILECOPY_LINK_MAX + 1];
	int rc = read_exact(&u->in, untrusted_target, (size_t)r->size);
	if (rc != 0)
		return read_failed(u, rc, name, "a link's target");
	const char *why = fc_link_check(untrusted_target, (size_t)r->size, u->seq.depth);
	if (why)
		return refuse(u, name, why);
	untrusted_target[r->size] = '\0';
	const char *target = (const char *)untrusted_target;
	int cur = u->fds[u->seq.depth];
	if (symlinkat(target, cur, raw) < 0)
		return io_failed(u, name, "make");
	struct timespec t[2] = { record_time(r), record_time(r) };
	if (utimensat(cur, raw, t, AT_SYMLINK_NOFOLLOW) < 0)
		return io_failed(u, name, "set the time of");
	return 0;
}

/* UP: the current directory is complete, and gets its DIR's time (adding
 * its entries changed it). */
static int leave_dir(struct unpack *u)
{
	unsigned d = u->seq.depth + 1;	/* fc_seq_step() has moved up already */
	struct timespec t[2] = { u->dir_time[d], u->dir_time[d] };
	int rc = futimens(u->fds[d], t) < 0 ? io_failed(u, "", "set the time of") : 0;
	close(u->fds[d]);
	u->fds[d] = -1;
	u->path[u->path_end[u->seq.depth]] = '\0';
	return rc;
}

/* After END, the stream must end. */
static int expect_eof(struct unpack *u)
{
	int f = reader_fill(&u->in);
	if (f < 0)
		return read_failed(u, -1, "", "");
	if (f > 0) {
		u->record_at = u->in.offset;
		return refuse(u, "", "there are bytes after the END record");
	}
	return 0;
}

static int one_record(struct unpack *u)
{
	uint8_t untrusted_hdr[FC_RECORD_SIZE];
	struct fc_record r;
	u->record_at = u->in.offset;
	int rc = read_exact(&u->in, untrusted_hdr, sizeof(untrusted_hdr));
	if (rc != 0)
		return read_failed(u, rc, "", u->in.offset == u->record_at
						       ? "a record: END is missing"
						       : "a record's header");
	const char *why = fc_record_decode(untrusted_hdr, &r);
	if (why)
		return refuse(u, "", why);

	uint8_t untrusted_name[FILECOPY_NAME_MAX + 1];
	char name[FILECOPY_NAME_MAX * ESCAPE_MAX + 1] = "";
	rc = read_exact(&u->in, untrusted_name, r.name_len);
	if (rc != 0)
		return read_failed(u, rc, "", "a name");
	text_escape_once(untrusted_name, r.name_len, name, sizeof(name));
	if (r.name_len && (why = fc_name_check(untrusted_name, r.name_len)))
		return refuse(u, name, why);
	untrusted_name[r.name_len] = '\0';
	const char *raw = (const char *)untrusted_name;

	if ((why = fc_seq_step(&u->seq, &r)))
		return refuse(u, name, why);
	switch (r.type) {
	case FC_FILE:
		return make_file(u, &r, raw, name);
	case FC_DIR:
		u->seq.depth--;	/* made in its parent */
		rc = make_dir(u, &r, raw, name);
		u->seq.depth++;
		return rc;
	case FC_LINK:
		return make_link(u, &r, raw, name);
	case FC_UP:
		return leave_dir(u);
	case FC_END:
		return expect_eof(u);
	}
	return refuse(u, name, "a record of no known type");
}

/* --- the staging directory ------------------------------------------------- */

static int make_stage(struct unpack *u)
{
	for (int tries = 0; tries < 16; tries++) {
		uint32_t r;
		if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
			break;
		snprintf(u->stage_name, sizeof(u->stage_name), STAGE_PREFIX "%08x", r);
		if (mkdirat(u->dirfd, u->stage_name, 0700) == 0) {
			u->fds[0] = openat(u->dirfd, u->stage_name,
					   O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (u->fds[0] >= 0)
				return 0;
			break;
		}
		if (errno != EEXIST)
			break;
	}
	snprintf(u->err, u->errlen, "cannot make a directory to unpack into: %s", strerror(errno));
	u->stage_name[0] = '\0';
	return -1;
}

/* Everything in the directory FD, which this unpacker made: its own
 * directories are all the owner's to enter and empty (mode 07xx). */
static void remove_tree(int fd)
{
	DIR *d = fdopendir(dup(fd));
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (unlinkat(fd, e->d_name, 0) == 0 || errno != EISDIR)
			continue;
		int sub = openat(fd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0) {
			remove_tree(sub);
			close(sub);
		}
		unlinkat(fd, e->d_name, AT_REMOVEDIR);
	}
	closedir(d);
}

/* The top-level entries moved into DIR so far, to move back if one cannot be. */
struct moved {
	char **names;
	size_t n, cap;
};

/* Room for one more name, and its copy: NULL when out of memory. */
static char *moved_prepare(struct moved *m, const char *name)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 16;
		char **v = realloc(m->names, cap * sizeof(*v));
		if (!v)
			return NULL;
		m->names = v;
		m->cap = cap;
	}
	return strdup(name);
}

/* UNDO: each moved back into the stage first, to be removed with it. */
static void moved_end(struct unpack *u, struct moved *m, bool undo)
{
	while (m->n > 0) {
		char *name = m->names[--m->n];
		if (undo)
			renameat2(u->dirfd, name, u->fds[0], name, RENAME_NOREPLACE);
		free(name);
	}
	free(m->names);
}

static int name_taken(struct unpack *u, const char *d_name, const char *why)
{
	char name[FILECOPY_NAME_MAX * ESCAPE_MAX + 1];
	text_escape_once(d_name, strlen(d_name), name, sizeof(name));
	snprintf(u->err, u->errlen, "\"%s\" %s", name, why);
	return -1;
}

/* Moves the stage's entries into DIR, or none of them: each name is
 * checked free first, and a move that finds it taken after all (another
 * process of this domain made it meanwhile) undoes the ones before. */
static int move_into_dir(struct unpack *u)
{
	static const char exists[] = "is there already: a copy never replaces a file (move it "
				     "away, or copy under another name)";
	DIR *d = fdopendir(dup(u->fds[0]));
	if (!d) {
		snprintf(u->err, u->errlen, "cannot read the unpacked tree: %s", strerror(errno));
		return -1;
	}
	struct dirent *e;
	struct stat st;
	struct moved m = { 0 };
	int rc = 0;
	while (rc == 0 && (e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
		    fstatat(u->dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
			rc = name_taken(u, e->d_name, exists);
	for (rewinddir(d); rc == 0 && (e = readdir(d));) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		char *name = moved_prepare(&m, e->d_name);
		if (!name) {
			rc = name_taken(u, e->d_name, "cannot be moved into place: out of memory");
		} else if (renameat2(u->fds[0], name, u->dirfd, name, RENAME_NOREPLACE) < 0) {
			rc = name_taken(u, name, errno == EEXIST ? exists : strerror(errno));
			free(name);
		} else {
			m.names[m.n++] = name;
		}
	}
	closedir(d);
	moved_end(u, &m, rc < 0);
	return rc;
}

int filecopy_unpack(int dirfd, int in, const struct fc_bounds *bounds, char *err, size_t errlen)
{
	struct unpack *u = calloc(1, sizeof(*u));
	if (!u) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	u->in.fd = in;
	u->dirfd = dirfd;
	u->err = err;
	u->errlen = errlen;
	for (size_t i = 0; i <= FILECOPY_DEPTH_MAX; i++)
		u->fds[i] = -1;
	fc_seq_init(&u->seq, bounds);

	uint8_t untrusted_hdr[FC_HEADER_SIZE];
	int rc = make_stage(u);
	if (rc == 0) {
		int r = read_exact(&u->in, untrusted_hdr, sizeof(untrusted_hdr));
		const char *why = fc_header_check(untrusted_hdr);
		if (r != 0)
			rc = read_failed(u, r, "", "its header");
		else if (why)
			rc = refuse(u, "", why);
	}
	while (rc == 0 && !u->seq.ended)
		rc = one_record(u);
	if (rc == 0)
		rc = move_into_dir(u);

	for (size_t i = FILECOPY_DEPTH_MAX; i > 0; i--)
		if (u->fds[i] >= 0)
			close(u->fds[i]);
	if (u->fds[0] >= 0) {
		if (rc < 0)
			remove_tree(u->fds[0]);
		close(u->fds[0]);
	}
	if (u->stage_name[0])
		unlinkat(dirfd, u->stage_name, AT_REMOVEDIR);
	free(u);
	return rc;
}
