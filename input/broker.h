/*
 * broker.h - dom0's input devices for a compositor that may not open them.
 *
 * The device nodes are root's (devtmpfs makes them 0600) and come and go
 * while the desktop runs; the compositor gives up root's uid once set up.
 * So before it does, it starts the broker: a child that keeps root's uid
 * and gives up everything else (no capability, none in the bounding set,
 * no_new_privs, Landlock: DIR read-only, the "input-broker" seccomp
 * profile), watches DIR with inotify, opens each event device there (the
 * ones present at start, then each that comes) and passes it over a
 * SOCK_SEQPACKET socket: one message per device, its name ("event3") as
 * the bytes and its fd as SCM_RIGHTS.  Which devices to keep is the
 * compositor's to decide (input_open_fed, evdev.h); the broker reads
 * nothing from it.
 *
 * The broker ends when its parent does (PR_SET_PDEATHSIG) or the socket
 * closes; the compositor notices its end as the socket's.
 */
#ifndef BULKHEAD_INPUT_BROKER_H
#define BULKHEAD_INPUT_BROKER_H

#include <stdbool.h>

/* Forks the broker on DIR.  Returns the compositor's end of the socket
 * (non-blocking, close-on-exec), or -errno.  Single-threaded callers only
 * (fork). */
int input_broker_spawn(const char *dir);

/* The broker's work on SOCK (its end), for the child and for tests:
 * CONFINED gives up what the header says first.  Returns when SOCK closes
 * (0), or -errno when DIR cannot be watched or confinement fails (said in
 * the log). */
int input_broker_run(int sock, const char *dir, bool confined);

#endif
