#include "agent/firewall.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xenstore.h>

#include "agent/agentproto.h"
#include "agent/firewall_nft.h"
#include "agent/guestxs.h"
#include "config/firewall_rules.h"
#include "lib/util.h"

#define TAG "bulkhead firewall"
#define NFT "/usr/sbin/nft"
/* Changes come in bursts (a vif's nodes, a rule set): one table for all. */
#define SETTLE_MS 200

struct firewall {
	struct xs_handle *xs;
	char home[32];		/* /local/domain/DOMID */
	const char *uplink;
	char *applied;		/* the table in force; NULL: none yet */
};

/* The string at HOME/REL, or NULL. */
static char *read_rel(struct firewall *f, const char *rel)
{
	char path[192];
	unsigned len = 0;
	snprintf(path, sizeof(path), "%s/%s", f->home, rel);
	return xs_read(f->xs, XBT_NULL, path, &len);
}

static char **list_rel(struct firewall *f, const char *rel, unsigned *n)
{
	char path[192];
	snprintf(path, sizeof(path), "%s/%s", f->home, rel);
	*n = 0;
	return xs_directory(f->xs, XBT_NULL, path, n);
}

/* C's rules from bulkhead/firewall/ADDRESS; C stays "not known" when they
 * are missing or one does not parse (then nothing of C's goes through). */
static void read_rules(struct firewall *f, struct fw_client *c)
{
	char a[16], k[16], rel[96], why[160];
	unsigned n = 0;
	ipv4_format(c->address, a);
	agent_firewall_key(c->address, k);
	snprintf(rel, sizeof(rel), AGENT_FIREWALL_DIR "/%s/policy", k);
	char *policy = read_rel(f, rel);
	bool ok = policy && fw_policy_parse(policy, &c->policy) == 0;
	free(policy);
	snprintf(rel, sizeof(rel), AGENT_FIREWALL_DIR "/%s/rules", k);
	char **keys = ok ? list_rel(f, rel, &n) : NULL;
	/* Rules are numbered 0..n-1; xenstore lists them in any order. */
	for (unsigned i = 0; ok && i < n; i++) {
		char key[128];
		if (i >= FIREWALL_RULES_MAX) {
			fprintf(stderr, TAG ": %s has more than %d rules; none of its traffic goes "
				"through\n", a, FIREWALL_RULES_MAX);
			ok = false;
			break;
		}
		snprintf(key, sizeof(key), "%s/%u", rel, i);
		char *text = read_rel(f, key);
		ok = text && fw_rule_parse(text, &c->rules[i], why, sizeof(why)) == 0;
		if (!ok)
			fprintf(stderr, TAG ": %s's rule %u %s%s; none of its traffic goes through\n",
				a, i, text ? "is wrong: " : "is missing", text ? why : "");
		free(text);
	}
	free(keys);
	c->nrules = ok ? n : 0;
	c->known = ok;
}

/* The vifs in backend/vif/FRONTEND/DEVID, each with its ip.  Returns how
 * many were put into CLIENTS (at most CAP). */
static size_t read_vifs(struct firewall *f, struct fw_client *clients, size_t cap)
{
	unsigned nfe = 0, ndev = 0;
	size_t n = 0;
	char **fes = list_rel(f, "backend/vif", &nfe);
	for (unsigned i = 0; i < nfe; i++) {
		char rel[96];
		snprintf(rel, sizeof(rel), "backend/vif/%s", fes[i]);
		char **devs = list_rel(f, rel, &ndev);
		for (unsigned j = 0; j < ndev; j++) {
			char key[128];
			snprintf(key, sizeof(key), "%s/%s/ip", rel, devs[j]);
			char *ip = read_rel(f, key);
			struct fw_client *c = &clients[n];
			memset(c, 0, sizeof(*c));
			/* A vif without one address (ip= with several, or none)
			 * is not routed by vif-bulkhead, and is not let through. */
			bool ok = ip && ipv4_parse(ip, &c->address);
			free(ip);
			if (!ok || n == cap)
				continue;
			snprintf(c->vif, sizeof(c->vif), "vif%s.%s", fes[i], devs[j]);
			n++;
		}
		free(devs);
	}
	free(fes);
	return n;
}

