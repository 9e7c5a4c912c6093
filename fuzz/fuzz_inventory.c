/* libFuzzer target: a key and value of a domain's inventory, as the domain
 * manager reads them: a USB domain's USB devices (proto/usbproto.h), a
 * storage or USB domain's block devices (proto/blockproto.h).  A domain
 * may write any bytes there: the first byte says which (bit 7: block) and
 * how many of the rest are the key's name (bits 0-6). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "proto/blockproto.h"
#include "proto/usbproto.h"

static void usb(const char *busid, size_t blen, const char *untrusted, size_t len)
{
	struct usb_device d, again;
	char value[USB_VALUE_MAX + 1];
	if (usb_device_parse(busid, blen, untrusted, len, &d))
		return;
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
}

static void block(const char *name, size_t nlen, const char *untrusted, size_t len)
{
	struct block_device d, again;
	char value[BLOCK_VALUE_MAX + 1];
	if (block_device_parse(name, nlen, untrusted, len, &d))
		return;
	/* What is taken is a name that makes one path under /dev (no '/',
	 * never "." or ".."), a description of printable ASCII, and exactly
	 * what the agent would have written for it. */
	if (strlen(d.name) != nlen || strchr(d.name, '/') || d.name[0] == '.' || d.sectors == 0)
		__builtin_trap();
	for (const char *p = d.desc; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			__builtin_trap();
	size_t vlen = block_device_format(&d, value, sizeof(value));
	if (vlen != len || memcmp(value, untrusted, len) != 0)
		__builtin_trap();
	if (block_device_parse(d.name, nlen, value, vlen, &again) ||
	    memcmp(&d, &again, sizeof(d)) != 0)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || (size_t)(data[0] & 0x7f) > size - 1)
		return 0;
	size_t klen = data[0] & 0x7f;
	const char *key = (const char *)data + 1, *untrusted = key + klen;
	if (data[0] & 0x80)
		block(key, klen, untrusted, size - 1 - klen);
	else
		usb(key, klen, untrusted, size - 1 - klen);
	return 0;
}
