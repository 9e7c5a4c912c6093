#include "config/firewall_rules.h"

#include <stdio.h>
#include <string.h>

#include "lib/util.h"

#define GRAMMAR "a rule is ACTION [PROTO] [to ADDRESS[/PREFIX]] [port PORT[-PORT]], or ACTION dns"

/* The parts of a rule in their order: the first one that may still come. */
enum part { PART_PROTO, PART_TO, PART_PORT, PART_END };

static const char *const expected[] = {
	[PART_PROTO] = "tcp, udp, icmp, `dns', `to', `port' or the end of the rule",
	[PART_TO] = "`to', `port' or the end of the rule",
	[PART_PORT] = "`port' or the end of the rule",
	[PART_END] = "the end of the rule",
};

static const char *const proto_names[] = {
	[FW_PROTO_TCP] = "tcp", [FW_PROTO_UDP] = "udp", [FW_PROTO_ICMP] = "icmp",
};

static bool ipv4_parse_n(const char *s, size_t len, uint32_t *out)
{
	uint32_t a = 0;
	size_t start = 0;

	for (int part = 0; part < 4; part++) {
		size_t end = start;
		unsigned v;
		while (end < len && s[end] != '.')
			end++;
		/* The first three parts end at a dot, the last at the end. */
		if (!decimal_parse(s + start, end - start, 255, &v) || (part < 3) != (end < len))
			return false;
		a = a << 8 | v;
		start = end + 1;
	}
	*out = a;
	return true;
}

bool ipv4_parse(const char *s, uint32_t *out)
{
	return ipv4_parse_n(s, strlen(s), out);
}

void ipv4_format_sep(uint32_t a, char sep, char buf[16])
{
	snprintf(buf, 16, "%u%c%u%c%u%c%u", a >> 24, sep, (a >> 16) & 255, sep, (a >> 8) & 255, sep,
		 a & 255);
}

void ipv4_format(uint32_t a, char buf[16])
{
	ipv4_format_sep(a, '.', buf);
}

const char *fw_action_name(enum fw_action a)
{
	return a == FW_DENY ? "deny" : "allow";
}

int fw_policy_parse(const char *text, enum fw_action *out)
{
	if (strcmp(text, "allow") == 0)
		*out = FW_ALLOW;
	else if (strcmp(text, "deny") == 0)
		*out = FW_DENY;
	else
		return -1;
	return 0;
}

static bool is_keyword(const char *w)
{
	static const char *const words[] = { "allow", "deny", "tcp", "udp", "icmp", "to", "port",
					     "dns" };
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(w, words[i]) == 0)
			return true;
	return false;
}

