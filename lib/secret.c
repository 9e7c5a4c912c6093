#include "lib/secret.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int secret_alloc(struct secret *s, size_t cap)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t map = (cap + page - 1) / page * page;

	memset(s, 0, sizeof(*s));
	void *p = mmap(NULL, map, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	if (mlock(p, map) < 0) {
		int err = errno;
		munmap(p, map);
		return -err;
	}
	/* Best effort: the process is made undumpable as well. */
	madvise(p, map, MADV_DONTDUMP);
	s->buf = p;
	s->cap = cap;
	s->map = map;
	return 0;
}

void secret_wipe(struct secret *s)
{
	if (s->buf)
		explicit_bzero(s->buf, s->cap);
	s->len = 0;
}

void secret_free(struct secret *s)
{
	if (!s->buf)
		return;
	explicit_bzero(s->buf, s->map);
	munlock(s->buf, s->map);
	munmap(s->buf, s->map);
	memset(s, 0, sizeof(*s));
}
