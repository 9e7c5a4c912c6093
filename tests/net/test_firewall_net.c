/* The `firewall' role's tables on real nftables, with real packets: a net
 * domain, the world beyond its uplink and the domains behind it are
 * network namespaces joined by veth pairs, each client's veth set up by
 * guest/vif-bulkhead itself (xenstore faked by tests/net/bin).  The role
 * runs as in a net domain (guest/firewall_role.h) with its real effects
 * (guest/firewall.h: nft -f -, /proc's ip_forward), from this process,
 * which lives in the net domain's namespace; only its xenstore is a fake.
 *
 *   world   up0 10.0.2.2/24 ---- eth0 10.0.2.15/24   netdom (10.137.0.1 on each vif)
 *   alpha   eth0 10.137.0.10 --- vif3.0   rules: its services and the world's port 80
 *   beta    eth0 10.137.0.11 --- vif4.0   no rules: everything allowed
 *   carol   eth0 10.137.0.12 --- vif5.0   no rules from dom0 yet
 *   mallory eth0 10.137.0.19 --- mallory0 (a vifname; xenstore says vif9.0, allow all)
 *
 * The net domain's name server is the world's 10.0.2.2 (port 53): the
 * clients ask 10.139.1.1 and 10.139.1.2 (guest/firewall_nft.h).
 *
 * Needs root (namespaces, nftables); where it cannot make them, every test
 * fails, saying why: a firewall that was not tried has not passed. */
#include "tests/unit/test_helpers.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "guest/firewall.h"
#include "guest/firewall_role.h"
#include "lib/util.h"
#include "tests/unit/fw_fakes.h"

#define NETDOM "10.137.0.1"	/* the net domain's address on its vifs */
#define UPLINK_ADDR "10.0.2.15"
#define WORLD "10.0.2.2"
#define ALPHA "10.137.0.10"
#define BETA "10.137.0.11"
#define CAROL "10.137.0.12"
#define MALLORY "10.137.0.19"
/* How long a probe waits for a connection's answer.  Not an assertion of
 * time: an answer on a veth takes microseconds, a dropped SYN never gets
 * one, and the tests hold for any wait long enough for the first. */
#define ANSWER_MS 2000

struct client {
	const char *ns;		/* its namespace, after the prefix */
	const char *ifname;	/* its interface in the net domain */
	unsigned frontend;	/* backend/vif/FRONTEND/0 in the fake xenstore */
	const char *address;
};

static const struct client clients[] = {
	{ "alpha", "vif3.0", 3, ALPHA },
	{ "beta", "vif4.0", 4, BETA },
	{ "carol", "vif5.0", 5, CAROL },
	/* Named as a `vifname=' would name it: the role knows it as vif9.0. */
	{ "mallory", "mallory0", 9, MALLORY },
};

static char prefix[32];		/* of the namespaces: bhfw-PID */
static char tmp[64];		/* the fake xenstore's files, the UDP logs */
static char broken[512];	/* why the namespaces are not there */
static pid_t servers[16];
static size_t nservers;
static struct fake_xs xs;
static struct fw_role role;

/* Runs the shell command FMT; 0, or -1 said on stderr. */
__attribute__((format(printf, 1, 2))) static int sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	int status = system(cmd);
	if (status == 0)
		return 0;
	fprintf(stderr, "test_firewall_net: `%s' failed (status %d)\n", cmd, status);
	return -1;
}

static int ns_path(const char *ns, char *buf, size_t cap)
{
	return snprintf(buf, cap, "/run/netns/%s-%s", prefix, ns) < (int)cap ? 0 : -1;
}

/* This process (or a child) into namespace NS: 0 or -1. */
static int enter(const char *ns)
{
	char path[96];
	if (ns_path(ns, path, sizeof(path)) < 0)
		return -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int ret = fd >= 0 ? setns(fd, CLONE_NEWNET) : -1;
	if (fd >= 0)
		close(fd);
	return ret;
}

