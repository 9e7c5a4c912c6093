#include "guest/firewall_nft.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TABLE "inet bulkhead"
/* What a denied connection gets: an answer, so that it fails at once
 * instead of hanging until it times out. */
#define REJECT "reject with icmpx type admin-prohibited"

/* Interface names go into the table inside quotes: nothing that could
 * end them, and no wildcard. */
static bool ifname_ok(const char *s)
{
	size_t n = strnlen(s, FW_IFNAME_MAX + 1);
	if (n == 0 || n > FW_IFNAME_MAX)
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

static int check(const char *uplink, const struct fw_client *c, size_t n, char *why, size_t cap)
{
	char a[16];

	if (!ifname_ok(uplink)) {
		snprintf(why, cap, "the uplink `%.20s' is not an interface name (1 to %d of "
			 "A-Z a-z 0-9 . _ -)", uplink, FW_IFNAME_MAX);
		return -1;
	}
	if (n > FIREWALL_CLIENTS_MAX) {
		snprintf(why, cap, "%zu domains behind this one, at most %d are served", n,
			 FIREWALL_CLIENTS_MAX);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		ipv4_format(c[i].address, a);
		if (!ifname_ok(c[i].vif) || strcmp(c[i].vif, uplink) == 0) {
			snprintf(why, cap, "%s's vif `%.20s' is not an interface name other than "
				 "the uplink", a, c[i].vif);
			return -1;
		}
		if (c[i].nrules > FIREWALL_RULES_MAX) {
			snprintf(why, cap, "%s has %zu rules, at most %d are allowed", a,
				 c[i].nrules, FIREWALL_RULES_MAX);
			return -1;
		}
		for (size_t j = 0; j < i; j++) {
			if (c[j].address == c[i].address || strcmp(c[j].vif, c[i].vif) == 0) {
				snprintf(why, cap, "%s and %s share %s", c[j].vif, c[i].vif,
					 c[j].address == c[i].address ? a : "a vif");
				return -1;
			}
		}
	}
	return 0;
}

/* "c_10_137_0_10": a chain name from the client's address. */
static void chain_name(uint32_t a, char buf[24])
{
	char parts[16];
	ipv4_format_sep(a, '_', parts);
	snprintf(buf, 24, "c_%s", parts);
}

static void put_rule(FILE *f, const struct fw_rule *r)
{
	static const char *const l4[] = {
		[FW_PROTO_TCP] = "tcp", [FW_PROTO_UDP] = "udp", [FW_PROTO_ICMP] = "icmp",
	};
	char a[16];

	fputs("\t\t", f);
	if (r->has_dst) {
		ipv4_format(r->dst, a);
		fprintf(f, r->prefix < 32 ? "ip daddr %s/%u " : "ip daddr %s ", a, r->prefix);
	}
	if (r->port_lo) {
		fprintf(f, "%s dport %u", l4[r->proto], r->port_lo);
		if (r->port_hi != r->port_lo)
			fprintf(f, "-%u", r->port_hi);
		fputc(' ', f);
	} else if (r->proto != FW_PROTO_ANY) {
		fprintf(f, "meta l4proto %s ", l4[r->proto]);
	}
	fprintf(f, "%s\n", r->action == FW_ALLOW ? "accept" : REJECT);
}

static void put_client_chain(FILE *f, const struct fw_client *c)
{
	char name[24];

	chain_name(c->address, name);
	fprintf(f, "\tchain %s {\n", name);
	for (size_t r = 0; r < c->nrules; r++)
		put_rule(f, &c->rules[r]);
	fprintf(f, "\t\t%s\n\t}\n", c->policy == FW_ALLOW ? "accept" : REJECT);
}

/* Each known client's traffic, from its vif with its address, to its
 * chain.  Anything else, a client without rules yet included, is left to
 * the chain's policy: drop. */
static void put_jumps(FILE *f, const struct fw_client *c, size_t n)
{
	char name[24], a[16];

	for (size_t i = 0; i < n; i++) {
		if (!c[i].known)
			continue;
		chain_name(c[i].address, name);
		ipv4_format(c[i].address, a);
		fprintf(f, "\t\tiifname \"%s\" ip saddr %s jump %s\n", c[i].vif, a, name);
	}
}

/* The table for the N clients C behind UP; CLOSED (N is 0): nothing from
 * a vif, not even a reply to what went through before. */
static void put_table(FILE *f, const char *up, const struct fw_client *c, size_t n, bool closed)
{
	/* Creating it first makes the delete valid when there is none yet. */
	fputs("table " TABLE "\ndelete table " TABLE "\ntable " TABLE " {\n", f);
	fputs("\tchain forward {\n"
	      "\t\ttype filter hook forward priority filter; policy drop;\n", f);
	if (!closed) {
		fputs("\t\tct state established,related accept\n"
		      "\t\tct state invalid drop\n", f);
		fprintf(f, "\t\toifname != \"%s\" drop\n", up);
		put_jumps(f, c, n);
	}
	fputs("\t}\n", f);
	/* The net domain's own services: from itself and from the uplink, and
	 * from a client as its rules say.  Any other interface (a vif named
	 * otherwise than vifDOMID.DEVID, one whose rules have not come) gets
	 * nothing. */
	fputs("\tchain input {\n"
	      "\t\ttype filter hook input priority filter; policy drop;\n"
	      "\t\tiifname \"lo\" accept\n", f);
	fprintf(f, "\t\tiifname \"%s\" accept\n", up);
	if (!closed) {
		fputs("\t\tct state established,related accept\n"
		      "\t\tct state invalid drop\n", f);
		put_jumps(f, c, n);
	}
	fputs("\t}\n", f);
	if (!closed) {
		fputs("\tchain postrouting {\n"
		      "\t\ttype nat hook postrouting priority srcnat; policy accept;\n", f);
		fprintf(f, "\t\toifname \"%s\" masquerade\n\t}\n", up);
		for (size_t i = 0; i < n; i++)
			if (c[i].known)
				put_client_chain(f, &c[i]);
	}
	fputs("}\n", f);
}

static char *render(const char *uplink, const struct fw_client *clients, size_t n, bool closed,
		    char *why, size_t cap)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f) {
		snprintf(why, cap, "out of memory");
		return NULL;
	}
	put_table(f, uplink, clients, n, closed);
	/* A memstream fails only when memory runs out; fclose says so. */
	if (fclose(f) != 0) {
		free(text);
		snprintf(why, cap, "out of memory");
		return NULL;
	}
	return text;
}

char *fw_nft_table(const char *uplink, const struct fw_client *clients, size_t n, char *why,
		   size_t cap)
{
	if (check(uplink, clients, n, why, cap) < 0)
		return NULL;
	return render(uplink, clients, n, false, why, cap);
}

char *fw_nft_closed(const char *uplink, char *why, size_t cap)
{
	if (check(uplink, NULL, 0, why, cap) < 0)
		return NULL;
	return render(uplink, NULL, 0, true, why, cap);
}
