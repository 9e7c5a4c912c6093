/*
 * filecopy_pack.c - files and directories as one file-copy stream
 * (docs/FILECOPY.md).  It refuses what the unpacker would refuse (a
 * device, a link leaving the tree, a bad name, more than the bounds)
 * before it sends it, so that a copy fails here with the file's name
 * rather than there with a byte offset.
 */
#include "guest/filecopy.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/escape.h"
#include "lib/util.h"

#define WRITE_BUF (128 * 1024)

struct packer {
	int out;
	size_t len;
	struct fc_seq seq;
	char *err;
	size_t errlen;
	char path[PATH_MAX];	/* what is being packed, for messages */
	uint8_t buf[WRITE_BUF];
};

static int flush(struct packer *p)
{
	if (p->len && !write_all(p->out, p->buf, p->len)) {
		snprintf(p->err, p->errlen, "cannot write the stream: %s", strerror(errno));
		return -1;
	}
	p->len = 0;
	return 0;
}

static int emit(struct packer *p, const void *data, size_t n)
{
	const uint8_t *d = data;
	while (n > 0) {
		if (p->len == sizeof(p->buf) && flush(p) < 0)
			return -1;
		size_t take = sizeof(p->buf) - p->len < n ? sizeof(p->buf) - p->len : n;
		memcpy(p->buf + p->len, d, take);
		p->len += take;
		d += take;
		n -= take;
	}
	return 0;
}

/* PATH as a message may show it: names are any bytes their files have. */
static const char *shown(const char *path, char *out, size_t cap)
{
	return text_escape_once(path, strlen(path), out, cap);
}

static int fail(struct packer *p, const char *why)
{
	char buf[PATH_MAX];
	snprintf(p->err, p->errlen, "%s: %s", shown(p->path, buf, sizeof(buf)), why);
	return -1;
}

static int fail_errno(struct packer *p, const char *verb)
{
	char why[128];
	snprintf(why, sizeof(why), "cannot %s it: %s", verb, strerror(errno));
	return fail(p, why);
}

/* The record of an entry NAME, checked as the unpacker will check it. */
static int emit_record(struct packer *p, enum fc_type type, const char *name,
		       const struct stat *st, uint64_t size)
{
	struct fc_record r = { .type = type, .size = size };
	size_t n = strlen(name);
	const char *why;
	if (n && (why = fc_name_check((const uint8_t *)name, n)))
		return fail(p, why);
	r.name_len = (uint16_t)n;
	if (st) {
		r.mode = type == FC_FILE || type == FC_DIR ? st->st_mode & 0777 : 0;
		r.mtime_sec = st->st_mtim.tv_sec;
		r.mtime_nsec = (uint32_t)st->st_mtim.tv_nsec;
	}
	if ((why = fc_seq_step(&p->seq, &r)))
		return fail(p, why);
	uint8_t hdr[FC_RECORD_SIZE];
	fc_record_encode(&r, hdr);
	if (emit(p, hdr, sizeof(hdr)) < 0 || emit(p, name, n) < 0)
		return -1;
	return 0;
}

/* A regular file's ST.st_size bytes from FD. */
static int pack_file(struct packer *p, int fd, const char *name, const struct stat *st)
{
	if (emit_record(p, FC_FILE, name, st, (uint64_t)st->st_size) < 0)
		return -1;
	uint64_t left = (uint64_t)st->st_size;
	while (left > 0) {
		if (p->len == sizeof(p->buf) && flush(p) < 0)
			return -1;
		size_t room = sizeof(p->buf) - p->len;
		ssize_t got = read(fd, p->buf + p->len, room < left ? room : (size_t)left);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return fail_errno(p, "read");
		if (got == 0)
			return fail(p, "it became shorter while it was copied");
		p->len += (size_t)got;
		left -= (uint64_t)got;
	}
	return 0;
}

static int pack_link(struct packer *p, int dirfd, const char *name, const struct stat *st)
{
	char target[FILECOPY_LINK_MAX + 1];
	ssize_t n = readlinkat(dirfd, name, target, sizeof(target));
	if (n < 0)
		return fail_errno(p, "read the link");
	const char *why = n == (ssize_t)sizeof(target)
				  ? "a link's target is 1 to 4095 bytes long"
				  : fc_link_check((const uint8_t *)target, (size_t)n, p->seq.depth);
	if (why)
		return fail(p, why);
	if (emit_record(p, FC_LINK, name, st, (uint64_t)n) < 0)
		return -1;
	return emit(p, target, (size_t)n);
}

static int pack_at(struct packer *p, int dirfd, const char *name);

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in directory FD, sorted: NULL (said in ERR) on failure. */
static char **list_dir(struct packer *p, int fd, size_t *count)
{
	DIR *d = fdopendir(dup(fd));
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	if (!d) {
		fail_errno(p, "read the directory");
		return NULL;
	}
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 32;
			char **v = realloc(names, cap * sizeof(*v));
			if (!v)
				break;
			names = v;
		}
		if (!(names[n] = strdup(e->d_name)))
			break;
		n++;
	}
	bool short_of_memory = e != NULL;
	closedir(d);
	if (short_of_memory) {
		free_names(names, n);
		fail(p, "out of memory listing it");
		return NULL;
	}
	qsort(names, n, sizeof(*names), cmp_names);
	*count = n;
	return names ? names : calloc(1, sizeof(*names));
}

