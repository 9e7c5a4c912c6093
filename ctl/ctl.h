/*
 * ctl.h - `bulkhead ctl': the command-line client of PID 1's control
 * socket.  A process of its own; links nothing but libc.
 *
 * Exit status: 0 done, 1 PID 1 answered with an error, 2 usage,
 * 3 cannot reach PID 1 or its answer is malformed.
 */
#ifndef BULKHEAD_CTL_H
#define BULKHEAD_CTL_H

#define CTL_DEFAULT_SOCKET "/run/bulkhead/control"

int ctl_main(int argc, char **argv);

#endif
