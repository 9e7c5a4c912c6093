#include "guest/firewall_nft.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"

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

/* UPLINKS ("eth0" or "eth0,wlan0") split at its commas into NAME, *N of
 * them: whether each is an interface name, at most FW_UPLINKS_MAX and none
 * twice. */
static bool uplinks_split(const char *uplinks, char name[FW_UPLINKS_MAX][FW_IFNAME_MAX + 1],
			  size_t *n)
{
	*n = 0;
	for (const char *p = uplinks;; p++) {
		size_t len = strcspn(p, ",");
		if (*n == FW_UPLINKS_MAX || len > FW_IFNAME_MAX)
			return false;
		memcpy(name[*n], p, len);
		name[*n][len] = '\0';
		if (!ifname_ok(name[*n]))
			return false;
		for (size_t i = 0; i < *n; i++)
			if (strcmp(name[i], name[*n]) == 0)
				return false;
		(*n)++;
		p += len;
		if (!*p)
			return true;
	}
}

/* Whether UPLINKS and the N clients C make a table (else WHY, CAP bytes);
 * UP then has the uplinks as nftables names them. */
static int check(const char *uplinks, const struct fw_client *c, size_t n, char up[FW_UPLINKS_TEXT],
		 char *why, size_t cap)
{
	char a[16], name[FW_UPLINKS_MAX][FW_IFNAME_MAX + 1];
	size_t nup;

	if (!uplinks_split(uplinks, name, &nup)) {
		snprintf(why, cap, "the uplinks `%.80s' are not 1 to %d different interface names "
			 "(1 to %d of A-Z a-z 0-9 . _ -) separated by commas", uplinks,
			 FW_UPLINKS_MAX, FW_IFNAME_MAX);
		return -1;
	}
	if (n > FIREWALL_CLIENTS_MAX) {
		snprintf(why, cap, "%zu domains behind this one, at most %d are served", n,
			 FIREWALL_CLIENTS_MAX);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		ipv4_format(c[i].address, a);
		bool uplink = false;
		for (size_t u = 0; u < nup; u++)
			uplink |= strcmp(c[i].vif, name[u]) == 0;
		if (!ifname_ok(c[i].vif) || uplink) {
			snprintf(why, cap, "%s's vif `%.20s' is not an interface name other than "
				 "the uplinks", a, c[i].vif);
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
	/* As nftables names them: "eth0" or { "eth0", "wlan0" }. */
	up[0] = '\0';
	for (size_t u = 0; u < nup; u++)
		str_append(up, FW_UPLINKS_TEXT, "%s\"%s\"", u ? ", " : nup > 1 ? "{ " : "", name[u]);
	if (nup > 1)
		str_append(up, FW_UPLINKS_TEXT, " }");
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
	char a[16], d2[16];

	fputs("\t\t", f);
	if (r->dns) {
		ipv4_format(FW_DNS_1, a);
		ipv4_format(FW_DNS_2, d2);
		fprintf(f, "ct original ip daddr { %s, %s } meta l4proto { tcp, udp } th dport 53 %s\n",
			a, d2, r->action == FW_ALLOW ? "accept" : REJECT);
		return;
	}
	if (r->has_dst) {
		/* The address asked, before prerouting's DNS redirect. */
		ipv4_format(r->dst, a);
		fprintf(f, r->prefix < 32 ? "ct original ip daddr %s/%u " : "ct original ip daddr %s ",
			a, r->prefix);
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

/* What the vifs send to FW_DNS_1 and FW_DNS_2 on port 53, to this
 * domain's own servers (the header says which). */
static void put_dns(FILE *f, const char *up, const struct fw_dns *dns)
{
	static const uint32_t asked[FW_DNS_MAX] = { FW_DNS_1, FW_DNS_2 };
	char a[16], to[16];

	fputs("\tchain prerouting {\n"
	      "\t\ttype nat hook prerouting priority dstnat; policy accept;\n", f);
	for (size_t i = 0; i < FW_DNS_MAX; i++) {
		uint32_t server = dns->server[i < dns->n ? i : 0];
		if (server == asked[i])
			continue;
		ipv4_format(asked[i], a);
		ipv4_format(server, to);
		fprintf(f, "\t\tiifname != %s ip daddr %s meta l4proto { tcp, udp } th dport 53 "
			"dnat ip to %s\n", up, a, to);
	}
	fputs("\t}\n", f);
}

/* The table for the N clients C behind UP, their names to DNS (none: n 0);
 * CLOSED (N is 0): nothing from a vif, not even a reply to what went
 * through before. */
static void put_table(FILE *f, const char *up, const struct fw_client *c, size_t n,
		      const struct fw_dns *dns, bool closed)
{
	/* Creating it first makes the delete valid when there is none yet. */
	fputs("table " TABLE "\ndelete table " TABLE "\ntable " TABLE " {\n", f);
	fputs("\tchain forward {\n"
	      "\t\ttype filter hook forward priority filter; policy drop;\n", f);
	if (!closed) {
		fputs("\t\tct state established,related accept\n"
		      "\t\tct state invalid drop\n", f);
		fprintf(f, "\t\toifname != %s drop\n", up);
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
	fprintf(f, "\t\tiifname %s accept\n", up);
	if (!closed) {
		fputs("\t\tct state established,related accept\n"
		      "\t\tct state invalid drop\n", f);
		put_jumps(f, c, n);
	}
	fputs("\t}\n", f);
	if (!closed) {
		fputs("\tchain postrouting {\n"
		      "\t\ttype nat hook postrouting priority srcnat; policy accept;\n", f);
		fprintf(f, "\t\toifname %s masquerade\n\t}\n", up);
		if (dns && dns->n)
			put_dns(f, up, dns);
		for (size_t i = 0; i < n; i++)
			if (c[i].known)
				put_client_chain(f, &c[i]);
	}
	fputs("}\n", f);
}

/* UP: the uplinks as nftables names them (check). */
static char *render(const char *up, const struct fw_client *clients, size_t n,
		    const struct fw_dns *dns, bool closed, char *why, size_t cap)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f) {
		snprintf(why, cap, "out of memory");
		return NULL;
	}
	put_table(f, up, clients, n, dns, closed);
	/* A memstream fails only when memory runs out; fclose says so. */
	if (fclose(f) != 0) {
		free(text);
		snprintf(why, cap, "out of memory");
		return NULL;
	}
	return text;
}

char *fw_nft_table(const char *uplinks, const struct fw_client *clients, size_t n,
		   const struct fw_dns *dns, char *why, size_t cap)
{
	char up[FW_UPLINKS_TEXT];
	if (check(uplinks, clients, n, up, why, cap) < 0)
		return NULL;
	return render(up, clients, n, dns, false, why, cap);
}

char *fw_nft_closed(const char *uplinks, char *why, size_t cap)
{
	char up[FW_UPLINKS_TEXT];
	if (check(uplinks, NULL, 0, up, why, cap) < 0)
		return NULL;
	return render(up, NULL, 0, NULL, true, why, cap);
}

/* One line's address if it is "nameserver ADDRESS" (blanks around the
 * words, a comment after), else false. */
static bool nameserver_line(const char *line, size_t len, uint32_t *out)
{
	static const char word[] = "nameserver";
	char addr[16];
	size_t i = strspn(line, " \t"), w = sizeof(word) - 1;

	if (i + w >= len || strncmp(line + i, word, w) != 0 || !strchr(" \t", line[i + w]))
		return false;
	i += w;
	i += strspn(line + i, " \t");
	size_t alen = strcspn(line + i, " \t#;\n");
	if (alen == 0 || alen >= sizeof(addr))
		return false;
	memcpy(addr, line + i, alen);
	addr[alen] = '\0';
	return ipv4_parse(addr, out);
}

void fw_dns_parse(const char *text, struct fw_dns *out)
{
	out->n = 0;
	for (const char *line = text; line && *line && out->n < FW_DNS_MAX;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		uint32_t a;
		if (nameserver_line(line, len, &a) && a != 0 && (a >> 24) != 127)
			out->server[out->n++] = a;
		line = nl ? nl + 1 : NULL;
	}
}
