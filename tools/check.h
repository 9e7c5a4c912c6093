/*
 * check.h - `bulkhead check [--list-modules] [DIR]': reads the whole
 * configuration in DIR (default /etc/bulkhead) and prints every problem as
 * FILE:LINE: what is wrong; what is allowed.  Exit 0 when all is right,
 * 1 otherwise.  --list-modules prints the kernel modules the system config
 * names, one a line (the initramfs builder uses it).
 */
#ifndef BULKHEAD_CHECK_H
#define BULKHEAD_CHECK_H

int check_main(int argc, char **argv);

#endif
