/*
 * ctl_usb.h - `bulkhead ctl usb attach DEVICE DOMAIN' (docs/DEVICES.md):
 * dom0 has DOMAIN take DEVICE (DOMAIN:BUSID, as `ctl usb list' names it):
 * `bulkhead usb-import BACKEND BUSID' run there (`ctl run --pass-io', the
 * role ctl-call), whose call of BACKEND's bulkhead.USB+BUSID goes under
 * dom0's policy, as that domain's own would.  Its words and status are
 * ctl's.  `ctl usb list' and `ctl usb detach' are ctl's own (tools/ctl.c).
 */
#ifndef BULKHEAD_TOOLS_CTL_USB_H
#define BULKHEAD_TOOLS_CTL_USB_H

#include <stdbool.h>

#include "lib/limits.h"

/* "DOMAIN:BUSID" into its parts; false (said on stderr) when it is not one. */
bool ctl_usb_device_arg(const char *s, char domain[DOMAIN_NAME_MAX + 1],
			char busid[USB_BUSID_MAX + 1]);

/* `bulkhead ctl [--socket PATH] usb attach DEVICE DOMAIN' (the role ctl-usb). */
int ctl_usb_attach_main(int argc, char **argv);

#endif
