#include "domains/libxllog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

#define TIMEOUT_WORDS "timed out while waiting for "
#define TIMEOUT_END " to be removed"

bool libxllog_backend_timeout(const char *msg, struct backend_ref *out)
{
	const char *start = strstr(msg, TIMEOUT_WORDS);
	if (!start)
		return false;
	start += strlen(TIMEOUT_WORDS);
	const char *end = strstr(start, TIMEOUT_END);
	if (!end || end[strlen(TIMEOUT_END)] != '\0' || (size_t)(end - start) >= sizeof(out->path))
		return false;
	struct backend_ref r = { 0 };
	memcpy(r.path, start, (size_t)(end - start));
	int used = 0;
	if (sscanf(r.path, "/local/domain/%u/backend/%15[a-z0-9]/%u/%u%n", &r.backend_domid,
		   r.type, &r.frontend_domid, &r.devid, &used) != 4 || r.path[used] != '\0')
		return false;
	*out = r;
	return true;
}

struct libxllog {
	xentoollog_logger vtable;	/* first: libxl sees a xentoollog_logger */
	xentoollog_logger *inner;
	void (*left)(void *ctx, const struct backend_ref *ref);
	void *ctx;
};

static void __attribute__((format(printf, 5, 0)))
libxllog_vmessage(xentoollog_logger *logger, xentoollog_level level, int errnoval,
		  const char *context, const char *format, va_list al)
{
	struct libxllog *l = (struct libxllog *)logger;
	char msg[512];
	struct backend_ref ref;
	va_list copy;
	va_copy(copy, al);
	vsnprintf(msg, sizeof(msg), format, copy);
	va_end(copy);
	xtl_logv(l->inner, level, errnoval, context, format, al);
	if (libxllog_backend_timeout(msg, &ref))
		l->left(l->ctx, &ref);
}

static void libxllog_progress(xentoollog_logger *logger, const char *context,
			      const char *doing_what, int percent, unsigned long done,
			      unsigned long total)
{
	struct libxllog *l = (struct libxllog *)logger;
	(void)percent;
	xtl_progress(l->inner, context, doing_what, done, total);
}

static void libxllog_destroy(xentoollog_logger *logger)
{
	free(logger);
}

xentoollog_logger *libxllog_new(xentoollog_logger *inner,
				void (*left)(void *ctx, const struct backend_ref *ref), void *ctx)
{
	struct libxllog *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->vtable.vmessage = libxllog_vmessage;
	l->vtable.progress = libxllog_progress;
	l->vtable.destroy = libxllog_destroy;
	l->inner = inner;
	l->left = left;
	l->ctx = ctx;
	return &l->vtable;
}
