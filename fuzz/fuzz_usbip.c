/* libFuzzer target: the offer a USB domain's bulkhead.USB service begins
 * its stream with, as the importing domain reads it (proto/usbproto.h):
 * the USB domain may send any bytes there. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "proto/usbproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct usbip_offer o, again;
	char line[USBIP_OFFER_MAX + 1];

	if (usbip_offer_parse((const char *)data, size, &o))
		return 0;
	/* What is taken is numbers in their ranges, or words of printable
	 * ASCII, and exactly the line its writer would have sent. */
	if (o.ok && (o.busnum < 1 || o.busnum > USB_BUSNUM_MAX || o.devnum < 1 ||
		     o.devnum > USB_DEVNUM_MAX || o.speed < 1 || o.speed > USB_SPEED_TOP))
		__builtin_trap();
	for (const char *p = o.why; *p; p++)
		if (o.ok || *p < 0x20 || *p > 0x7e)
			__builtin_trap();
	size_t n = usbip_offer_format(&o, line, sizeof(line));
	if (n != size + 1 || memcmp(line, data, size) != 0 || line[size] != '\n')
		__builtin_trap();
	if (usbip_offer_parse(line, size, &again) || memcmp(&o, &again, sizeof(o)) != 0)
		__builtin_trap();
	return 0;
}
