/*
 * ctl.h - `bulkhead ctl': the command-line client of PID 1's control
 * socket (services, power) and of the domain manager's (domains), and the
 * reader of xenconsoled's console logs (`ctl console').  A process of its
 * own; uses nothing but libc.
 *
 * Exit status: 0 done, 1 the peer answered with an error (or no console
 * log), 2 usage, 3 cannot reach the peer or its answer is malformed.
 */
#ifndef BULKHEAD_CTL_H
#define BULKHEAD_CTL_H

#include <stdbool.h>

#include "lib/limits.h"

#define CTL_DEFAULT_SOCKET "/run/bulkhead/control"

int ctl_main(int argc, char **argv);

/* The words ARGV (ARGC of them, maybe 0) joined by spaces into OUT, as a
 * shell command line a domain runs; false (said on stderr) when they are
 * longer than DISPOSABLE_COMMAND_MAX or not printable ASCII. */
bool ctl_join_command(int argc, char **argv, char out[DISPOSABLE_COMMAND_MAX + 1]);

#endif