/* Whether this process is in the net domain's namespace: the role's
 * effects must never reach the host's own table or forwarding. */
static bool in_netdom(void)
{
	char path[96];
	struct stat self, want;
	return ns_path("netdom", path, sizeof(path)) == 0 && stat(path, &want) == 0 &&
	       stat("/proc/self/ns/net", &self) == 0 && self.st_ino == want.st_ino &&
	       self.st_dev == want.st_dev;
}

static void sockaddr_of(const char *addr, int port, struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	if (addr)
		inet_pton(AF_INET, addr, &sa->sin_addr);
}

/* In a child: serves TCP PORT (each connection gets "ok") or logs each
 * UDP datagram on PORT, a line, to LOG; says it is ready on READY. */
static void serve(int type, int port, const char *log, int ready)
{
	struct sockaddr_in sa;
	int one = 1;
	int s = socket(AF_INET, type, 0);
	sockaddr_of(NULL, port, &sa);
	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || (type == SOCK_STREAM && listen(s, 16) < 0))
		_exit(1);
	if (write(ready, "r", 1) != 1)
		_exit(1);
	close(ready);
	for (;;) {
		char buf[256];
		if (type == SOCK_STREAM) {
			int c = accept(s, NULL, NULL);
			if (c >= 0 && write(c, "ok\n", 3) < 0)
				_exit(1);
			close(c);
			continue;
		}
		ssize_t n = recv(s, buf, sizeof(buf) - 1, 0);
		int fd = n > 0 ? open(log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600) : -1;
		if (fd >= 0) {
			buf[n] = '\n';
			if (!write_all(fd, buf, (size_t)n + 1))
				_exit(1);
			close(fd);
		}
	}
}

/* A server in NS, listening once this returns: 0 or -1. */
static int start_server(const char *ns, int type, int port)
{
	char log[128], c;
	int p[2];
	snprintf(log, sizeof(log), "%s/udp-%s-%d", tmp, ns, port);
	if (pipe2(p, O_CLOEXEC) < 0 || nservers == ARRAY_SIZE(servers))
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		if (enter(ns) < 0)
			_exit(1);
		serve(type, port, log, p[1]);
	}
	close(p[1]);
	bool ok = pid > 0 && read(p[0], &c, 1) == 1;
	close(p[0]);
	if (pid > 0)
		servers[nservers++] = pid;
	return ok ? 0 : -1;
}

enum reach { OPEN, REFUSED, REJECTED, NO_ANSWER, PROBE_BROKEN };
static const char *const reach_names[] = {
	"open", "refused (no listener)", "rejected (ICMP)", "no answer", "probe broken",
};

/* In a child, in FROM's namespace: a TCP connection to TO:PORT, as its
 * exit status. */
