/*
 * unlock.h - the encrypted volumes of disks.cfg (config/disks_config.h):
 * opening them at boot, closing them at shutdown.
 *
 * `bulkhead unlock [--config DIR] [--console]' opens them, in order, with
 * libcryptsetup (LUKS2 and LUKS1).  PID 1 runs it as a child at boot and
 * waits for it, before the root is mounted: the LUKS headers, the key
 * derivation, the DRM screen and the keyboard are handled in that child,
 * and the passphrases live only in its memory (all of it locked in RAM
 * with mlockall, not dumpable, wiped when done), never in PID 1's.  It may also be run by hand, from the
 * emergency shell.
 *
 * Per volume: its device is waited for (device-timeout); a mapping of that
 * name that is open already is left as it is; a key file is used when
 * configured, without asking; otherwise the passphrases that opened
 * earlier volumes in this run are tried first (one passphrase for every
 * volume that has it, as systemd-cryptsetup does), then the user is asked
 * (askpass.h: the DRM screen, or the console without one; --console
 * forces it) up to `tries' times, told each time the passphrase was wrong.
 * Exit status: 0 when every volume is open (a nofail one that is not is
 * reported), 1 when one is not (said why), 2 on a usage error.
 *
 * Each mapping opened is recorded for PID 1 to close at shutdown
 * (sys/mapper.h).
 */
#ifndef BULKHEAD_UNLOCK_H
#define BULKHEAD_UNLOCK_H

#include <stddef.h>

#include "lib/limits.h"

int unlock_main(int argc, char **argv);

#endif
