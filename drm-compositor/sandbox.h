/*
 * sandbox.h - the compositor confines itself once it is set up: its
 * screen, keyboards, sockets, font and keymap are open, so what is left is
 * the loop.  Then it has no capability (bounding set included),
 * no_new_privs, no file but Landlock's few (Xen's grant, event and
 * xenstore devices, the screenshot directory), and the "compositor"
 * seccomp profile (no exec, no fork, ioctl by request).
 *
 * It also leaves root's uid for its own (the role's user, or 900:
 * lib/confine_profiles.c) when it holds CAP_SETUID and CAP_SETGID.  Nothing
 * it reaches later is root's only: keyboards and pointers that come are
 * opened by the input broker (input/broker.h) and passed to it; PID 1 gave
 * Xen's grant, event and xenstore devices to the role's group
 * (init/xen.c); the domain manager answers the role's uid a list of the
 * domains, and nothing else (proto/control.h).
 */
#ifndef BULKHEAD_SANDBOX_H
#define BULKHEAD_SANDBOX_H

#include "config/desktop_config.h"

/* 0, or -1 when a step failed (said in the log): the caller stops rather
 * than run with more than it should. */
int compositor_sandbox(const struct desktop_config *cfg);

#endif
