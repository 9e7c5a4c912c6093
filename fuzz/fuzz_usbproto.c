/* libFuzzer target: a USB domain's inventory key and value, as the domain
 * manager reads them (proto/usbproto.h).  A domain may write any bytes
 * there: the first byte says how many of the rest are the key's name. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "proto/usbproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct usb_device d, again;
	char value[USB_VALUE_MAX + 1];

	if (size < 1 || data[0] > size - 1)
		return 0;
	const char *busid = (const char *)data + 1, *untrusted = busid + data[0];
	size_t blen = data[0], len = size - 1 - blen;
	if (usb_device_parse(busid, blen, untrusted, len, &d))
		return 0;
	/* What is taken is a bus id, a name of printable ASCII, and exactly
	 * what the agent would have written for it. */
	if (strlen(d.busid) != blen || !usb_busid_valid(d.busid, blen) || d.nclasses > USB_CLASSES_MAX)
		__builtin_trap();
	for (const char *p = d.name; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			__builtin_trap();
	size_t vlen = usb_device_format(&d, value, sizeof(value));
	if (vlen != len || memcmp(value, untrusted, len) != 0)
		__builtin_trap();
	if (usb_device_parse(d.busid, blen, value, vlen, &again) ||
	    memcmp(&d, &again, sizeof(d)) != 0)
		__builtin_trap();
	return 0;
}
