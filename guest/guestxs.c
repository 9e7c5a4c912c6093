#include "guest/guestxs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct xs_handle *guest_xs_open(const char *tag, unsigned *domid)
{
	unsigned len = 0;
	struct xs_handle *xs = xs_open(0);
	if (!xs) {
		fprintf(stderr, "%s: cannot reach xenstore: %s (is this a Xen domain?)\n", tag,
			strerror(errno));
		return NULL;
	}
	/* Relative paths are the domain's own directory. */
	char *id = xs_read(xs, XBT_NULL, "domid", &len);
	long v = id ? strtol(id, NULL, 10) : -1;
	free(id);
	/* dom0 and the ids Xen reserves (DOMID_FIRST_RESERVED up) are no guest. */
	if (v <= 0 || v >= 0x7ff0) {
		fprintf(stderr, "%s: xenstore gives no domid for this domain\n", tag);
		xs_close(xs);
		return NULL;
	}
	*domid = (unsigned)v;
	return xs;
}
