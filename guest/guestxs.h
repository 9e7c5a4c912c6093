/*
 * guestxs.h - xenstore from inside a domain (the agent, the firewall):
 * the connection and the domain's own id.
 *
 * For the guest-side roles' setup; the handle is the caller's, closed
 * with xs_close().
 */
#ifndef BULKHEAD_GUESTXS_H
#define BULKHEAD_GUESTXS_H

#include <xenstore.h>

/* Opens xenstore and reads this domain's id into *DOMID.  NULL when
 * either fails, said on stderr after TAG (the role's name). */
struct xs_handle *guest_xs_open(const char *tag, unsigned *domid);

#endif
