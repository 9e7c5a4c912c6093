/*
 * firewall_role.h - what the `firewall' role (guest/firewall.h) decides,
 * with its effects injected: the xenstore it reads, the table it loads
 * and IPv4 forwarding go through struct fw_effects, so that the same code
 * runs in a net domain (guest/firewall.c, on xenstore, nft and /proc), on
 * fakes in the unit tests, and on real nftables in network namespaces
 * (tests/net).
 *
 * Everything it reads is the net domain's own xenstore (paths relative to
 * its directory): backend/vif/FRONTEND/DEVID/ip for each vif (libxl's,
 * from dom0) and bulkhead/firewall/A-B-C-D/{policy,rules/N} for each
 * address (dom0's, proto/agentproto.h).  All of it is parsed as hostile.
 *
 * Single-threaded: one struct fw_role, driven from the role's loop.
 */
#ifndef BULKHEAD_FIREWALL_ROLE_H
#define BULKHEAD_FIREWALL_ROLE_H

#include <stdbool.h>
#include <stddef.h>

#include "guest/firewall_nft.h"

struct fw_effects {
	/* The names in the directory REL, as xs_directory() gives them: one
	 * malloc'd block (the pointers, then the strings) the caller frees,
	 * *N of them; NULL with *N = 0 when REL is not there. */
	char **(*list)(void *ctx, const char *rel, unsigned *n);
	/* The value at REL, malloc'd and NUL-ended; NULL when it is not there. */
	char *(*read)(void *ctx, const char *rel);
	/* TABLE (nft's text, one transaction) in force: 0, or -1 with the
	 * table in force before left as it was (the loader said why). */
	int (*load)(void *ctx, const char *table);
	/* IPv4 forwarding on or off: 0, or -1 (said why). */
	int (*forwarding)(void *ctx, bool on);
	void *ctx;
};

struct fw_role {
	struct fw_effects fx;
	const char *uplinks;		/* "eth0,wlan0"; the caller's, outlives the role */
	char *applied;			/* the table loaded last; NULL: none yet */
	struct fw_dns dns;		/* this domain's name servers */
	size_t n;			/* clients[0..n-1]: the last refresh's */
	struct fw_client *clients;	/* FIREWALL_CLIENTS_MAX of them */
};

/* R ready for UPLINKS (interface names separated by commas, which the
 * caller keeps: guest/firewall_nft.h) and FX (copied).
 * 0, or -ENOMEM; then, and otherwise after use, fw_role_free(). */
int fw_role_init(struct fw_role *r, const char *uplinks, const struct fw_effects *fx);

/* Before anything is read: IPv4 forwarding off, then the closed table
 * (guest/firewall_nft.h: fw_nft_closed) in force, so that what was there
 * before (an image's settings, a previous run's table) lets nothing
 * through.  0, or -1 said in the log: then the role must not go on (if
 * forwarding is off, it stays off). */
int fw_role_start(struct fw_role *r);

/* Reads the vifs and rules again, and loads the table when it is not the
 * one in force; the first one loaded switches IPv4 forwarding on.  A
 * table that cannot be made or loaded leaves the one in force.  After
 * fw_role_start().
 *
 * A vif is left out, said in the log by its name, when its directory is
 * not one libxl makes (FRONTEND and DEVID numbers), it has no one IPv4
 * address, another vif has its address (all that share one are left
 * out), or FIREWALL_CLIENTS_MAX are served already; a client whose rules
 * are missing or wrong is in no chain.  The others are served whatever
 * happens to these: nothing from one vif freezes the table of all. */
void fw_role_refresh(struct fw_role *r);

/* This domain's resolv.conf is now TEXT (NUL-ended; NULL: there is none):
 * its name servers are where the next refresh sends the names of the
 * domains behind (guest/firewall_nft.h).  True when they changed (said in
 * the log): then a refresh is due. */
bool fw_role_set_dns(struct fw_role *r, const char *text);

void fw_role_free(struct fw_role *r);

#endif
