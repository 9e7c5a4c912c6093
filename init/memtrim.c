/*
 * memtrim.c - PID 1's boot-time mappings let go (memtrim.h).
 */
#include "init/memtrim.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* /proc/self/smaps of a process as small as PID 1 (a few dozen mappings,
 * some 25 lines each): more is cut, and what is cut is not dropped. */
#define SMAPS_MAX (256 * 1024)
#define TRIM_RANGES_MAX 128

/* One mapping's head line "START-END PERMS OFFSET DEV INODE [PATH]". */
struct mapping {
	uintptr_t start, end;
	bool candidate;		/* private, not writable, of a file */
	bool own_pages;		/* Anonymous or Locked above 0 */
};

static bool parse_head(const char *line, struct mapping *m)
{
	unsigned long start, end, inode;
	char perms[5], dev[16];
	unsigned long long offset;
	if (sscanf(line, "%lx-%lx %4s %llx %15s %lu", &start, &end, perms, &offset, dev,
		   &inode) != 6)
		return false;
	m->start = start;
	m->end = end;
	m->candidate = inode != 0 && perms[0] == 'r' && perms[1] == '-' && perms[3] == 'p';
	m->own_pages = false;
	return true;
}

/* "Anonymous:" or "Locked:" with more than 0 kB. */
static bool owns_pages(const char *line)
{
	unsigned long kib;
	return (sscanf(line, "Anonymous: %lu kB", &kib) == 1 ||
		sscanf(line, "Locked: %lu kB", &kib) == 1) && kib > 0;
}

size_t memtrim_ranges(const char *text, size_t len, struct memtrim_range *out, size_t max)
{
	struct mapping m = { .candidate = false };
	size_t n = 0;
	const char *p = text, *end = text + len;
	while (p < end && n < max) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break;		/* a cut line: the mapping it is of is left */
		char line[256];
		size_t l = (size_t)(nl - p) < sizeof(line) - 1 ? (size_t)(nl - p) : sizeof(line) - 1;
		memcpy(line, p, l);
		line[l] = '\0';
		p = nl + 1;
		if (parse_head(line, &m))
			continue;
		if (owns_pages(line))
			m.own_pages = true;
		/* VmFlags is a mapping's last line: it is whole. */
		else if (strncmp(line, "VmFlags:", 8) == 0 && m.candidate && !m.own_pages)
			out[n++] = (struct memtrim_range){ m.start, m.end };
	}
	return n;
}

unsigned long memtrim_rss_kib(void)
{
	FILE *f = fopen("/proc/self/statm", "re");
	unsigned long size, resident = 0;
	if (f && fscanf(f, "%lu %lu", &size, &resident) != 2)
		resident = 0;
	if (f)
		fclose(f);
	return resident * (unsigned long)sysconf(_SC_PAGESIZE) / 1024;
}

int memtrim_self(unsigned long *before_kib, unsigned long *after_kib)
{
	struct memtrim_range r[TRIM_RANGES_MAX];
	size_t len = 0, n = 0;
	ssize_t got = 0;
	int err = 0;
	/* Mapped for the read and unmapped after: none of it stays resident. */
	char *text = mmap(NULL, SMAPS_MAX, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int fd = open("/proc/self/smaps", O_RDONLY | O_CLOEXEC);
	if (text == MAP_FAILED || fd < 0)
		err = -errno;
	while (!err && len < SMAPS_MAX && (got = read(fd, text + len, SMAPS_MAX - len)) > 0)
		len += (size_t)got;
	if (!err && got < 0)
		err = -errno;
	if (!err)
		n = memtrim_ranges(text, len, r, TRIM_RANGES_MAX);
	if (fd >= 0)
		close(fd);
	if (text != MAP_FAILED)
		munmap(text, SMAPS_MAX);
	*before_kib = memtrim_rss_kib();
	for (size_t i = 0; !err && i < n; i++)
		if (madvise((void *)r[i].start, r[i].end - r[i].start, MADV_DONTNEED) < 0)
			err = -errno;
	*after_kib = memtrim_rss_kib();
	return err;
}
