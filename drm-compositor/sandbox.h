/*
 * sandbox.h - the compositor confines itself once it is set up: its
 * screen, keyboards, sockets, font and keymap are open, so what is left is
 * the loop.  Then it has no capability (bounding set included),
 * no_new_privs, no file but Landlock's few (dom0's input devices, Xen's
 * grant and event devices, the screenshot directory), and the
 * "compositor" seccomp profile (no exec, no fork, ioctl by request).
 *
 * It also leaves root's uid for its own (lib/confine_profiles.c) when
 * nothing it still reaches is root's: on the headless output (no
 * devices come later, no domain manager, no xenstore).  With a screen, new
 * input devices, the domain manager's socket and each domain's xenstore
 * keys and grant devices are opened as root after start-up; that waits for
 * a privileged parent passing those fds.
 */
#ifndef BULKHEAD_SANDBOX_H
#define BULKHEAD_SANDBOX_H

#include "config/desktop_config.h"

/* 0, or -1 when a step failed (said in the log): the caller stops rather
 * than run with more than it should. */
int compositor_sandbox(const struct desktop_config *cfg);

#endif
