/* Firewall rules: parsing (config/firewall_rules.h), the nftables table
 * made from them (guest/firewall_nft.h), and the role's decisions on a
 * fake xenstore and fake effects (guest/firewall_role.h). */
#include "tests/unit/test_helpers.h"

#include "guest/firewall_nft.h"
#include "guest/firewall_role.h"
#include "tests/unit/fw_fakes.h"
#include "config/firewall_rules.h"
#include "lib/util.h"

static struct fw_rule parse_ok(const char *text)
{
	struct fw_rule r;
	char why[200] = "";
	if (fw_rule_parse(text, &r, why, sizeof(why)) != 0)
		fail_msg("`%s' refused: %s", text, why);
	return r;
}

/* The rule does not parse, and the reason contains WANT. */
static void parse_refused(const char *text, const char *want)
{
	struct fw_rule r;
	char why[200] = "";
	if (fw_rule_parse(text, &r, why, sizeof(why)) == 0)
		fail_msg("`%s' was taken", text);
	if (!strstr(why, want))
		fail_msg("`%s': reason `%s' does not say `%s'", text, why, want);
}

/* TEXT parses, and formats back as CANON (which parses to the same). */
static void round_trip(const char *text, const char *canon)
{
	char buf[FIREWALL_RULE_MAX + 1];
	struct fw_rule r = parse_ok(text), again;
	assert_int_equal(fw_rule_format(&r, buf, sizeof(buf)), (int)strlen(canon));
	assert_string_equal(buf, canon);
	again = parse_ok(buf);
	assert_memory_equal(&r, &again, sizeof(r));
}

static void test_rule_parts(void **state)
{
	(void)state;
	struct fw_rule r = parse_ok("allow tcp to 10.0.2.0/24 port 80-443");
	assert_int_equal(r.action, FW_ALLOW);
	assert_int_equal(r.proto, FW_PROTO_TCP);
	assert_true(r.has_dst);
	assert_int_equal(r.dst, 0x0a000200);
	assert_int_equal(r.prefix, 24);
	assert_int_equal(r.port_lo, 80);
	assert_int_equal(r.port_hi, 443);

	r = parse_ok("deny");
	assert_int_equal(r.action, FW_DENY);
	assert_int_equal(r.proto, FW_PROTO_ANY);
	assert_false(r.has_dst);
	assert_int_equal(r.port_lo, 0);
	assert_int_equal(r.port_hi, 0);

	r = parse_ok("deny to 192.168.1.1");
	assert_int_equal(r.prefix, 32);
	assert_int_equal(r.dst, 0xc0a80101);
	assert_false(r.dns);

	r = parse_ok("allow dns");
	assert_int_equal(r.action, FW_ALLOW);
	assert_true(r.dns);
	assert_int_equal(r.proto, FW_PROTO_ANY);
	assert_false(r.has_dst);
	assert_int_equal(r.port_lo, 0);
}

static void test_rule_round_trip(void **state)
{
	(void)state;
	round_trip("allow", "allow");
	round_trip("deny icmp", "deny icmp");
	round_trip("allow  udp   port 53", "allow udp port 53");
	round_trip("allow tcp to 10.0.2.15/32 port 8000-8000", "allow tcp to 10.0.2.15 port 8000");
	round_trip("deny to 0.0.0.0/0", "deny to 0.0.0.0/0");
	round_trip("allow tcp to 255.255.255.255 port 1-65535",
		   "allow tcp to 255.255.255.255 port 1-65535");
	round_trip(" deny tcp port 8001 ", "deny tcp port 8001");
	round_trip("allow  dns ", "allow dns");
	round_trip("deny dns", "deny dns");
}

static void test_rule_errors(void **state)
{
	(void)state;
	parse_refused("", "empty");
	parse_refused("   ", "empty");
	parse_refused("accept tcp", "`accept' is not an action");
	parse_refused("allow tcp udp", "`udp' after `allow tcp'");
	parse_refused("allow port 80", "a port needs tcp or udp");
	parse_refused("allow icmp port 80", "write `allow tcp port 80'");
	parse_refused("allow tcp port", "`port' needs a number");
	parse_refused("allow tcp port 0", "not a port");
	parse_refused("allow tcp port 65536", "not a port");
	parse_refused("allow tcp port 080", "not a port");
	parse_refused("allow tcp port 90-80", "write port 80-90");
	parse_refused("allow tcp port 80-", "not a port");
	parse_refused("allow tcp port 80 port 81", "`port' after `allow tcp port 80'");
	parse_refused("allow port 80 tcp", "a port needs tcp or udp");
	parse_refused("allow to", "`to' needs an address");
	parse_refused("allow to port 80", "`to' needs an address");
	parse_refused("allow to example.org", "no network to resolve names");
	parse_refused("allow to 10.0.2", "not an IPv4 address");
	parse_refused("allow to 10.0.2.256", "not an IPv4 address");
	parse_refused("allow to 10.00.2.1", "without leading zeros");
	parse_refused("allow to 10.0.2.1/33", "the prefix after the / is 0 to 32");
	parse_refused("allow to 10.0.2.1/", "the prefix after the / is 0 to 32");
	parse_refused("allow to 10.0.2.1/24", "did you mean 10.0.2.0/24?");
	parse_refused("allow tcp to 10.0.2.1 to 10.0.2.2", "`to' after `allow tcp to 10.0.2.1'");
	parse_refused("allow\ttcp", "byte 0x09 at offset 5");
	parse_refused("allow tcp\xff", "byte 0xff");
	parse_refused("allow dns tcp", "`tcp' after `dns': dns is the whole rule (`allow dns')");
	parse_refused("deny dns port 53", "`port' after `dns'");
	parse_refused("allow tcp dns", "`dns' after `allow tcp'");
	parse_refused("allow to dns", "`to' needs an address");
	parse_refused("allow foo", "expected tcp, udp, icmp, `dns', `to'");
	parse_refused("dns", "`dns' is not an action");
}

