/*
 * emergency.h - a shell on the console for when the boot went wrong.
 * PID 1 only.  The shell gets a session of its own with /dev/console as its
 * controlling terminal, so job control and ctrl-c work in it.
 */
#ifndef BULKHEAD_EMERGENCY_H
#define BULKHEAD_EMERGENCY_H

#include <sys/types.h>

/* Starts SHELL if it exists; returns its pid, or -1 (reason logged). */
pid_t emergency_shell_start(const char *shell);

#endif
