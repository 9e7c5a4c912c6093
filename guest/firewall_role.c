#include "guest/firewall_role.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/agentproto.h"
#include "config/firewall_rules.h"
#include "lib/log.h"
#include "lib/util.h"

#define TAG "firewall"

/* C's rules from bulkhead/firewall/ADDRESS; C stays "not known" when they
 * are missing or one does not parse (then nothing of C's goes through). */
static void read_rules(struct fw_role *r, struct fw_client *c)
{
	char a[16], k[16], rel[96], why[160];
	unsigned n = 0;
	ipv4_format(c->address, a);
	agent_firewall_key(c->address, k);
	snprintf(rel, sizeof(rel), AGENT_FIREWALL_DIR "/%s/policy", k);
	char *policy = r->fx.read(r->fx.ctx, rel);
	bool ok = policy && fw_policy_parse(policy, &c->policy) == 0;
	free(policy);
	snprintf(rel, sizeof(rel), AGENT_FIREWALL_DIR "/%s/rules", k);
	char **keys = ok ? r->fx.list(r->fx.ctx, rel, &n) : NULL;
	/* Rules are numbered 0..n-1; xenstore lists them in any order. */
	for (unsigned i = 0; ok && i < n; i++) {
		char key[128];
		if (i >= FIREWALL_RULES_MAX) {
			log_warn(TAG, "%s has more than %d rules; none of its traffic goes through", a,
				 FIREWALL_RULES_MAX);
			ok = false;
			break;
		}
		snprintf(key, sizeof(key), "%s/%u", rel, i);
		char *text = r->fx.read(r->fx.ctx, key);
		ok = text && fw_rule_parse(text, &c->rules[i], why, sizeof(why)) == 0;
		if (!ok)
			log_warn(TAG, "%s's rule %u %s%s; none of its traffic goes through", a, i,
				 text ? "is wrong: " : "is missing", text ? why : "");
		free(text);
	}
	free(keys);
	c->nrules = ok ? n : 0;
	c->known = ok;
}

/* A frontend's domid or a device number, as libxl names their
 * directories: decimal, no leading zero, short enough that
 * "vifFRONTEND.DEVID" is an interface name. */
static bool vif_number(const char *s)
{
	size_t n = strspn(s, "0123456789");
	return n > 0 && n <= 5 && s[n] == '\0' && (s[0] != '0' || n == 1);
}

/* The vif in backend/vif/FE/DEVID (FE checked) as a client, into *C: its
 * name and its ip, the one address vif-bulkhead routes to it.  false,
 * said, when it has none: then it is not served. */
static bool read_vif(struct fw_role *r, const char *fe, const char *untrusted_dev,
		     struct fw_client *c)
{
	char rel[64];
	memset(c, 0, sizeof(*c));
	if (!vif_number(untrusted_dev)) {
		log_warn(TAG, "backend/vif/%s/%.16s is not a vif libxl makes (its name is a "
			 "number); dropped", fe, untrusted_dev);
		return false;
	}
	snprintf(c->vif, sizeof(c->vif), "vif%s.%s", fe, untrusted_dev);
	snprintf(rel, sizeof(rel), "backend/vif/%s/%s/ip", fe, untrusted_dev);
	char *untrusted_ip = r->fx.read(r->fx.ctx, rel);
	bool ok = untrusted_ip && ipv4_parse(untrusted_ip, &c->address);
	free(untrusted_ip);
	if (!ok) {
		log_warn(TAG, "%s has no one IPv4 address in %s (vif-bulkhead routes none to it); "
			 "dropped", c->vif, rel);
		return false;
	}
	return true;
}

/* The vifs in backend/vif/FRONTEND/DEVID, at most FIREWALL_CLIENTS_MAX of
 * them into R's clients; each one beyond is dropped, by name.  Returns
 * how many were put there. */
static size_t read_vifs(struct fw_role *r)
{
	unsigned nfe = 0;
	size_t n = 0;
	char a[16];
	struct fw_client c;
	char **untrusted_fes = r->fx.list(r->fx.ctx, "backend/vif", &nfe);
	for (unsigned i = 0; i < nfe; i++) {
		const char *fe = untrusted_fes[i];
		unsigned ndev = 0;
		char rel[64];
		if (!vif_number(fe)) {
			log_warn(TAG, "backend/vif/%.16s is not a frontend libxl makes (a domid); "
				 "its vifs are dropped", fe);
			continue;
		}
		snprintf(rel, sizeof(rel), "backend/vif/%s", fe);
		char **devs = r->fx.list(r->fx.ctx, rel, &ndev);
		for (unsigned j = 0; j < ndev; j++) {
			if (!read_vif(r, fe, devs[j], &c))
				continue;
			if (n == FIREWALL_CLIENTS_MAX) {
				ipv4_format(c.address, a);
				log_warn(TAG, "%s %s: more than %d domains behind this one; dropped, "
					 "nothing of its goes through", c.vif, a, FIREWALL_CLIENTS_MAX);
				continue;
			}
			r->clients[n++] = c;
		}
		free(devs);
	}
	free(untrusted_fes);
	return n;
}

/* Clients that share an address: vif-bulkhead routes it to one of them,
 * and which is the domain dom0 gave it cannot be told here.  None of them
 * is served; the others are.  Returns how many are left in C. */