static void test_rule_length(void **state)
{
	(void)state;
	char text[FIREWALL_RULE_MAX + 2];
	/* "allow" and spaces to exactly the limit: taken; one more: not. */
	memset(text, ' ', sizeof(text));
	memcpy(text, "allow", 5);
	text[FIREWALL_RULE_MAX] = '\0';
	parse_ok(text);
	text[FIREWALL_RULE_MAX] = ' ';
	text[FIREWALL_RULE_MAX + 1] = '\0';
	parse_refused(text, "longer than");

	/* The longest canonical rule fits the documented buffer. */
	char buf[FIREWALL_RULE_MAX + 1];
	struct fw_rule r = parse_ok("allow udp to 255.255.255.254/31 port 65534-65535");
	assert_true(fw_rule_format(&r, buf, sizeof(buf)) > 0);
	assert_int_equal(fw_rule_format(&r, buf, 10), -1);
}

static void test_policy_and_addresses(void **state)
{
	(void)state;
	enum fw_action a = FW_ALLOW;
	uint32_t ip = 0;
	char buf[16];

	assert_int_equal(fw_policy_parse("deny", &a), 0);
	assert_int_equal(a, FW_DENY);
	assert_int_equal(fw_policy_parse("allow", &a), 0);
	assert_int_equal(a, FW_ALLOW);
	assert_int_equal(fw_policy_parse("Deny", &a), -1);
	assert_int_equal(fw_policy_parse("", &a), -1);
	assert_string_equal(fw_action_name(FW_DENY), "deny");

	assert_true(ipv4_parse("10.137.0.10", &ip));
	assert_int_equal(ip, 0x0a89000a);
	ipv4_format(ip, buf);
	assert_string_equal(buf, "10.137.0.10");
	assert_true(ipv4_parse("0.0.0.0", &ip));
	assert_true(ipv4_parse("255.255.255.255", &ip));
	assert_int_equal(ip, 0xffffffff);
	const char *bad[] = { "", "1.2.3", "1.2.3.4.5", "1.2.3.4 ", " 1.2.3.4", "1..3.4",
			      "01.2.3.4", "1.2.3.-4", "+1.2.3.4", "1.2.3.4.", ".1.2.3.4",
			      "256.1.1.1", "1.2.3.4x", "4294967296.1.1.1" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (ipv4_parse(bad[i], &ip))
			fail_msg("`%s' taken as an address", bad[i]);
}

static struct fw_client client(const char *vif, const char *addr, enum fw_action policy,
			       const char *const *rules)
{
	struct fw_client c;
	memset(&c, 0, sizeof(c));
	str_copy(c.vif, vif, sizeof(c.vif));
	assert_true(ipv4_parse(addr, &c.address));
	c.known = true;
	c.policy = policy;
	for (; rules && *rules; rules++)
		c.rules[c.nrules++] = parse_ok(*rules);
	return c;
}

static const char *const alpha_rules[] = {
	"allow tcp to 10.0.2.15 port 8000", "deny tcp port 8001", "allow udp to 10.0.2.0/24",
	"allow tcp port 1000-2000", "deny to 192.168.0.0/16", "allow icmp", NULL,
};

/* alpha with rules, beta without (allow), and one whose rules have not
 * come. */
static void three_clients(struct fw_client c[3])
{
	c[0] = client("vif3.0", "10.137.0.10", FW_DENY, alpha_rules);
	c[1] = client("vif4.0", "10.137.0.11", FW_ALLOW, NULL);
	c[2] = client("vif5.0", "10.137.0.12", FW_ALLOW, NULL);
	c[2].known = false;
}

static void test_table(void **state)
{
	(void)state;
	struct fw_client c[3];
	char why[200] = "";
	three_clients(c);
	char *t = fw_nft_table("eth0", c, 3, NULL, why, sizeof(why));
	assert_non_null(t);
	assert_string_equal(t,
		"table inet bulkhead\n"
		"delete table inet bulkhead\n"
		"table inet bulkhead {\n"
		"\tchain forward {\n"
		"\t\ttype filter hook forward priority filter; policy drop;\n"
		"\t\tct state established,related accept\n"
		"\t\tct state invalid drop\n"
		"\t\toifname != \"eth0\" drop\n"
		"\t\tiifname \"vif3.0\" ip saddr 10.137.0.10 jump c_10_137_0_10\n"
		"\t\tiifname \"vif4.0\" ip saddr 10.137.0.11 jump c_10_137_0_11\n"
		"\t}\n"
		/* The net domain's own services: nothing from an interface that
		 * is neither lo, the uplink nor a client with rules. */
		"\tchain input {\n"
		"\t\ttype filter hook input priority filter; policy drop;\n"
		"\t\tiifname \"lo\" accept\n"
		"\t\tiifname \"eth0\" accept\n"
		"\t\tct state established,related accept\n"
		"\t\tct state invalid drop\n"
		"\t\tiifname \"vif3.0\" ip saddr 10.137.0.10 jump c_10_137_0_10\n"
		"\t\tiifname \"vif4.0\" ip saddr 10.137.0.11 jump c_10_137_0_11\n"
		"\t}\n"
		"\tchain postrouting {\n"
		"\t\ttype nat hook postrouting priority srcnat; policy accept;\n"
		"\t\toifname \"eth0\" masquerade\n"
		"\t}\n"
		"\tchain c_10_137_0_10 {\n"
		"\t\tct original ip daddr 10.0.2.15 tcp dport 8000 accept\n"
		"\t\ttcp dport 8001 reject with icmpx type admin-prohibited\n"
		"\t\tct original ip daddr 10.0.2.0/24 meta l4proto udp accept\n"
		"\t\ttcp dport 1000-2000 accept\n"
		"\t\tct original ip daddr 192.168.0.0/16 reject with icmpx type admin-prohibited\n"
		"\t\tmeta l4proto icmp accept\n"
		"\t\treject with icmpx type admin-prohibited\n"
		"\t}\n"
		"\tchain c_10_137_0_11 {\n"
		"\t\taccept\n"
		"\t}\n"
		"}\n");
	free(t);
}

static const char *const dns_rules[] = { "allow dns", "deny dns", NULL };

/* `nft -c' on TEXT (it parses and checks without loading): its exit status. */
static int nft_check(const char *text)
{
	FILE *p = popen("/usr/sbin/nft -c -f - 2>&1", "w");
	assert_non_null(p);
	fputs(text, p);
	return pclose(p);
}

/* nft itself, where the host has it, checks the table's syntax without
 * loading it (-c); the exact text above is what the test pins. */
static void test_table_nft_accepts(void **state)
{
	(void)state;
	struct fw_client c[3];
	char why[200] = "";
	three_clients(c);
	/* -c still needs netlink to the kernel's nf_tables: where a table
	 * that surely is one is refused, nft cannot check anything here. */
	if (access("/usr/sbin/nft", X_OK) != 0 ||
	    nft_check("table inet probe {\n\tchain c {\n\t\ttype filter hook forward priority 0;\n"
		      "\t}\n}\n")) {
		print_message("nft cannot check tables here: syntax not checked by nft\n");
		skip();
	}
	struct fw_dns d;
	fw_dns_parse("nameserver 10.0.2.3\n", &d);
	char *t = fw_nft_table("eth0", c, 3, &d, why, sizeof(why));
	assert_non_null(t);
	int rc = nft_check(t);
	free(t);
	assert_int_equal(rc, 0);
	t = fw_nft_table("eth0,wlan0", c, 3, &d, why, sizeof(why));
	assert_non_null(t);
	rc = nft_check(t);
	free(t);
	assert_int_equal(rc, 0);
	c[0] = client("vif3.0", "10.137.0.10", FW_DENY, dns_rules);
	t = fw_nft_table("eth0", c, 1, &d, why, sizeof(why));
	assert_non_null(t);
	rc = nft_check(t);
	free(t);
	assert_int_equal(rc, 0);
	t = fw_nft_closed("eth0", why, sizeof(why));
	assert_non_null(t);
	rc = nft_check(t);
	free(t);
	assert_int_equal(rc, 0);
}

static void table_refused(const char *uplink, struct fw_client *c, size_t n, const char *want)
{
	char why[200] = "";
	char *t = fw_nft_table(uplink, c, n, NULL, why, sizeof(why));
	if (t) {
		free(t);
		fail_msg("table made, expected a refusal saying `%s'", want);
	}
	if (!strstr(why, want))
		fail_msg("reason `%s' does not say `%s'", why, want);
}

static void test_table_refused(void **state)
{
	(void)state;
	static struct fw_client c[FIREWALL_CLIENTS_MAX + 1];
	char why[200];
	c[0] = client("vif3.0", "10.137.0.10", FW_ALLOW, NULL);
	c[1] = client("vif4.0", "10.137.0.10", FW_ALLOW, NULL);
	table_refused("eth0", c, 2, "share 10.137.0.10");
	c[1] = client("vif3.0", "10.137.0.11", FW_ALLOW, NULL);
	table_refused("eth0", c, 2, "share a vif");
	static const char *const bad_uplinks[] = {
		"", "eth0\" accept", "abcdefghijklmnop", ",", "eth0,", ",eth0", "eth0,,wlan0",
		"eth0,eth0", "eth0,wlan0,eth0", "a,b,c,d,e", "eth0 wlan0", "eth0,wlan*",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad_uplinks); i++)
		table_refused(bad_uplinks[i], c, 1, "are not 1 to 4 different interface names");
	c[1] = client("vif*", "10.137.0.11", FW_ALLOW, NULL);
	table_refused("eth0", c, 2, "not an interface name");
	c[1] = client("eth0", "10.137.0.11", FW_ALLOW, NULL);
	table_refused("eth0", c, 2, "other than the uplinks");
	c[1] = client("wlan0", "10.137.0.11", FW_ALLOW, NULL);
	table_refused("eth0,wlan0", c, 2, "other than the uplinks");
	c[1] = client("vif4.0", "10.137.0.11", FW_ALLOW, NULL);
	c[1].nrules = FIREWALL_RULES_MAX + 1;
	table_refused("eth0", c, 2, "at most 64 are allowed");

	/* The most clients there may be: taken; one more: not. */
	for (size_t i = 0; i <= FIREWALL_CLIENTS_MAX; i++) {
		char vif[16], addr[16];
		snprintf(vif, sizeof(vif), "vif%zu.0", i + 1);
		snprintf(addr, sizeof(addr), "10.137.0.%zu", i + 2);
		c[i] = client(vif, addr, FW_ALLOW, NULL);
	}
	char *t = fw_nft_table("abcdefghijklmno", c, FIREWALL_CLIENTS_MAX, NULL, why, sizeof(why));
	assert_non_null(t);
	assert_non_null(strstr(t, "jump c_10_137_0_65\n"));
	free(t);
	snprintf(why, sizeof(why), "at most %d are served", FIREWALL_CLIENTS_MAX);
	table_refused("eth0", c, FIREWALL_CLIENTS_MAX + 1, why);
}

