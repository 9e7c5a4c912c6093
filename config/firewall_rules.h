/*
 * firewall_rules.h - one domain's firewall rules, as its config gives
 * them (config/domain_config.h: firewall = [ ... ], firewall_policy):
 *
 *   ACTION [PROTO] [to ADDRESS[/PREFIX]] [port PORT[-PORT]]
 *   ACTION dns
 *
 *   ACTION   allow | deny
 *   PROTO    tcp | udp | icmp; absent: any protocol
 *   to       an IPv4 address A.B.C.D or network A.B.C.D/N (N 0..32, no
 *            host bits set); absent: any destination.  No host names:
 *            dom0 has no network to resolve them with.
 *   port     N or N-M, 1..65535, N <= M; only with tcp or udp
 *   dns      the domain's names: UDP and TCP to its name servers
 *            10.139.1.1 and 10.139.1.2, port 53 (alone in its rule)
 *
 * The parts come in this order, each at most once, separated by spaces.
 * The first rule that matches a connection decides; when none does, the
 * policy (allow by default) does.  ADDRESS is the one the domain asked for:
 * its names are asked of 10.139.1.1 and 10.139.1.2, port 53
 * (guest/firewall_nft.h), whatever servers its net domain has; `dns' is
 * those.
 *
 * The canonical text (fw_rule_format) is also what dom0 writes into the
 * net domain's xenstore and what the net domain parses back, so the
 * parser is strict and takes any bytes: it runs there too.  Pure
 * functions, no allocation.
 */
#ifndef BULKHEAD_FIREWALL_RULES_H
#define BULKHEAD_FIREWALL_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/limits.h"

enum fw_action { FW_ALLOW, FW_DENY };
enum fw_proto { FW_PROTO_ANY, FW_PROTO_TCP, FW_PROTO_UDP, FW_PROTO_ICMP };

struct fw_rule {
	enum fw_action action;
	enum fw_proto proto;
	bool has_dst;			/* false: any destination */
	uint32_t dst;			/* host byte order, no bits beyond prefix */
	uint8_t prefix;			/* 0..32 */
	uint16_t port_lo, port_hi;	/* 0: any port (then both are 0) */
	bool dns;			/* `ACTION dns': the rest is 0 */
};

/* One rule's TEXT (NUL-ended, at most FIREWALL_RULE_MAX bytes) into *OUT.
 * 0, or -1 with WHY (WHY_CAP bytes) saying what is wrong and what would
 * be right, without FILE:LINE (the caller adds where the rule came from). */
int fw_rule_parse(const char *text, struct fw_rule *out, char *why, size_t why_cap);

/* R's canonical text into BUF, e.g. "allow tcp to 10.0.2.0/24 port 80-443"
 * (a /32 is written without "/32", a single port as "port 80"); it parses
 * back to the same rule.  Returns its length, or -1 if CAP is too small
 * (FIREWALL_RULE_MAX + 1 is always enough). */
int fw_rule_format(const struct fw_rule *r, char *buf, size_t cap);

/* "allow" or "deny" into *OUT: 0, or -1 for anything else. */
int fw_policy_parse(const char *text, enum fw_action *out);

/* "allow" or "deny". */
const char *fw_action_name(enum fw_action a);

/* An IPv4 address "A.B.C.D" into host byte order: four decimal parts
 * 0..255, no sign, no leading zeros (other tools read 010 as octal), no
 * empty parts, nothing around it. */
bool ipv4_parse(const char *s, uint32_t *out);

/* A as "A.B.C.D" (at most 15 bytes and the NUL). */
void ipv4_format(uint32_t a, char buf[16]);

/* The same with SEP between the parts, for names where a dot may not go
 * (xenstore's, nftables chains'). */
void ipv4_format_sep(uint32_t a, char sep, char buf[16]);

#endif
