/*
 * inventory.h - what an agent tells dom0 of its domain's devices, kept up
 * to date in its own xenstore directory, one key a device (USB devices:
 * guest/usbdevs.h, block devices: guest/blockdevs.h): each time the
 * devices are read again only the keys that changed are written, and
 * those of devices gone removed.
 *
 * The agent's; one thread.
 */
#ifndef BULKHEAD_GUEST_INVENTORY_H
#define BULKHEAD_GUEST_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/limits.h"

#define INVENTORY_MAX		32
#define INVENTORY_KEY_MAX	31
#define INVENTORY_VALUE_MAX	127
_Static_assert(USB_DEVICES_PER_DOMAIN <= INVENTORY_MAX &&
	       BLOCK_DEVICES_PER_DOMAIN <= INVENTORY_MAX && USB_BUSID_MAX <= INVENTORY_KEY_MAX &&
	       BLOCK_NAME_MAX <= INVENTORY_KEY_MAX && USB_VALUE_MAX <= INVENTORY_VALUE_MAX &&
	       BLOCK_VALUE_MAX <= INVENTORY_VALUE_MAX, "an inventory holds every kind's");

struct xs_handle;

/* Keys and their values, N of them. */
struct inventory {
	size_t n;
	char key[INVENTORY_MAX][INVENTORY_KEY_MAX + 1];
	char value[INVENTORY_MAX][INVENTORY_VALUE_MAX + 1];
};

/* KEY = VALUE added to INV; false (nothing added) when it is full. */
bool inventory_add(struct inventory *inv, const char *key, const char *value);

/*
 * XS's /local/domain/DOMID/DIR brought from *WAS (what was written last)
 * to NOW: the keys that are new or whose value changed written, those not
 * in NOW removed; *WAS is NOW then.  0, or -1 when a write failed (said
 * on stderr after TAG; that key is written again by the next call).
 */
int inventory_publish(struct inventory *was, const struct inventory *now, struct xs_handle *xs,
		      unsigned domid, const char *dir, const char *tag);

#endif