/* A wired and a Wi-Fi card: either is a way out, each a set member;
 * names that only begin like an uplink are vifs all the same. */
/* `allow dns': both asked addresses, UDP and TCP, port 53, by the address
 * asked (before the redirect). */
static void test_table_dns_rule(void **state)
{
	(void)state;
	struct fw_client c = client("vif3.0", "10.137.0.10", FW_DENY, dns_rules);
	char why[200] = "";
	char *t = fw_nft_table("eth0", &c, 1, NULL, why, sizeof(why));
	if (!t)
		fail_msg("refused: %s", why);
	assert_contains(t, "\tchain c_10_137_0_10 {\n"
		"\t\tct original ip daddr { 10.139.1.1, 10.139.1.2 } meta l4proto { tcp, udp } "
		"th dport 53 accept\n"
		"\t\tct original ip daddr { 10.139.1.1, 10.139.1.2 } meta l4proto { tcp, udp } "
		"th dport 53 reject with icmpx type admin-prohibited\n");
	free(t);
}

static void test_table_two_uplinks(void **state)
{
	(void)state;
	struct fw_client c[2];
	struct fw_dns d;
	char why[200] = "";
	c[0] = client("vif3.0", "10.137.0.10", FW_ALLOW, NULL);
	c[1] = client("eth", "10.137.0.11", FW_ALLOW, NULL);
	fw_dns_parse("nameserver 10.0.2.3\n", &d);
	char *t = fw_nft_table("eth0,wlan0", c, 2, &d, why, sizeof(why));
	if (!t)
		fail_msg("refused: %s", why);
	assert_contains(t, "\t\toifname != { \"eth0\", \"wlan0\" } drop\n");
	assert_contains(t, "\t\tiifname { \"eth0\", \"wlan0\" } accept\n");
	assert_contains(t, "\t\toifname { \"eth0\", \"wlan0\" } masquerade\n");
	assert_contains(t, "\t\tiifname != { \"eth0\", \"wlan0\" } ip daddr 10.139.1.1 ");
	assert_contains(t, "iifname \"eth\" ip saddr 10.137.0.11 jump");
	free(t);
}

