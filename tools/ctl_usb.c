/*
 * ctl_usb.c - `bulkhead ctl usb attach' (ctl_usb.h).
 */
#include "tools/ctl_usb.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config/domain_config.h"
#include "lib/util.h"
#include "proto/ctlproto.h"
#include "proto/usbproto.h"
#include "tools/ctl.h"

#define TAG "bulkhead ctl: usb attach"

bool ctl_usb_device_arg(const char *s, char domain[DOMAIN_NAME_MAX + 1],
			char busid[USB_BUSID_MAX + 1])
{
	return ctl_device_arg(s, usb_busid_valid, "usb", "BUSID", "sys-usb:1-2", domain, busid,
			      USB_BUSID_MAX + 1);
}

/* DOMAIN's device BUSID as the manager lists it, or NULL (said). */
static const struct ctl_usb *listed(const char *socket, const char *domain, const char *busid)
{
	static struct ctl_usb usb[CTL_USB_MAX];
	struct ctl_request req = { .type = CTL_REQ_USB };
	const uint8_t *payload;
	size_t plen, n;
	const char *why;
	if (ctl_ask(socket, &req, CTL_REP_USB, &payload, &plen) != 0)
		return NULL;
	if (ctl_decode_usb(payload, plen, usb, CTL_USB_MAX, &n, &why) < 0) {
		fprintf(stderr, TAG ": malformed answer from the domain manager: %s\n", why);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(usb[i].domain, domain) == 0 && strcmp(usb[i].dev.busid, busid) == 0)
			return &usb[i];
	fprintf(stderr, TAG ": %s has no device %s (`bulkhead ctl usb list' lists them)\n", domain,
		busid);
	return NULL;
}

int ctl_usb_attach_main(int argc, char **argv)
{
	const char *socket = CTL_DOMAINS_SOCKET;
	char backend[DOMAIN_NAME_MAX + 1], busid[USB_BUSID_MAX + 1];
	char command[DISPOSABLE_COMMAND_MAX + 1];
	int i = 1;
	if (i + 1 < argc && strcmp(argv[i], "--socket") == 0) {
		socket = argv[i + 1];
		i += 2;
	}
	if (argc - i != 4 || strcmp(argv[i], "usb") != 0 || strcmp(argv[i + 1], "attach") != 0) {
		fprintf(stderr, "%s: %s (bulkhead ctl [--socket PATH] usb attach DEVICE DOMAIN, "
			"as: usb attach sys-usb:1-2 work)\n", TAG, argc - i < 4 ?
			"the device and the domain that takes it are wanted" : "one argument too many");
		return 2;
	}
	const char *target = argv[i + 3];
	if (!ctl_usb_device_arg(argv[i + 2], backend, busid))
		return 2;
	if (!domain_name_is_valid(target, strlen(target))) {
		fprintf(stderr, TAG ": \"%s\" is not a domain's name\n", target);
		return 2;
	}
	if (strcmp(target, backend) == 0) {
		fprintf(stderr, TAG ": %s is %s's own already\n", argv[i + 2], backend);
		return 2;
	}
	const struct ctl_usb *dev = listed(socket, backend, busid);
	if (!dev)
		return 1;
	if (dev->attached[0]) {
		fprintf(stderr, TAG ": %s is given to %s already (`bulkhead ctl usb detach %s' "
			"takes it back)\n", argv[i + 2], dev->attached, argv[i + 2]);
		return 1;
	}
	snprintf(command, sizeof(command), "exec bulkhead usb-import %s %s", backend, busid);
	char *run[] = { "bulkhead", "ctl", "--socket", (char *)socket, "run", (char *)target,
			"--pass-io", command, NULL };
	fflush(NULL);
	execv("/proc/self/exe", run);
	fprintf(stderr, TAG ": cannot run bulkhead ctl run: %s\n", strerror(errno));
	return 126;
}
