/*
 * fuzz_filecopy - the file-copy unpacker (guest/filecopy_unpack.c) on any
 * stream, making real files in a scratch directory.  After each input it
 * checks what docs/FILECOPY.md promises, and aborts if any fails:
 *   - nothing was made beside DIR (the scratch directory holds DIR and a
 *     sentinel file, unchanged);
 *   - a refused stream left DIR empty (its staging directory removed);
 *   - an accepted one made only regular files, directories and links,
 *     no file with set-uid, set-gid, sticky or group/other write bits, and
 *     every link's target stays inside DIR from where the link is.
 * Seeds: real streams from `bulkhead filecopy-pack' (fuzz/corpus).
 */
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest/filecopy.h"
#include "proto/filecopy.h"

static char base[64];
static int basefd = -1, dirfd_ = -1;
static const char sentinel[] = "outside";

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 ? -1 : 0;
}

static void remove_base(void)
{
	nftw(base, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	const char *tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(base, sizeof(base), "%s/fuzz-filecopy.XXXXXX", tmp);
	if (!mkdtemp(base))
		abort();
	atexit(remove_base);
	basefd = open(base, O_RDONLY | O_DIRECTORY);
	if (basefd < 0 || mkdirat(basefd, "dir", 0755) < 0)
		abort();
	int fd = openat(basefd, sentinel, O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd < 0 || write(fd, "x", 1) != 1)
		abort();
	close(fd);
	dirfd_ = openat(basefd, "dir", O_RDONLY | O_DIRECTORY);
	if (dirfd_ < 0)
		abort();
	return 0;
}

/* Calls F for each entry of directory FD but "." and "..". */
static void each_entry(int fd, void (*f)(int fd, const char *name, unsigned depth),
		       unsigned depth)
{
	DIR *d = fdopendir(dup(fd));
	if (!d)
		abort();
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			f(fd, e->d_name, depth);
	closedir(d);
}

static void only_dir_and_sentinel(int fd, const char *name, unsigned depth)
{
	(void)fd;
	(void)depth;
	if (strcmp(name, "dir") != 0 && strcmp(name, sentinel) != 0)
		abort();
}

static void nothing_there(int fd, const char *name, unsigned depth)
{
	(void)fd;
	(void)name;
	(void)depth;
	abort();
}

/* Checks what the unpacker made, and removes it. */
static void check_and_remove(int fd, const char *name, unsigned depth)
{
	struct stat st;
	if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		abort();
	if (S_ISREG(st.st_mode)) {
		if (st.st_mode & (S_ISUID | S_ISGID | S_ISVTX | 022))
			abort();
	} else if (S_ISDIR(st.st_mode)) {
		if (st.st_mode & (S_ISUID | S_ISGID | S_ISVTX | 022))
			abort();
		int sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
		if (sub < 0)
			abort();
		each_entry(sub, check_and_remove, depth + 1);
		close(sub);
		if (unlinkat(fd, name, AT_REMOVEDIR) < 0)
			abort();
		return;
	} else if (S_ISLNK(st.st_mode)) {
		char target[FILECOPY_LINK_MAX + 1];
		ssize_t n = readlinkat(fd, name, target, sizeof(target));
		if (n <= 0 || n > FILECOPY_LINK_MAX ||
		    fc_link_check((const uint8_t *)target, (size_t)n, depth))
			abort();
	} else {
		abort();
	}
	if (unlinkat(fd, name, 0) < 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int in = memfd_create("stream", MFD_CLOEXEC);
	if (in < 0 || (size && write(in, data, size) != (ssize_t)size) || lseek(in, 0, SEEK_SET))
		abort();
	/* Small bounds: the fuzzer explores the checks, not the disk. */
	struct fc_bounds b = { .entries = 256, .bytes = 1 << 20 };
	char err[2048];
	int rc = filecopy_unpack(dirfd_, in, &b, err, sizeof(err));
	close(in);
	each_entry(basefd, only_dir_and_sentinel, 0);
	struct stat st;
	if (fstatat(basefd, sentinel, &st, 0) < 0 || st.st_size != 1)
		abort();
	if (rc < 0) {
		if (!err[0])
			abort();
		each_entry(dirfd_, nothing_there, 0);
	} else {
		each_entry(dirfd_, check_and_remove, 0);
	}
	return 0;
}