static void test_table_no_clients(void **state)
{
	(void)state;
	char why[200];
	char *t = fw_nft_table("eth0", NULL, 0, NULL, why, sizeof(why));
	assert_non_null(t);
	assert_null(strstr(t, "jump"));
	assert_non_null(strstr(t, "oifname \"eth0\" masquerade"));
	free(t);
}

/* resolv.conf's IPv4 servers, the first two, as written by dhcpcd, by
 * hand or by a hostile: what is not a server line is not one. */
static void test_dns_parse(void **state)
{
	(void)state;
	struct fw_dns d;
	char a[16], b[16];

	fw_dns_parse("# Generated by dhcpcd from eth0.dhcp\ndomain example\n"
		     "nameserver 10.0.2.3\n", &d);
	assert_int_equal(d.n, 1);
	ipv4_format(d.server[0], a);
	assert_string_equal(a, "10.0.2.3");

	fw_dns_parse("nameserver fe80::1\n  nameserver\t192.0.2.1 # first\n"
		     "nameserver 127.0.0.53\nnameserver 0.0.0.0\nnameserver 192.0.2.2;x\n"
		     "nameserver 192.0.2.3\n", &d);
	assert_int_equal(d.n, 2);
	ipv4_format(d.server[0], a);
	ipv4_format(d.server[1], b);
	assert_string_equal(a, "192.0.2.1");
	assert_string_equal(b, "192.0.2.2");

	static const char *const none[] = {
		NULL, "", "nameserver\n", "nameserver \n", "nameservers 192.0.2.1\n",
		"# nameserver 192.0.2.1\n", "nameserver 192.0.2.256\n",
		"nameserver 192.0.2.1.5\n", "nameserver 1234567890123456789\n",
		"search nameserver 192.0.2.1\n", "nameserver192.0.2.1\n",
		"nameserver 127.0.0.1\n",
	};
	for (size_t i = 0; i < ARRAY_SIZE(none); i++) {
		fw_dns_parse(none[i], &d);
		if (d.n)
			fail_msg("`%s' gave %zu servers", none[i] ? none[i] : "(no file)", d.n);
	}
}