/* nft -f - with TABLE on its stdin: 0, or -1 (nft said why on stderr). */
static int load(const char *table)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fds[0], 0);
		execl(NFT, "nft", "-f", "-", (char *)NULL);
		fprintf(stderr, TAG ": cannot run " NFT ": %s\n", strerror(errno));
		_exit(127);
	}
	close(fds[0]);
	bool ok = pid > 0 && write_all(fds[1], table, strlen(table));
	close(fds[1]);
	int status = 0;
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return ok && pid > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void forwarding_on(void)
{
	FILE *p = fopen("/proc/sys/net/ipv4/ip_forward", "we");
	if (!p || fputs("1\n", p) < 0 || fclose(p) != 0)
		fprintf(stderr, TAG ": cannot switch IPv4 forwarding on: %s\n", strerror(errno));
	else
		fprintf(stderr, TAG ": IPv4 forwarding on\n");
}

static void report(const struct fw_client *clients, size_t n)
{
	char a[16], text[FIREWALL_RULE_MAX + 1];
	fprintf(stderr, TAG ": table loaded, %zu domains behind this one\n", n);
	for (size_t i = 0; i < n; i++) {
		const struct fw_client *c = &clients[i];
		ipv4_format(c->address, a);
		if (!c->known) {
			fprintf(stderr, TAG ": %s %s: no rules from dom0 yet, nothing goes through\n",
				c->vif, a);
			continue;
		}
		fprintf(stderr, TAG ": %s %s: %zu rules, policy %s\n", c->vif, a, c->nrules,
			fw_action_name(c->policy));
		for (size_t r = 0; r < c->nrules; r++)
			if (fw_rule_format(&c->rules[r], text, sizeof(text)) > 0)
				fprintf(stderr, TAG ": %s rule %zu: %s\n", a, r, text);
	}
}

/* Reads everything again and loads the table if it changed. */
static void refresh(struct firewall *f)
{
	static struct fw_client clients[FIREWALL_CLIENTS_MAX];
	char why[200];
	size_t n = read_vifs(f, clients, FIREWALL_CLIENTS_MAX);
	for (size_t i = 0; i < n; i++)
		read_rules(f, &clients[i]);
	char *table = fw_nft_table(f->uplink, clients, n, why, sizeof(why));
	if (!table) {
		fprintf(stderr, TAG ": cannot make the table: %s; the one in force stays\n", why);
		return;
	}
	if (f->applied && strcmp(f->applied, table) == 0) {
		free(table);
		return;
	}
	if (load(table) < 0) {
		fprintf(stderr, TAG ": nft refused the table (above); the one in force stays\n");
		free(table);
		return;
	}
	report(clients, n);
	if (!f->applied)
		forwarding_on();
	free(f->applied);
	f->applied = table;
}

static int setup(struct firewall *f)
{
	unsigned domid = 0;
	f->xs = guest_xs_open(TAG, &domid);
	if (!f->xs)
		return -1;
	snprintf(f->home, sizeof(f->home), "/local/domain/%u", domid);
	static const char *const watched[] = { "backend/vif", AGENT_FIREWALL_DIR };
	for (size_t i = 0; i < ARRAY_SIZE(watched); i++) {
		char path[96];
		snprintf(path, sizeof(path), "%s/%s", f->home, watched[i]);
		if (!xs_watch(f->xs, path, watched[i])) {
			fprintf(stderr, TAG ": cannot watch %s: %s\n", path, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Takes every pending watch event; false when xenstore has gone. */
static bool drain(struct firewall *f)
{
	char **ev;
	while ((ev = xs_check_watch(f->xs)))
		free(ev);
	return errno == EAGAIN;
}

int firewall_main(int argc, char **argv)
{
	struct firewall f = { .xs = NULL, .uplink = "eth0", .applied = NULL };
	int ret = 1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--uplink") == 0 && i + 1 < argc) {
			f.uplink = argv[++i];
		} else {
			fprintf(stderr, "usage: bulkhead firewall [--uplink IFACE]\n");
			return 2;
		}
	}
	if (setup(&f) < 0)
		goto out;
	fprintf(stderr, TAG ": enforcing the rules of the domains behind %s, uplink %s\n",
		f.home, f.uplink);
	for (;;) {
		struct pollfd p = { .fd = xs_fileno(f.xs), .events = POLLIN };
		/* A quiet moment after a change, then one table for the lot. */
		int timeout = -1;
		for (;;) {
			int r = poll(&p, 1, timeout);
			if (r < 0 && errno != EINTR) {
				fprintf(stderr, TAG ": poll: %s\n", strerror(errno));
				goto out;
			}
			if (r == 0)
				break;
			if (r > 0 && !drain(&f)) {
				fprintf(stderr, TAG ": xenstore has gone\n");
				goto out;
			}
			timeout = SETTLE_MS;
		}
		refresh(&f);
	}
out:
	free(f.applied);
	if (f.xs)
		xs_close(f.xs);
	return ret;
}
