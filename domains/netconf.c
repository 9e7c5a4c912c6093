#include "domains/netconf.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "proto/agentproto.h"

bool netconf_write_readonly(struct xs_handle *xs, xs_transaction_t t, uint32_t domid,
			    const char *key, const char *value)
{
	char path[160];
	struct xs_permissions perms[2] = {
		{ .id = 0, .perms = XS_PERM_NONE },
		{ .id = domid, .perms = XS_PERM_READ },
	};
	snprintf(path, sizeof(path), "/local/domain/%u/%s", domid, key);
	return xs_write(xs, t, path, value, (unsigned)strlen(value)) &&
	       xs_set_permissions(xs, t, path, perms, 2);
}

/* Runs FILL in a transaction, again while xenstored says another one
 * came in between (EAGAIN). */
static int transact(struct xs_handle *xs, bool (*fill)(struct xs_handle *, xs_transaction_t,
							const void *),
		    const void *ctx)
{
	for (int tries = 0; tries < 10; tries++) {
		xs_transaction_t t = xs_transaction_start(xs);
		if (t == XBT_NULL)
			return -errno;
		bool ok = fill(xs, t, ctx);
		int err = errno;
		if (!xs_transaction_end(xs, t, !ok)) {
			if (errno == EAGAIN && ok)
				continue;
			return -errno;
		}
		if (!ok)
			return err ? -err : -EIO;
		return 0;
	}
	return -EAGAIN;
}

struct own {
	uint32_t domid, address, gateway;
};

static bool fill_own(struct xs_handle *xs, xs_transaction_t t, const void *ctx)
{
	const struct own *o = ctx;
	char a[16];
	ipv4_format(o->address, a);
	if (!netconf_write_readonly(xs, t, o->domid, AGENT_ADDRESS_KEY, a))
		return false;
	if (!o->gateway)
		return true;
	ipv4_format(o->gateway, a);
	return netconf_write_readonly(xs, t, o->domid, AGENT_GATEWAY_KEY, a);
}

int netconf_write_own(struct xs_handle *xs, uint32_t domid, uint32_t address, uint32_t gateway)
{
	struct own o = { domid, address, gateway };
	return transact(xs, fill_own, &o);
}

struct rules {
	uint32_t netvm;
	const struct domain_config *client;
};

static bool fill_rules(struct xs_handle *xs, xs_transaction_t t, const void *ctx)
{
	const struct rules *r = ctx;
	char a[16], dir[64], key[96];
	agent_firewall_key(r->client->address, a);
	snprintf(dir, sizeof(dir), AGENT_FIREWALL_DIR "/%s", a);
	snprintf(key, sizeof(key), "/local/domain/%u/%s", r->netvm, dir);
	/* The old set goes whole: it may have had more rules. */
	if (!xs_rm(xs, t, key) && errno != ENOENT)
		return false;
	snprintf(key, sizeof(key), "%s/policy", dir);
	const char *policy = fw_action_name(r->client->firewall_policy);
	if (!netconf_write_readonly(xs, t, r->netvm, key, policy))
		return false;
	for (size_t i = 0; i < r->client->nfirewall; i++) {
		snprintf(key, sizeof(key), "%s/rules/%zu", dir, i);
		if (!netconf_write_readonly(xs, t, r->netvm, key, r->client->firewall[i]))
			return false;
	}
	return true;
}

int netconf_write_rules(struct xs_handle *xs, uint32_t netvm_domid,
			const struct domain_config *client)
{
	struct rules r = { netvm_domid, client };
	return transact(xs, fill_rules, &r);
}