/* sys-net, one server: both asked addresses to it.  A net domain behind
 * another (its resolv.conf has the asked addresses): nothing redirected. */
static void test_table_dns(void **state)
{
	(void)state;
	struct fw_client c[3];
	struct fw_dns d;
	char why[200] = "";
	three_clients(c);

	fw_dns_parse("nameserver 10.0.2.3\n", &d);
	char *t = fw_nft_table("eth0", c, 3, &d, why, sizeof(why));
	assert_non_null(t);
	assert_contains(t, "\tchain prerouting {\n"
		"\t\ttype nat hook prerouting priority dstnat; policy accept;\n"
		"\t\tiifname != \"eth0\" ip daddr 10.139.1.1 meta l4proto { tcp, udp } th dport 53 "
		"dnat ip to 10.0.2.3\n"
		"\t\tiifname != \"eth0\" ip daddr 10.139.1.2 meta l4proto { tcp, udp } th dport 53 "
		"dnat ip to 10.0.2.3\n"
		"\t}\n");
	free(t);

	fw_dns_parse("nameserver 192.0.2.1\nnameserver 192.0.2.2\n", &d);
	t = fw_nft_table("eth0", c, 3, &d, why, sizeof(why));
	assert_contains(t, "ip daddr 10.139.1.1 meta l4proto { tcp, udp } th dport 53 dnat ip to 192.0.2.1\n");
	assert_contains(t, "ip daddr 10.139.1.2 meta l4proto { tcp, udp } th dport 53 dnat ip to 192.0.2.2\n");
	free(t);

	fw_dns_parse("nameserver 10.139.1.1\nnameserver 10.139.1.2\n", &d);
	t = fw_nft_table("eth0", c, 3, &d, why, sizeof(why));
	assert_null(strstr(t, "dnat"));
	free(t);

	fw_dns_parse("nameserver 127.0.0.53\n", &d);
	t = fw_nft_table("eth0", c, 3, &d, why, sizeof(why));
	assert_null(strstr(t, "prerouting"));
	free(t);
}

/* The role's effects on fakes: its xenstore, and what it did, in order
 * (`events': f0/f1 forwarding off/on, L a table loaded, x a xenstore read). */
struct fake_net {
	struct fake_xs xs;
	char *table;		/* the last one loaded */
	unsigned loads;
	bool refuse;		/* nft refuses every table */
	bool no_nat;		/* nft refuses a table with dnat */
	bool stuck;		/* forwarding cannot be switched */
	int forwarding;		/* -1: never set */
	char events[256];
};

static void event(struct fake_net *f, const char *e)
{
	size_t len = strlen(f->events);
	snprintf(f->events + len, sizeof(f->events) - len, "%s", e);
}

static char **net_list(void *ctx, const char *rel, unsigned *n)
{
	event(ctx, "x");
	return fake_xs_list(&((struct fake_net *)ctx)->xs, rel, n);
}

static char *net_read(void *ctx, const char *rel)
{
	event(ctx, "x");
	return fake_xs_read(&((struct fake_net *)ctx)->xs, rel);
}

static int net_load(void *ctx, const char *table)
{
	struct fake_net *f = ctx;
	event(f, "L");
	if (f->refuse || (f->no_nat && strstr(table, "dnat")))
		return -1;
	free(f->table);
	f->table = strdup(table);
	f->loads++;
	return 0;
}

static int net_forwarding(void *ctx, bool on)
{
	struct fake_net *f = ctx;
	event(f, on ? "f1" : "f0");
	if (f->stuck)
		return -1;
	f->forwarding = on;
	return 0;
}

static struct fake_net net;
static struct fw_role role;
static const struct fw_effects fx = {
	.list = net_list, .read = net_read, .load = net_load, .forwarding = net_forwarding,
	.ctx = &net,
};

static int role_setup_unstarted(void **state)
{
	(void)state;
	memset(&net, 0, sizeof(net));
	net.forwarding = -1;
	return fw_role_init(&role, "eth0", &fx);
}

/* A role started (closed), as the role is when it reads xenstore; what
 * it loaded so far not counted. */
static int role_setup(void **state)
{
	if (role_setup_unstarted(state) < 0)
		return -1;
	capture_begin();
	int ret = fw_role_start(&role);
	capture_end();
	net.loads = 0;
	return ret;
}

static int role_teardown(void **state)
{
	(void)state;
	fw_role_free(&role);
	fake_xs_free(&net.xs);
	free(net.table);
	return 0;
}

/* One refresh; what it logged. */
static const char *refresh(void)
{
	net.events[0] = '\0';
	capture_begin();
	fw_role_refresh(&role);
	return capture_end();
}

static const char *const web_only[] = { "allow tcp port 443", NULL };