static enum reach connect_from(const char *from, const char *to, int port)
{
	struct sockaddr_in sa;
	int err = 0;
	socklen_t len = sizeof(err);
	struct pollfd p = { .events = POLLOUT };
	if (enter(from) < 0 || (p.fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) < 0)
		return PROBE_BROKEN;
	sockaddr_of(to, port, &sa);
	if (connect(p.fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return OPEN;
	if (errno != EINPROGRESS)
		err = errno;
	else if (poll(&p, 1, ANSWER_MS) == 0)
		return NO_ANSWER;
	else if (getsockopt(p.fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return PROBE_BROKEN;
	if (err == 0)
		return OPEN;
	return err == ECONNREFUSED ? REFUSED : err == EHOSTUNREACH || err == ENETUNREACH ||
	       err == EACCES || err == EPERM ? REJECTED : PROBE_BROKEN;
}

struct probe {
	const char *from, *to;	/* a namespace, an address */
	int port;
	bool open;		/* what must be: open, or anything but */
};

/* All of P at once (each in a child); one failure naming every probe
 * that went otherwise than it must. */
static void expect(const struct probe *p, size_t n)
{
	char report[2048] = "";
	pid_t pid[32];
	assert_true(n <= ARRAY_SIZE(pid));
	for (size_t i = 0; i < n; i++) {
		pid[i] = fork();
		assert_true(pid[i] >= 0);
		if (pid[i] == 0)
			_exit(connect_from(p[i].from, p[i].to, p[i].port));
	}
	for (size_t i = 0; i < n; i++) {
		int status = 0;
		assert_int_equal(waitpid(pid[i], &status, 0), pid[i]);
		enum reach r = WIFEXITED(status) && WEXITSTATUS(status) <= PROBE_BROKEN ?
			(enum reach)WEXITSTATUS(status) : PROBE_BROKEN;
		if (r == PROBE_BROKEN || (r == OPEN) != p[i].open) {
			size_t len = strlen(report);
			snprintf(report + len, sizeof(report) - len, "\n  %s -> %s:%d: %s, must be %s",
				 p[i].from, p[i].to, p[i].port, reach_names[r],
				 p[i].open ? "open" : "closed");
		}
	}
	if (report[0])
		fail_msg("probes went otherwise:%s", report);
}

/* A UDP datagram TOKEN from namespace FROM, with source address SRC (any:
 * IP_TRANSPARENT; NULL: its own), to TO:PORT. */
static void send_udp(const char *from, const char *src, const char *to, int port,
		     const char *token)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct sockaddr_in sa;
		int one = 1;
		int s = enter(from) < 0 ? -1 : socket(AF_INET, SOCK_DGRAM, 0);
		sockaddr_of(src, 0, &sa);
		if (s < 0 || (src && (setsockopt(s, SOL_IP, IP_TRANSPARENT, &one, sizeof(one)) < 0 ||
				      bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)))
			_exit(1);
		sockaddr_of(to, port, &sa);
		_exit(sendto(s, token, strlen(token), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0);
	}
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* Whether the UDP server of NS on PORT got TOKEN. */
static bool got(const char *ns, int port, const char *token)
{
	char path[128], buf[4096];
	snprintf(path, sizeof(path), "%s/udp-%s-%d", tmp, ns, port);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : 0;
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return strstr(buf, token) != NULL;
}

/* Waits until the UDP server of NS on PORT has TOKEN: an event, not a
 * time; the bound only ends a test whose packet will never come. */
static bool arrives(const char *ns, int port, const char *token)
{
	for (int i = 0; i < 200; i++) {
		if (got(ns, port, token))
			return true;
		usleep(25000);
	}
	return false;
}

/* The net domain's xenstore: each client's vif and the net domain's own
 * address; for the role in memory, for vif-bulkhead as files. */
static void base_xenstore(void)
{
	fake_xs_free(&xs);
	fake_xs_set(&xs, "bulkhead/net/address", NETDOM);
	for (size_t i = 0; i < ARRAY_SIZE(clients); i++)
		fake_xs_vif(&xs, clients[i].frontend, 0, clients[i].address);
}

static int dump_xenstore(void)
{
	for (size_t i = 0; i < xs.n; i++) {
		char path[256];
		snprintf(path, sizeof(path), "%s/xs/%s", tmp, xs.node[i].path);
		int fd = mkdir_parents(path, 0700) < 0 ? -1 :
			open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		bool ok = fd >= 0 && write_all(fd, xs.node[i].value, strlen(xs.node[i].value));
		if (fd >= 0)
			close(fd);
		if (!ok)
			return -1;
	}
	return 0;
}

static int make_client(const struct client *c)
{
	const char *p = prefix;
	return sh("ip -n %s-netdom link add %s type veth peer name eth0 netns %s-%s", p, c->ifname,
		  p, c->ns) ||
	       sh("ip -n %s-%s addr add %s/32 dev eth0 && ip -n %s-%s link set eth0 up", p, c->ns,
		  c->address, p, c->ns) ||
	       sh("ip -n %s-%s route add default via " NETDOM " dev eth0 onlink", p, c->ns) ||
	       /* What xl devd does in a net domain when the vif comes. */
	       sh("ip netns exec %s-netdom env vif=%s XENBUS_PATH=backend/vif/%u/0 FAKE_XS=%s/xs "
		  "PATH=\"$PWD/tests/net/bin:$PATH\" sh guest/vif-bulkhead online", p, c->ifname,
		  c->frontend, tmp) ||
	       sh("grep -qx connected %s/xs/backend/vif/%u/0/hotplug-status", tmp, c->frontend);
}

static int make_namespaces(void)
{
	static const char *const all[] = { "netdom", "world", "alpha", "beta", "carol", "mallory" };
	const char *p = prefix;
	for (size_t i = 0; i < ARRAY_SIZE(all); i++)
		if (sh("ip netns add %s-%s && ip -n %s-%s link set lo up", p, all[i], p, all[i]))
			return -1;
	/* Only the firewall may stop a spoofed source, not reverse-path
	 * filtering: the test must see the table do it. */
	if (sh("ip netns exec %s-netdom sh -c 'echo 0 >/proc/sys/net/ipv4/conf/all/rp_filter && "
	       "echo 0 >/proc/sys/net/ipv4/conf/default/rp_filter'", p) ||
	    sh("ip -n %s-netdom link add eth0 type veth peer name up0 netns %s-world", p, p) ||
	    sh("ip -n %s-netdom addr add " UPLINK_ADDR "/24 dev eth0 && "
	       "ip -n %s-netdom link set eth0 up", p, p) ||
	    sh("ip -n %s-world addr add " WORLD "/24 dev up0 && ip -n %s-world link set up0 up", p, p) ||
	    /* Without the role's masquerade the world would answer the
	     * clients: the bed forwards both ways, and only the table stops. */
	    sh("ip -n %s-world route add 10.137.0.0/16 via " UPLINK_ADDR, p))
		return -1;
	base_xenstore();
	if (dump_xenstore() < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(clients); i++)
		if (make_client(&clients[i]) < 0)
			return -1;
	return 0;
}

static int start_servers(void)
{
	static const struct { const char *ns; int type, port; } s[] = {
		{ "netdom", SOCK_STREAM, 8000 }, { "netdom", SOCK_STREAM, 8001 },
		{ "netdom", SOCK_DGRAM, 5300 }, { "world", SOCK_STREAM, 80 },
		{ "world", SOCK_DGRAM, 5353 }, { "world", SOCK_DGRAM, 53 },
		{ "world", SOCK_STREAM, 53 }, { "alpha", SOCK_STREAM, 80 },
		{ "beta", SOCK_STREAM, 80 }, { "carol", SOCK_STREAM, 80 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(s); i++)
		if (start_server(s[i].ns, s[i].type, s[i].port) < 0)
			return -1;
	return 0;
}

static int group_setup(void **state)
{
	(void)state;
	snprintf(prefix, sizeof(prefix), "bhfw%d", (int)getpid());
	strcpy(tmp, "/tmp/bulkhead-net-XXXXXX");
	if (geteuid() != 0)
		snprintf(broken, sizeof(broken), "not root: network namespaces and nftables need it");
	else if (access("/usr/sbin/nft", X_OK) != 0 || access("guest/vif-bulkhead", R_OK) != 0)
		snprintf(broken, sizeof(broken), "no /usr/sbin/nft (Debian's nftables), or not run "
			 "from the top of the tree (guest/vif-bulkhead)");
	else if (!mkdtemp(tmp) || make_namespaces() < 0 || start_servers() < 0)
		snprintf(broken, sizeof(broken), "cannot make the namespaces, veths and servers "
			 "(the command that failed is above)");
	else if (enter("netdom") < 0 || !in_netdom())
		snprintf(broken, sizeof(broken), "cannot enter the net domain's namespace: %s",
			 strerror(errno));
	if (broken[0])
		fprintf(stderr, "test_firewall_net: NOT RUN, counted as failed: %s\n", broken);
	return 0;
}

static int group_teardown(void **state)
{
	static const char *const all[] = { "netdom", "world", "alpha", "beta", "carol", "mallory" };
	(void)state;
	for (size_t i = 0; i < nservers; i++) {
		kill(servers[i], SIGKILL);
		waitpid(servers[i], NULL, 0);
	}
	for (size_t i = 0; i < ARRAY_SIZE(all); i++)
		sh("ip netns del %s-%s 2>/dev/null || true", prefix, all[i]);
	if (tmp[0] && strcmp(tmp, "/tmp/bulkhead-net-XXXXXX") != 0)
		sh("rm -rf %s", tmp);
	fake_xs_free(&xs);
	return 0;
}

/* A fresh role, started (closed), as the net domain's is. */
static int role_setup(void **state)
{
	(void)state;
	static const struct fw_effects fx = {
		.list = fake_xs_list, .read = fake_xs_read, .load = firewall_load,
		.forwarding = firewall_forwarding, .ctx = &xs,
	};
	base_xenstore();
	return fw_role_init(&role, "eth0", &fx);
}

static int role_teardown(void **state)
{
	(void)state;
	fw_role_free(&role);
	return 0;
}

/* Every test starts here: the namespaces are there, and this process is
 * in the net domain's. */
static void ready(void)
{
	if (broken[0])
		fail_msg("NOT RUN: %s", broken);
	assert_true(in_netdom());
}

static int forwarding(void)
{
	char c = '?';
	int fd = open("/proc/sys/net/ipv4/ip_forward", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(read(fd, &c, 1), 1);
	close(fd);
	return c - '0';
}

static void set_forwarding(int on)
{
	assert_true(in_netdom());
	assert_int_equal(firewall_forwarding(NULL, on), 0);
}

static const char *const alpha_rules[] = {
	"allow tcp to " NETDOM " port 8000", "allow tcp to " WORLD " port 80",
	"allow udp to " WORLD " port 5353",
	/* Names by the second server only; the first's redirect goes to the
	 * world's server too, but a rule sees the address asked. */
	"allow udp to 10.139.1.2 port 53", "allow udp to " WORLD " port 53", NULL,
};

/* The clients' rules as dom0 writes them (carol's have not come), then
 * the role's table. */
static void serve_clients(void)
{
	fake_xs_rules(&xs, ALPHA, "deny", alpha_rules);
	fake_xs_rules(&xs, BETA, "allow", NULL);
	fake_xs_rules(&xs, MALLORY, "allow", NULL);
	capture_begin();
	fw_role_refresh(&role);
	const char *log = capture_end();
	if (!role.applied)
		fail_msg("no table loaded: %s", log);
	assert_int_equal(forwarding(), 1);
}

/* The net domain as an image may leave it: no table, forwarding on. */
static void open_bed(void)
{
	assert_int_equal(sh("ip netns exec %s-netdom nft flush ruleset", prefix), 0);
	set_forwarding(1);
}

/* Before the first table of clients nothing is forwarded and no vif
 * reaches the net domain: though the image forwarded and had no table,
 * and though forwarding is switched on behind the role's back. */
static void test_closed_before_the_first_table(void **state)
{
	(void)state;
	ready();
	open_bed();
	/* Without the role, the bed forwards: what follows is the role's. */
	static const struct probe open[] = {
		{ "alpha", WORLD, 80, true }, { "mallory", NETDOM, 8000, true },
		{ "alpha", BETA, 80, true },
	};
	expect(open, ARRAY_SIZE(open));

	capture_begin();
	int started = fw_role_start(&role);
	const char *log = capture_end();
	if (started < 0)
		fail_msg("the role did not start: %s", log);
	assert_int_equal(forwarding(), 0);
	static const struct probe closed[] = {
		{ "alpha", WORLD, 80, false }, { "beta", WORLD, 80, false },
		{ "alpha", NETDOM, 8000, false }, { "beta", UPLINK_ADDR, 8001, false },
		{ "mallory", NETDOM, 8000, false }, { "alpha", BETA, 80, false },
	};
	expect(closed, ARRAY_SIZE(closed));
	set_forwarding(1);
	expect(closed, ARRAY_SIZE(closed));

	/* The first table of clients opens what their rules allow. */
	set_forwarding(0);
	serve_clients();
	static const struct probe served[] = {
		{ "alpha", WORLD, 80, true }, { "beta", WORLD, 80, true },
	};
	expect(served, ARRAY_SIZE(served));
}

/* The net domain's own services: a client reaches what its rules allow
 * (by any of the net domain's addresses), a client without rules and an
 * interface that is no client's reach nothing, and no client reaches
 * another. */
static void test_rules_and_names_decide(void **state)
{
	(void)state;
	ready();
	assert_int_equal(fw_role_start(&role), 0);
	serve_clients();
	static const struct probe p[] = {
		/* alpha: its rules, then deny. */
		{ "alpha", NETDOM, 8000, true }, { "alpha", NETDOM, 8001, false },
		{ "alpha", UPLINK_ADDR, 8000, false }, { "alpha", WORLD, 80, true },
		/* beta: no rules, allow: the net domain's services are up. */
		{ "beta", NETDOM, 8001, true }, { "beta", UPLINK_ADDR, 8000, true },
		{ "beta", WORLD, 80, true },
		/* carol: no rules from dom0 yet. */
		{ "carol", NETDOM, 8000, false }, { "carol", WORLD, 80, false },
		/* mallory: a vif named otherwise, though xenstore allows all. */
		{ "mallory", NETDOM, 8000, false }, { "mallory", NETDOM, 8001, false },
		{ "mallory", UPLINK_ADDR, 8000, false }, { "mallory", WORLD, 80, false },
		{ "mallory", ALPHA, 80, false },
		/* No client reaches another, allowed all or not. */
		{ "alpha", BETA, 80, false }, { "beta", ALPHA, 80, false },
		{ "beta", CAROL, 80, false }, { "carol", BETA, 80, false },
	};
	expect(p, ARRAY_SIZE(p));
}

/* A source address that is not the vif's client's goes nowhere, though
 * it is that of a client allowed everything (beta), and though alpha's
 * own rules allow the destination. */
static void test_spoofed_source_dropped(void **state)
{
	char token[64];
	(void)state;
	ready();
	/* Without the role, alpha's datagrams as beta do get there. */
	open_bed();
	snprintf(token, sizeof(token), "spoofed-before-%d", (int)getpid());
	send_udp("alpha", BETA, WORLD, 5353, token);
	send_udp("alpha", BETA, NETDOM, 5300, token);
	assert_true(arrives("world", 5353, token));
	assert_true(arrives("netdom", 5300, token));

	assert_int_equal(fw_role_start(&role), 0);
	serve_clients();
	snprintf(token, sizeof(token), "spoofed-after-%d", (int)getpid());
	send_udp("alpha", BETA, WORLD, 5353, token);
	send_udp("alpha", BETA, NETDOM, 5300, token);
	/* Then what is allowed, on the same ways: once it is there, the
	 * spoofed datagrams sent before it would have been too. */
	send_udp("alpha", NULL, WORLD, 5353, "alpha-itself");
	send_udp("beta", NULL, NETDOM, 5300, "beta-itself");
	assert_true(arrives("world", 5353, "alpha-itself"));
	assert_true(arrives("netdom", 5300, "beta-itself"));
	assert_false(got("world", 5353, token));
	assert_false(got("netdom", 5300, token));
}

/* A vif with alpha's address too (its domain not there yet): alpha and
 * it are dropped, the others are served by a new table. */
static void test_clash_drops_only_the_clashing(void **state)
{
	(void)state;
	ready();
	assert_int_equal(fw_role_start(&role), 0);
	fake_xs_vif(&xs, 6, 0, ALPHA);
	serve_clients();
	static const struct probe p[] = {
		{ "alpha", WORLD, 80, false }, { "alpha", NETDOM, 8000, false },
		{ "beta", WORLD, 80, true }, { "beta", NETDOM, 8001, true },
	};
	expect(p, ARRAY_SIZE(p));
}

/* What the clients send to the asked name servers reaches the net
 * domain's own (UDP and TCP), as their rules allow by the address asked;
 * a client without rules gets nothing through; the server gone from
 * resolv.conf, nothing is redirected. */
static void test_names_go_to_the_servers(void **state)
{
	char token[64];
	(void)state;
	ready();
	assert_int_equal(fw_role_start(&role), 0);
	capture_begin();
	fw_role_set_dns(&role, "nameserver " WORLD "\n");
	capture_end();
	serve_clients();
	send_udp("beta", NULL, "10.139.1.1", 53, "beta-asks-first");
	send_udp("beta", NULL, "10.139.1.2", 53, "beta-asks-second");
	send_udp("alpha", NULL, "10.139.1.1", 53, "alpha-asks-first");
	send_udp("carol", NULL, "10.139.1.2", 53, "carol-asks-second");
	send_udp("alpha", NULL, "10.139.1.2", 53, "alpha-asks-second");
	assert_true(arrives("world", 53, "beta-asks-first"));
	assert_true(arrives("world", 53, "beta-asks-second"));
	assert_true(arrives("world", 53, "alpha-asks-second"));
	/* Sent before alpha's second: it would be there by now. */
	assert_false(got("world", 53, "alpha-asks-first"));
	assert_false(got("world", 53, "carol-asks-second"));
	static const struct probe tcp[] = {
		{ "beta", "10.139.1.1", 53, true }, { "beta", "10.139.1.2", 53, true },
		{ "alpha", "10.139.1.2", 53, false }, { "carol", "10.139.1.1", 53, false },
	};
	expect(tcp, ARRAY_SIZE(tcp));

	/* `allow dns' alone under a policy deny: names by either address,
	 * and nothing else. */
	static const char *const names_only[] = { "allow dns", NULL };
	fake_xs_free(&xs);
	base_xenstore();
	fake_xs_rules(&xs, ALPHA, "deny", names_only);
	fake_xs_rules(&xs, BETA, "allow", NULL);
	capture_begin();
	fw_role_refresh(&role);
	capture_end();
	send_udp("alpha", NULL, WORLD, 5353, "alpha-names-only-world");
	send_udp("alpha", NULL, "10.139.1.1", 53, "alpha-names-only");
	assert_true(arrives("world", 53, "alpha-names-only"));
	assert_false(got("world", 5353, "alpha-names-only-world"));
	static const struct probe names[] = {
		{ "alpha", "10.139.1.1", 53, true }, { "alpha", "10.139.1.2", 53, true },
		{ "alpha", WORLD, 53, false }, { "alpha", WORLD, 80, false },
	};
	expect(names, ARRAY_SIZE(names));

	capture_begin();
	fw_role_set_dns(&role, "nameserver 127.0.0.53\n");
	fw_role_refresh(&role);
	capture_end();
	snprintf(token, sizeof(token), "beta-asks-none-%d", (int)getpid());
	send_udp("beta", NULL, "10.139.1.1", 53, token);
	send_udp("beta", NULL, WORLD, 53, "beta-asks-world");
	assert_true(arrives("world", 53, "beta-asks-world"));
	assert_false(got("world", 53, token));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_closed_before_the_first_table, role_setup,
						role_teardown),
		cmocka_unit_test_setup_teardown(test_rules_and_names_decide, role_setup,
						role_teardown),
		cmocka_unit_test_setup_teardown(test_spoofed_source_dropped, role_setup,
						role_teardown),
		cmocka_unit_test_setup_teardown(test_clash_drops_only_the_clashing, role_setup,
						role_teardown),
		cmocka_unit_test_setup_teardown(test_names_go_to_the_servers, role_setup,
						role_teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
