#include "lib/log_xtl.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/limits.h"
#include "lib/log.h"

static struct {
	xentoollog_logger vtable;	/* first: libxl passes this */
	xentoollog_level min;
} xtl;

static enum log_level level_of(xentoollog_level level)
{
	if (level >= XTL_ERROR)
		return LOG_LVL_ERR;
	if (level == XTL_WARN)
		return LOG_LVL_WARN;
	if (level == XTL_NOTICE)
		return LOG_LVL_NOTICE;
	return level >= XTL_PROGRESS ? LOG_LVL_INFO : LOG_LVL_DEBUG;
}

static void __attribute__((format(printf, 5, 0)))
xtl_vmessage(xentoollog_logger *logger, xentoollog_level level, int errnoval,
	     const char *context, const char *format, va_list ap)
{
	char msg[LOG_MSG_MAX];
	(void)logger;

	if (level < xtl.min)
		return;
	vsnprintf(msg, sizeof(msg), format, ap);
	log_msg(level_of(level), context ? context : "xen", "%s: %s%s%s",
		xtl_level_to_string(level), msg, errnoval >= 0 ? ": " : "",
		errnoval >= 0 ? strerror(errnoval) : "");
}

static void xtl_destroy(xentoollog_logger *logger)
{
	(void)logger;
}

xentoollog_logger *log_xtl_logger(xentoollog_level min)
{
	xtl.vtable.vmessage = xtl_vmessage;
	xtl.vtable.destroy = xtl_destroy;
	xtl.min = min;
	return &xtl.vtable;
}