/* The table in force sends ADDRESS's traffic from VIF to its chain. */
static void served(const char *vif, const char *address)
{
	char jump[96];
	snprintf(jump, sizeof(jump), "iifname \"%s\" ip saddr %s jump c_", vif, address);
	if (!strstr(net.table, jump))
		fail_msg("%s %s is not served:\n%s", vif, address, net.table);
}

/* ADDRESS is nowhere in the table in force. */
static void not_served(const char *address)
{
	char saddr[32];
	snprintf(saddr, sizeof(saddr), "saddr %s ", address);
	if (strstr(net.table, saddr))
		fail_msg("%s is served:\n%s", address, net.table);
}

/* resolv.conf's servers go into the next table; the same again is no
 * change; a file that names none takes the redirect away. */
static void test_role_dns(void **state)
{
	(void)state;
	fake_xs_client(&net.xs, 4, "10.137.0.11", "allow", NULL);
	capture_begin();
	bool changed = fw_role_set_dns(&role, "nameserver 10.0.2.3\n");
	const char *log = capture_end();
	assert_true(changed);
	assert_contains(log, "name-servers servers=10.0.2.3");
	refresh();
	assert_contains(net.table, "dnat ip to 10.0.2.3\n");
	capture_begin();
	changed = fw_role_set_dns(&role, "# again\nnameserver 10.0.2.3\n");
	capture_end();
	assert_false(changed);
	capture_begin();
	changed = fw_role_set_dns(&role, NULL);
	log = capture_end();
	assert_true(changed);
	assert_contains(log, "servers=none");
	refresh();
	assert_int_equal(net.loads, 2);
	assert_null(strstr(net.table, "dnat"));
}

/* A kernel that has no dnat: the table without the redirect, so that the
 * domains behind lose their names, not their network. */
static void test_role_dns_refused_alone(void **state)
{
	(void)state;
	net.no_nat = true;
	fake_xs_client(&net.xs, 4, "10.137.0.11", "allow", NULL);
	capture_begin();
	fw_role_set_dns(&role, "nameserver 10.0.2.3\n");
	capture_end();
	const char *log = refresh();
	/* Refused, loaded without, then forwarding. */
	assert_non_null(strstr(net.events, "xLLf1"));
	assert_int_equal(net.loads, 1);
	assert_int_equal(net.forwarding, 1);
	served("vif4.0", "10.137.0.11");
	assert_null(strstr(net.table, "dnat"));
	assert_contains(log, "without the names' redirect");
}

static void test_role_loads_then_forwards(void **state)
{
	(void)state;
	fake_xs_client(&net.xs, 3, "10.137.0.10", "deny", web_only);
	fake_xs_client(&net.xs, 4, "10.137.0.11", "allow", NULL);
	const char *log = refresh();
	assert_int_equal(net.loads, 1);
	assert_int_equal(net.forwarding, 1);
	/* The table first, forwarding after it. */
	assert_non_null(strstr(net.events, "Lf1"));
	served("vif3.0", "10.137.0.10");
	served("vif4.0", "10.137.0.11");
	assert_non_null(strstr(net.table, "\t\ttcp dport 443 accept\n"));
	assert_contains(log, "vif3.0 10.137.0.10: 1 rules, policy deny");
	assert_contains(log, "10.137.0.10 rule 0: allow tcp port 443");

	/* Nothing changed: nothing loaded again. */
	refresh();
	assert_int_equal(net.loads, 1);
	assert_null(strchr(net.events, 'L'));

	/* A rule more: the whole table again. */
	fake_xs_set(&net.xs, "bulkhead/firewall/10-137-0-11/rules/0", "deny udp");
	refresh();
	assert_int_equal(net.loads, 2);
	assert_non_null(strstr(net.table, "\tchain c_10_137_0_11 {\n\t\tmeta l4proto udp reject"));
}

/* Rules missing, unparsable or too many: that client gets nothing through,
 * the others are served. */
static void test_role_bad_rules_stop_that_client(void **state)
{
	(void)state;
	fake_xs_vif(&net.xs, 3, 0, "10.137.0.10");
	fake_xs_client(&net.xs, 4, "10.137.0.11", "deny", web_only);
	fake_xs_client(&net.xs, 5, "10.137.0.12", "allow", NULL);
	fake_xs_set(&net.xs, "bulkhead/firewall/10-137-0-12/rules/0", "allow tcp port 0");
	fake_xs_client(&net.xs, 6, "10.137.0.13", "maybe", NULL);
	fake_xs_client(&net.xs, 7, "10.137.0.14", "allow", NULL);
	for (unsigned i = 0; i <= FIREWALL_RULES_MAX; i++) {
		char path[64];
		snprintf(path, sizeof(path), "bulkhead/firewall/10-137-0-14/rules/%u", i);
		fake_xs_set(&net.xs, path, "allow");
	}
	/* A vif without one address is not served either. */
	fake_xs_vif(&net.xs, 8, 0, "10.137.0.15 10.137.0.16");
	const char *log = refresh();
	assert_int_equal(net.loads, 1);
	served("vif4.0", "10.137.0.11");
	not_served("10.137.0.10");
	not_served("10.137.0.12");
	not_served("10.137.0.13");
	not_served("10.137.0.14");
	not_served("10.137.0.15");
	assert_contains(log, "vif3.0 10.137.0.10: no rules from dom0 yet, nothing goes through");
	assert_contains(log, "10.137.0.12's rule 0 is wrong: `0' is not a port");
	assert_contains(log, "10.137.0.14 has more than 64 rules");
}