static int parse_to(const char *v, struct fw_rule *r, char *why, size_t cap)
{
	const char *slash;
	unsigned prefix = 32;
	size_t alen;

	if (!v || is_keyword(v)) {
		snprintf(why, cap, "`to' needs an address: to A.B.C.D or to A.B.C.D/N");
		return -1;
	}
	slash = strchr(v, '/');
	alen = slash ? (size_t)(slash - v) : strlen(v);
	if (!ipv4_parse_n(v, alen, &r->dst)) {
		if (strpbrk(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"))
			snprintf(why, cap, "`%.*s' is not an IPv4 address: dom0 has no network to "
				 "resolve names; give the address (A.B.C.D or A.B.C.D/N)", (int)alen, v);
		else
			snprintf(why, cap, "`%.*s' is not an IPv4 address: write A.B.C.D, four parts "
				 "0 to 255 without leading zeros", (int)alen, v);
		return -1;
	}
	if (slash && !decimal_parse(slash + 1, strlen(slash + 1), 32, &prefix)) {
		snprintf(why, cap, "`%s': the prefix after the / is 0 to 32", v);
		return -1;
	}
	/* A shift by 32 is undefined: /0 is the empty mask. */
	uint32_t mask = prefix ? ~(uint32_t)0 << (32 - prefix) : 0;
	if (r->dst & ~mask) {
		char net[16];
		ipv4_format(r->dst & mask, net);
		snprintf(why, cap, "%s has host bits set; did you mean %s/%u?", v, net, prefix);
		return -1;
	}
	r->has_dst = true;
	r->prefix = (uint8_t)prefix;
	return 0;
}

static int parse_port(const char *v, struct fw_rule *r, char *why, size_t cap)
{
	const char *dash;
	unsigned lo, hi;

	if (!v || is_keyword(v)) {
		snprintf(why, cap, "`port' needs a number: port N or port N-M, 1 to 65535");
		return -1;
	}
	dash = strchr(v, '-');
	if (!decimal_parse(v, dash ? (size_t)(dash - v) : strlen(v), 65535, &lo) || lo == 0 ||
	    !decimal_parse(dash ? dash + 1 : v, strlen(dash ? dash + 1 : v), 65535, &hi) || hi == 0) {
		snprintf(why, cap, "`%s' is not a port: write port N or port N-M, with ports 1 to "
			 "65535 (no leading zeros)", v);
		return -1;
	}
	if (lo > hi) {
		snprintf(why, cap, "port %s goes backwards: write port %u-%u", v, hi, lo);
		return -1;
	}
	/* Only tcp and udp have ports; a port on "any protocol" would leave
	 * the reader guessing which one is meant. */
	if (r->proto != FW_PROTO_TCP && r->proto != FW_PROTO_UDP) {
		snprintf(why, cap, "a port needs tcp or udp: write `%s tcp port %s'",
			 fw_action_name(r->action), v);
		return -1;
	}
	r->port_lo = (uint16_t)lo;
	r->port_hi = (uint16_t)hi;
	return 0;
}

int fw_rule_parse(const char *text, struct fw_rule *out, char *why, size_t why_cap)
{
	char buf[FIREWALL_RULE_MAX + 1], *save = NULL, *w;
	size_t len = strnlen(text, FIREWALL_RULE_MAX + 1);
	enum part next = PART_PROTO;

	memset(out, 0, sizeof(*out));
	if (len > FIREWALL_RULE_MAX) {
		snprintf(why, why_cap, "the rule is longer than %d bytes", FIREWALL_RULE_MAX);
		return -1;
	}
	/* Printable ASCII only: the rule is written into log lines, xenstore
	 * and error messages. */
	for (size_t i = 0; i < len; i++) {
		if (text[i] < ' ' || text[i] > '~') {
			snprintf(why, why_cap, "byte 0x%02x at offset %zu: a rule is printable ASCII "
				 "words separated by spaces", (unsigned char)text[i], i);
			return -1;
		}
	}
	memcpy(buf, text, len + 1);
	w = strtok_r(buf, " ", &save);
	if (!w) {
		snprintf(why, why_cap, "the rule is empty; " GRAMMAR);
		return -1;
	}
	if (fw_policy_parse(w, &out->action) < 0) {
		snprintf(why, why_cap, "`%s' is not an action: a rule starts with allow or deny", w);
		return -1;
	}
	w = strtok_r(NULL, " ", &save);
	if (w && strcmp(w, "dns") == 0) {
		out->dns = true;
		if ((w = strtok_r(NULL, " ", &save))) {
			snprintf(why, why_cap, "`%s' after `dns': dns is the whole rule (`%s dns'): "
				 "UDP and TCP to the domain's name servers, port 53", w,
				 fw_action_name(out->action));
			return -1;
		}
		return 0;
	}
	for (; w; w = strtok_r(NULL, " ", &save)) {
		enum fw_proto p = FW_PROTO_TCP;
		while (p <= FW_PROTO_ICMP && strcmp(w, proto_names[p]) != 0)
			p++;
		if (next == PART_PROTO && p <= FW_PROTO_ICMP) {
			out->proto = p;
			next = PART_TO;
		} else if (next <= PART_TO && strcmp(w, "to") == 0) {
			if (parse_to(strtok_r(NULL, " ", &save), out, why, why_cap) < 0)
				return -1;
			next = PART_PORT;
		} else if (next <= PART_PORT && strcmp(w, "port") == 0) {
			if (parse_port(strtok_r(NULL, " ", &save), out, why, why_cap) < 0)
				return -1;
			next = PART_END;
		} else {
			/* What came before W, as written, without the spaces before it. */
			int before = (int)(w - buf);
			while (before > 0 && text[before - 1] == ' ')
				before--;
			snprintf(why, why_cap, "`%s' after `%.*s': expected %s; " GRAMMAR, w, before,
				 text, expected[next]);
			return -1;
		}
	}
	return 0;
}

int fw_rule_format(const struct fw_rule *r, char *buf, size_t cap)
{
	char to[24] = "", port[20] = "", addr[16];
	int n;

	if (r->dns) {
		n = snprintf(buf, cap, "%s dns", fw_action_name(r->action));
		return n < 0 || (size_t)n >= cap ? -1 : n;
	}
	if (r->has_dst) {
		ipv4_format(r->dst, addr);
		if (r->prefix < 32)
			snprintf(to, sizeof(to), " to %s/%u", addr, r->prefix);
		else
			snprintf(to, sizeof(to), " to %s", addr);
	}
	if (r->port_lo && r->port_lo == r->port_hi)
		snprintf(port, sizeof(port), " port %u", r->port_lo);
	else if (r->port_lo)
		snprintf(port, sizeof(port), " port %u-%u", r->port_lo, r->port_hi);
	n = snprintf(buf, cap, "%s%s%s%s%s", fw_action_name(r->action),
		     r->proto == FW_PROTO_ANY ? "" : " ",
		     r->proto == FW_PROTO_ANY ? "" : proto_names[r->proto], to, port);
	return n < 0 || (size_t)n >= cap ? -1 : n;
}