static size_t drop_clashes(struct fw_client *c, size_t n)
{
	size_t other[FIREWALL_CLIENTS_MAX], kept = 0;
	char a[16];
	/* Every clash found before any client moves. */
	for (size_t i = 0; i < n; i++) {
		other[i] = 0;
		while (other[i] < n && (other[i] == i || c[other[i]].address != c[i].address))
			other[i]++;
		if (other[i] < n) {
			ipv4_format(c[i].address, a);
			log_warn(TAG, "%s %s: %s has that address too; dropped, as every vif with "
				 "it (dom0 gives each domain its own)", c[i].vif, a, c[other[i]].vif);
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (other[i] < n)
			continue;
		if (kept != i)
			c[kept] = c[i];
		kept++;
	}
	return kept;
}

static void report(const struct fw_client *clients, size_t n)
{
	char a[16], text[FIREWALL_RULE_MAX + 1];
	log_info(TAG, "table loaded, %zu domains behind this one", n);
	log_event(TAG, "table-loaded", "domains=%zu", n);
	for (size_t i = 0; i < n; i++) {
		const struct fw_client *c = &clients[i];
		ipv4_format(c->address, a);
		if (!c->known) {
			log_info(TAG, "%s %s: no rules from dom0 yet, nothing goes through", c->vif, a);
			log_event(TAG, "client-closed", "vif=%s address=%s", c->vif, a);
			continue;
		}
		log_info(TAG, "%s %s: %zu rules, policy %s", c->vif, a, c->nrules,
			 fw_action_name(c->policy));
		log_event(TAG, "client-rules", "vif=%s address=%s rules=%zu policy=%s", c->vif, a,
			  c->nrules, fw_action_name(c->policy));
		for (size_t k = 0; k < c->nrules; k++)
			if (fw_rule_format(&c->rules[k], text, sizeof(text)) > 0) {
				log_info(TAG, "%s rule %zu: %s", a, k, text);
				log_event(TAG, "rule", "address=%s index=%zu reason=%s", a, k, text);
			}
	}
}

int fw_role_init(struct fw_role *r, const char *uplinks, const struct fw_effects *fx)
{
	memset(r, 0, sizeof(*r));
	r->fx = *fx;
	r->uplinks = uplinks;
	r->clients = calloc(FIREWALL_CLIENTS_MAX, sizeof(*r->clients));
	return r->clients ? 0 : -ENOMEM;
}

int fw_role_start(struct fw_role *r)
{
	char why[200];
	if (r->fx.forwarding(r->fx.ctx, false) < 0) {
		log_err(TAG, "IPv4 forwarding cannot be switched off: stopping here, as the "
			"domains behind this one would be routed before their rules are read");
		return -1;
	}
	char *table = fw_nft_closed(r->uplinks, why, sizeof(why));
	if (!table) {
		log_err(TAG, "%s; stopping here (IPv4 forwarding stays off)", why);
		return -1;
	}
	int ret = r->fx.load(r->fx.ctx, table);
	free(table);
	if (ret < 0) {
		log_err(TAG, "nft refused the closed table (above); stopping here (IPv4 "
			"forwarding stays off)");
		return -1;
	}
	log_notice(TAG, "closed until the rules are read: IPv4 forwarding off, the vifs reach "
		   "nothing");
	return 0;
}

/* The table of the clients read, with the names' redirect to DNS (NULL:
 * without), in force unless it is already: 0, or -1 (said). */
static int apply(struct fw_role *r, const struct fw_dns *dns)
{
	char why[200];
	char *table = fw_nft_table(r->uplinks, r->clients, r->n, dns, why, sizeof(why));
	if (!table) {
		log_err(TAG, "cannot make the table: %s; the one in force stays", why);
		return -1;
	}
	if (r->applied && strcmp(r->applied, table) == 0) {
		free(table);
		return 0;
	}
	if (r->fx.load(r->fx.ctx, table) < 0) {
		log_err(TAG, "nft refused the table (above); the one in force stays");
		free(table);
		return -1;
	}
	report(r->clients, r->n);
	if (!r->applied && r->fx.forwarding(r->fx.ctx, true) == 0)
		log_notice(TAG, "IPv4 forwarding on");
	log_event(TAG, "table-applied", "domains=%zu", r->n);
	free(r->applied);
	r->applied = table;
	return 0;
}

void fw_role_refresh(struct fw_role *r)
{
	r->n = drop_clashes(r->clients, read_vifs(r));
	for (size_t i = 0; i < r->n; i++)
		read_rules(r, &r->clients[i]);
	if (apply(r, &r->dns) == 0 || !r->dns.n)
		return;
	/* A kernel without NAT's dnat (nft_nat) must not take the network of
	 * every domain behind with it: only their names are lost. */
	log_err(TAG, "loading the table without the names' redirect: the domains behind "
		"cannot ask names");
	apply(r, NULL);
}

bool fw_role_set_dns(struct fw_role *r, const char *text)
{
	struct fw_dns now;
	char list[FW_DNS_MAX * 17] = "";

	fw_dns_parse(text, &now);
	if (now.n == r->dns.n && memcmp(now.server, r->dns.server, now.n * sizeof(*now.server)) == 0)
		return false;
	for (size_t i = 0; i < now.n; i++) {
		char a[16];
		ipv4_format(now.server[i], a);
		str_append(list, sizeof(list), "%s%s", i ? "," : "", a);
	}
	if (!now.n)
		log_notice(TAG, "no IPv4 name server here (resolv.conf): the names asked by the "
			   "domains behind are not answered");
	log_event(TAG, "name-servers", "servers=%s", now.n ? list : "none");
	r->dns = now;
	return true;
}

void fw_role_free(struct fw_role *r)
{
	free(r->applied);
	free(r->clients);
	r->applied = NULL;
	r->clients = NULL;
}
