/*
 * log_xtl.h - Xen's libraries' messages (libxl, libxc: xentoollog) as
 * bulkhead's log lines: "bulkhead: CONTEXT: LEVEL: message[: strerror]".
 * libxl quotes what domains wrote (a backend's hotplug-error, device
 * states) and its own stdio logger writes those bytes to the console as
 * they are; through log_msg() they are escaped and limited like every
 * other line (lib/log.h).
 *
 * One logger per process, static: never freed.  The domain manager's and
 * the compositor's main loops only (the libraries call it from the thread
 * that called them).
 */
#ifndef BULKHEAD_LOG_XTL_H
#define BULKHEAD_LOG_XTL_H

#include <xentoollog.h>

/* The logger, saying messages of MIN and above. */
xentoollog_logger *log_xtl_logger(xentoollog_level min);

#endif