static int pack_dir(struct packer *p, int fd, const char *name, const struct stat *st)
{
	size_t n = 0, at = strlen(p->path);
	char **names = list_dir(p, fd, &n);
	if (!names || emit_record(p, FC_DIR, name, st, 0) < 0) {
		free_names(names, n);
		return -1;
	}
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		str_append(p->path, sizeof(p->path), "/%s", names[i]);
		rc = pack_at(p, fd, names[i]);
		p->path[at] = '\0';
	}
	free_names(names, n);
	return rc == 0 ? emit_record(p, FC_UP, "", NULL, 0) : -1;
}

/* FD, opened for what ST says it is, sent as NAME; ST is checked against
 * what FD is, so that what was looked at is what is read (not swapped for
 * a fifo meanwhile). */
static int pack_opened(struct packer *p, int fd, const char *name, const struct stat *st)
{
	struct stat now;
	if (fstat(fd, &now) < 0 || now.st_dev != st->st_dev || now.st_ino != st->st_ino)
		return fail(p, "it changed while it was copied");
	if (S_ISDIR(st->st_mode))
		return pack_dir(p, fd, name, st);
	if (S_ISREG(st->st_mode))
		return pack_file(p, fd, name, st);
	return fail(p, "it is a device, fifo or socket: only files, directories and links are "
		       "copied");
}

#define OPEN_FLAGS (O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)

/* NAME in DIRFD, inside a tree: a link is sent as a link. */
static int pack_at(struct packer *p, int dirfd, const char *name)
{
	struct stat st;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return fail_errno(p, "look at");
	if (S_ISLNK(st.st_mode))
		return pack_link(p, dirfd, name, &st);
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		return fail(p, "it is a device, fifo or socket: only files, directories and "
			       "links are copied");
	int fd = openat(dirfd, name, OPEN_FLAGS | O_NOFOLLOW);
	if (fd < 0)
		return fail_errno(p, "open");
	int rc = pack_opened(p, fd, name, &st);
	close(fd);
	return rc;
}

/* PATH as named on the command line, sent as NAME: a link is followed, as
 * cp -r does. */
static int pack_path(struct packer *p, const char *path, const char *name)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return fail_errno(p, "look at");
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		return fail(p, "it is a device, fifo or socket: only files, directories and "
			       "links are copied");
	int fd = open(path, OPEN_FLAGS);
	if (fd < 0)
		return fail_errno(p, "open");
	int rc = pack_opened(p, fd, name, &st);
	close(fd);
	return rc;
}

/* The name PATH is sent under: its last component ("." and the like: the
 * directory's own name). */
static int top_name(const char *path, char *out, size_t cap)
{
	char buf[PATH_MAX], real[PATH_MAX];
	if (!str_copy(buf, path, sizeof(buf)))
		return -1;
	for (size_t n = strlen(buf); n > 1 && buf[n - 1] == '/'; n--)
		buf[n - 1] = '\0';
	const char *base = basename(buf);
	if (strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
		if (!realpath(path, real))
			return -1;
		base = basename(real);
	}
	if (strcmp(base, "/") == 0 || !str_copy(out, base, cap))
		return -1;
	return 0;
}

int filecopy_pack(char *const *paths, size_t npaths, int out, char *err, size_t errlen)
{
	char (*names)[FILECOPY_NAME_MAX + 1] = calloc(npaths ? npaths : 1, sizeof(*names));
	struct packer *p = calloc(1, sizeof(*p));
	int rc = 0;
	if (!names || !p) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	}
	char a[PATH_MAX], b[PATH_MAX];
	for (size_t i = 0; rc == 0 && i < npaths; i++) {
		if (top_name(paths[i], names[i], sizeof(names[i])) < 0) {
			snprintf(err, errlen, "%s: it has no name to be copied under (a file or "
					      "directory below / is right)",
				 shown(paths[i], a, sizeof(a)));
			rc = -1;
		}
		for (size_t j = 0; rc == 0 && j < i; j++)
			if (strcmp(names[i], names[j]) == 0) {
				snprintf(err, errlen, "%s and %s would both be copied under one "
						      "name: copy them one at a time",
					 shown(paths[j], a, sizeof(a)), shown(paths[i], b, sizeof(b)));
				rc = -1;
			}
	}
	if (rc == 0) {
		p->out = out;
		p->err = err;
		p->errlen = errlen;
		fc_seq_init(&p->seq, NULL);
		uint8_t hdr[FC_HEADER_SIZE];
		fc_header_encode(hdr);
		rc = emit(p, hdr, sizeof(hdr));
	}
	for (size_t i = 0; rc == 0 && i < npaths; i++) {
		str_copy(p->path, paths[i], sizeof(p->path));
		rc = pack_path(p, paths[i], names[i]);
	}
	if (rc == 0)
		rc = emit_record(p, FC_END, "", NULL, 0);
	if (rc == 0)
		rc = flush(p);
	free(names);
	free(p);
	return rc;
}