/* nft refuses: forwarding stays off, and the next refresh tries again. */
static void test_role_refused_table_keeps_forwarding_off(void **state)
{
	(void)state;
	fake_xs_client(&net.xs, 3, "10.137.0.10", "allow", NULL);
	net.refuse = true;
	const char *log = refresh();
	assert_contains(log, "nft refused the table");
	assert_int_equal(net.forwarding, 0);
	net.refuse = false;
	refresh();
	assert_int_equal(net.loads, 1);
	assert_int_equal(net.forwarding, 1);
}

/* Occurrences of NEEDLE in HAYSTACK. */
static size_t count(const char *haystack, const char *needle)
{
	size_t n = 0;
	for (const char *p = haystack; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* N vifs, vif1.0 to vifN.0, each with an address and rules (allow). */
static void many_clients(size_t n)
{
	for (unsigned i = 1; i <= n; i++) {
		char addr[16];
		snprintf(addr, sizeof(addr), "10.137.%u.%u", i / 200 % 256, i % 200 + 2);
		fake_xs_client(&net.xs, i, addr, "allow", NULL);
	}
}

/* A net domain may serve every other domain there may be: all of them in
 * the table. */
static void test_role_serves_every_domain(void **state)
{
	(void)state;
	many_clients(DOMAINS_MAX - 1);
	const char *log = refresh();
	assert_int_equal(net.loads, 1);
	/* Each client: one jump in forward, one in input. */
	assert_int_equal(count(net.table, " jump c_"), 2 * (DOMAINS_MAX - 1));
	assert_null(strstr(log, "dropped"));
}

/* More vifs than may be served: the ones beyond the bound are dropped, by
 * name, and nothing is written past the role's clients (ASan would say). */
static void test_role_more_vifs_than_the_bound(void **state)
{
	(void)state;
	char what[64];
	many_clients(FIREWALL_CLIENTS_MAX + 3);
	const char *log = refresh();
	assert_int_equal(net.loads, 1);
	assert_int_equal(count(net.table, " jump c_"), 2 * FIREWALL_CLIENTS_MAX);
	for (size_t i = FIREWALL_CLIENTS_MAX + 1; i <= FIREWALL_CLIENTS_MAX + 3; i++) {
		snprintf(what, sizeof(what), "vif%zu.0 ", i);
		assert_contains(log, what);
		snprintf(what, sizeof(what), "vif%zu.0\" ip saddr", i);
		assert_null(strstr(net.table, what));
	}
	snprintf(what, sizeof(what), "more than %d domains", FIREWALL_CLIENTS_MAX);
	assert_int_equal(count(log, what), 3);
	assert_int_equal(count(log, "; dropped"), 3);
}

/* Directory names in backend/vif that libxl does not make: each such vif
 * is dropped by name, and the others are served. */
static void test_role_vif_names_checked(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"backend/vif/x1/0/ip", "backend/vif/3/007/ip", "backend/vif/123456/0/ip",
		"backend/vif/3/1\" accept/ip", "backend/vif/3/-1/ip", "backend/vif/03/0/ip",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		fake_xs_set(&net.xs, bad[i], "10.137.0.20");
	fake_xs_rules(&net.xs, "10.137.0.20", "allow", NULL);
	fake_xs_client(&net.xs, 4, "10.137.0.11", "allow", NULL);
	const char *log = refresh();
	assert_int_equal(net.loads, 1);
	assert_int_equal(count(net.table, " jump c_"), 2);
	served("vif4.0", "10.137.0.11");
	assert_contains(log, "backend/vif/x1 is not a frontend libxl makes");
	assert_contains(log, "backend/vif/03 is not a frontend libxl makes");
	assert_contains(log, "backend/vif/123456 is not a frontend libxl makes");
	assert_contains(log, "backend/vif/3/007 is not a vif libxl makes");
	assert_contains(log, "backend/vif/3/1\" accept is not a vif libxl makes");
	assert_contains(log, "backend/vif/3/-1 is not a vif libxl makes");
}

static const char closed_table[] =
	"table inet bulkhead\n"
	"delete table inet bulkhead\n"
	"table inet bulkhead {\n"
	"\tchain forward {\n"
	"\t\ttype filter hook forward priority filter; policy drop;\n"
	"\t}\n"
	"\tchain input {\n"
	"\t\ttype filter hook input priority filter; policy drop;\n"
	"\t\tiifname \"lo\" accept\n"
	"\t\tiifname \"eth0\" accept\n"
	"\t}\n"
	"}\n";

/* Before anything is read: forwarding off, then the closed table; only
 * then xenstore, and forwarding on after the first table of clients. */
static void test_role_start_closes_before_reading(void **state)
{
	(void)state;
	fake_xs_client(&net.xs, 3, "10.137.0.10", "allow", NULL);
	net.forwarding = 1;	/* as an image may have it */
	capture_begin();
	assert_int_equal(fw_role_start(&role), 0);
	assert_contains(capture_end(), "closed until the rules are read");
	assert_string_equal(net.events, "f0L");
	assert_int_equal(net.forwarding, 0);
	assert_string_equal(net.table, closed_table);

	refresh();
	assert_int_equal(net.events[0], 'x');
	assert_non_null(strstr(net.events, "Lf1"));
	assert_int_equal(net.forwarding, 1);
	served("vif3.0", "10.137.0.10");
}

/* fw_role_start() fails, saying WANT, having done EVENTS. */
static void start_fails(const char *want, const char *events)
{
	net.events[0] = '\0';
	capture_begin();
	int ret = fw_role_start(&role);
	const char *log = capture_end();
	assert_int_equal(ret, -1);
	assert_contains(log, want);
	assert_string_equal(net.events, events);
}

/* Forwarding that cannot be switched off, a closed table that cannot be
 * made or loaded: the role says so and does not go on. */
static void test_role_start_fails_closed(void **state)
{
	(void)state;
	net.stuck = true;
	start_fails("IPv4 forwarding cannot be switched off: stopping here", "f0");
	net.stuck = false;
	net.refuse = true;
	start_fails("nft refused the closed table (above); stopping here", "f0L");
	assert_int_equal(net.forwarding, 0);

	fw_role_free(&role);
	assert_int_equal(fw_role_init(&role, "eth0\" accept", &fx), 0);
	net.refuse = false;
	start_fails("the uplinks `eth0\" accept' are not 1 to 4 different interface names", "f0");
}

/* Vifs that share an address are dropped, each by name, and only they:
 * the others stay in the table, which is loaded. */
static void test_role_clash_dropped_alone(void **state)
{
	(void)state;
	fake_xs_client(&net.xs, 3, "10.137.0.10", "allow", NULL);
	fake_xs_client(&net.xs, 4, "10.137.0.11", "deny", web_only);
	refresh();
	assert_int_equal(net.loads, 1);

	/* Another vif comes with alpha's address; then a third. */
	fake_xs_vif(&net.xs, 5, 0, "10.137.0.10");
	const char *log = refresh();
	assert_int_equal(net.loads, 2);
	served("vif4.0", "10.137.0.11");
	assert_non_null(strstr(net.table, "\tchain c_10_137_0_11 {\n\t\ttcp dport 443 accept\n"));
	not_served("10.137.0.10");
	assert_contains(log, "vif3.0 10.137.0.10: vif5.0 has that address too; dropped");
	assert_contains(log, "vif5.0 10.137.0.10: vif3.0 has that address too; dropped");
	assert_int_equal(count(log, "; dropped"), 2);

	fake_xs_vif(&net.xs, 6, 1, "10.137.0.10");
	fake_xs_client(&net.xs, 7, "10.137.0.12", "allow", NULL);
	log = refresh();
	assert_int_equal(net.loads, 3);
	assert_int_equal(count(net.table, " jump c_"), 4);
	served("vif7.0", "10.137.0.12");
	assert_int_equal(count(log, "; dropped"), 3);
	assert_contains(log, "vif6.1 10.137.0.10: vif3.0 has that address too; dropped");

	/* The clash over (the second vif gone), alpha is served again. */
	fake_xs_free(&net.xs);
	fake_xs_client(&net.xs, 3, "10.137.0.10", "allow", NULL);
	refresh();
	served("vif3.0", "10.137.0.10");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule_parts),
		cmocka_unit_test(test_rule_round_trip),
		cmocka_unit_test(test_rule_errors),
		cmocka_unit_test(test_rule_length),
		cmocka_unit_test(test_policy_and_addresses),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_table_nft_accepts),
		cmocka_unit_test(test_table_refused),
		cmocka_unit_test(test_table_no_clients),
		cmocka_unit_test(test_table_two_uplinks),
		cmocka_unit_test(test_table_dns_rule),
		cmocka_unit_test(test_dns_parse),
		cmocka_unit_test(test_table_dns),
		cmocka_unit_test_setup_teardown(test_role_dns, role_setup, role_teardown),
		cmocka_unit_test_setup_teardown(test_role_dns_refused_alone, role_setup,
						role_teardown),
		cmocka_unit_test_setup_teardown(test_role_loads_then_forwards, role_setup,
						role_teardown),
		cmocka_unit_test_setup_teardown(test_role_bad_rules_stop_that_client, role_setup,
						role_teardown),
		cmocka_unit_test_setup_teardown(test_role_refused_table_keeps_forwarding_off,
						role_setup, role_teardown),
		cmocka_unit_test_setup_teardown(test_role_serves_every_domain, role_setup,
						role_teardown),
		cmocka_unit_test_setup_teardown(test_role_more_vifs_than_the_bound, role_setup,
						role_teardown),
		cmocka_unit_test_setup_teardown(test_role_vif_names_checked, role_setup,
						role_teardown),
		cmocka_unit_test_setup_teardown(test_role_clash_dropped_alone, role_setup,
						role_teardown),
		cmocka_unit_test_setup_teardown(test_role_start_closes_before_reading,
						role_setup_unstarted, role_teardown),
		cmocka_unit_test_setup_teardown(test_role_start_fails_closed, role_setup_unstarted,
						role_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
