/*
 * filecopy.c - the roles filecopy-pack and filecopy-unpack: their command
 * lines and confinement (guest/filecopy.h); the work is in
 * filecopy_pack.c and filecopy_unpack.c.
 */
#include "guest/filecopy.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/confine.h"
#include "lib/confine_profiles.h"

/* Room for the unpacker's one line: a path (at most 512 bytes shown) and why. */
#define UNPACK_ERR_MAX 2048

int filecopy_pack_main(int argc, char **argv)
{
	int first = argc > 1 && strcmp(argv[1], "--") == 0 ? 2 : 1;
	if (first >= argc || (first == 1 && argv[1][0] == '-' && argv[1][1])) {
		fprintf(stderr, "usage: bulkhead filecopy-pack [--] PATH... > STREAM\n");
		return 2;
	}
	if (isatty(STDOUT_FILENO)) {
		fprintf(stderr, "bulkhead filecopy-pack: the stream is binary: send it to a file or "
				"a pipe, not a terminal\n");
		return 2;
	}
	char err[PATH_MAX + 256];
	if (filecopy_pack(argv + first, (size_t)(argc - first), STDOUT_FILENO, err,
			  sizeof(err)) < 0) {
		fprintf(stderr, "bulkhead filecopy-pack: %s; the stream has no end, and no unpacker "
				"takes it\n", err);
		return 1;
	}
	return 0;
}

/* N, with K, M, G or T for 2^10.. 2^40, at most MAX: 0, or -1. */
static int parse_bound(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || s[0] == '-')
		return -1;
	static const char units[] = "KMGT";
	const char *u = *end ? strchr(units, *end) : NULL;
	if (*end && (!u || end[1]))
		return -1;
	unsigned shift = u ? 10 * (unsigned)(u - units + 1) : 0;
	if (v > (max >> shift))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

static int unpack_usage(void)
{
	fprintf(stderr, "usage: bulkhead filecopy-unpack [--max-bytes N[KMGT]] [--max-entries N] DIR "
			"< STREAM\n");
	return 2;
}

/* Nothing but DIR's tree, no capability, no new privileges, its profile. */
static int unpack_confine(const char *dir)
{
	struct confine c;
	char err[256] = "";
	const char *tree[] = { dir, NULL };
	confine_init(&c);
	int rc = confine_drop(&c, NULL, NULL, err, sizeof(err));
	if (rc == 0) {
		rc = confine_landlock(NULL, NULL, NULL, tree);
		if (rc == -ENOSYS || rc == -EOPNOTSUPP)
			rc = 0;
		else if (rc < 0)
			snprintf(err, sizeof(err), "Landlock: %s", strerror(-rc));
	}
	if (rc == 0 && (rc = confine_seccomp(confine_profile("filecopy-unpack"), false)) < 0)
		snprintf(err, sizeof(err), "seccomp: %s", strerror(-rc));
	if (rc < 0)
		fprintf(stderr, "bulkhead filecopy-unpack: cannot give up its privileges: %s\n", err);
	return rc;
}

int filecopy_unpack_main(int argc, char **argv)
{
	struct fc_bounds b = { FILECOPY_ENTRIES_MAX, FILECOPY_BYTES_MAX };
	int i = 1;
	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
		if (strcmp(argv[i], "--") == 0) {
			i--;
			break;
		}
		uint64_t *v = strcmp(argv[i], "--max-bytes") == 0     ? &b.bytes
			      : strcmp(argv[i], "--max-entries") == 0 ? &b.entries
								      : NULL;
		uint64_t max = v == &b.bytes ? FILECOPY_BYTES_MAX : FILECOPY_ENTRIES_MAX;
		if (!v || i + 1 >= argc)
			return unpack_usage();
		if (parse_bound(argv[i + 1], max, v) < 0) {
			fprintf(stderr, "bulkhead filecopy-unpack: %s %s: a number up to %llu is "
					"right (K, M, G, T: times 1024, 1024^2, ...)\n", argv[i],
				argv[i + 1], (unsigned long long)max);
			return 2;
		}
	}
	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	if (argc - i != 1)
		return unpack_usage();
	const char *dir = argv[i];
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		fprintf(stderr, "bulkhead filecopy-unpack: cannot open the directory %s: %s\n", dir,
			strerror(errno));
		return 1;
	}
	if (unpack_confine(dir) < 0)
		return 1;
	char err[UNPACK_ERR_MAX];
	if (filecopy_unpack(dirfd, STDIN_FILENO, &b, err, sizeof(err)) < 0) {
		fprintf(stderr, "bulkhead filecopy-unpack: %s; nothing was copied into %s\n", err, dir);
		return 1;
	}
	return 0;
}
