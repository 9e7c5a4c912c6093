/*
 * modules.h - loads the kernel modules the system config lists, with
 * libkmod, which resolves their dependencies from modules.dep (made by
 * depmod when the initramfs is built).  PID 1 at boot, before services.
 */
#ifndef BULKHEAD_MODULES_H
#define BULKHEAD_MODULES_H

#include <stddef.h>

/* Loads each of NAMES (module names or aliases), in a child process
 * running `bulkhead modprobe' (libkmod stays out of PID 1).  Returns how
 * many could not be loaded; each is logged with the reason. */
int modules_load(char *const *names, size_t n);

/* `bulkhead modprobe NAME...': loads them with libkmod; the exit status
 * is how many failed. */
int modprobe_main(int argc, char **argv);

#endif
