/*
 * memtrim.h - PID 1 lets go of the pages of code and read-only data it
 * mapped while it booted: once the boot has settled, each private,
 * read-only mapping of a file that holds no page of its own (no copy
 * written, nothing locked) is dropped from its page tables with
 * MADV_DONTNEED.  The files' pages stay in the page cache, shared with
 * every other process; PID 1 faults back in, a few pages at a time, only
 * what its loop goes on to run.  A mapping with a private copy (relocated
 * data, .data, .bss, the heap, the stack) is never touched: dropping it
 * would lose what was written there.
 *
 * Why: PID 1 maps only what it uses (docs/ARCHITECTURE.md, "PID 1"); the
 * code that mounted, read the config and unlocked the disks is not used
 * again.  PID 1 alone calls it, from its loop.
 */
#ifndef BULKHEAD_MEMTRIM_H
#define BULKHEAD_MEMTRIM_H

#include <stddef.h>
#include <stdint.h>

struct memtrim_range {
	uintptr_t start, end;
};

/* Of /proc/self/smaps' text TEXT (LEN bytes), the mappings that may be
 * dropped, at most MAX into OUT: how many. */
size_t memtrim_ranges(const char *text, size_t len, struct memtrim_range *out, size_t max);

/* This process's resident set, in KiB (0: unknown). */
unsigned long memtrim_rss_kib(void);

/* This process's such mappings dropped: the KiB of its RSS before and
 * after into *BEFORE and *AFTER; 0, or -errno (nothing dropped). */
int memtrim_self(unsigned long *before_kib, unsigned long *after_kib);

#endif
