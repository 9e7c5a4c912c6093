#include "guest/firewall.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xenstore.h>

#include "proto/agentproto.h"
#include "guest/firewall_role.h"
#include "guest/guestxs.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "lib/util.h"

#define TAG "firewall"
#define NFT "/usr/sbin/nft"
/* Changes come in bursts (a vif's nodes, a rule set): one table for all. */
#define SETTLE_MS 200
/* This domain's name servers (its DHCP client's, or dom0's word for one
 * behind another) are read again this often: a timer rather than inotify,
 * as resolv.conf may be a link, replaced by a rename or written in place,
 * and a small file read every few seconds costs nothing. */
#define RESOLV_CONF "/etc/resolv.conf"
#define RESOLV_POLL_MS 2000
#define RESOLV_MAX 4096

struct firewall {
	struct xs_handle *xs;
	char home[32];		/* /local/domain/DOMID */
	struct fw_role *role;
	struct loop loop;
	struct loop_fd xs_watch;
	struct loop_timer settle;	/* a quiet moment after the last change */
	struct loop_timer resolv;	/* the next look at resolv.conf */
};

/* The string at HOME/REL, or NULL. */
static char *xs_read_rel(void *ctx, const char *rel)
{
	struct firewall *f = ctx;
	char path[192];
	unsigned len = 0;
	snprintf(path, sizeof(path), "%s/%s", f->home, rel);
	return xs_read(f->xs, XBT_NULL, path, &len);
}

static char **xs_list_rel(void *ctx, const char *rel, unsigned *n)
{
	struct firewall *f = ctx;
	char path[192];
	snprintf(path, sizeof(path), "%s/%s", f->home, rel);
	*n = 0;
	return xs_directory(f->xs, XBT_NULL, path, n);
}

int firewall_load(void *ctx, const char *table)
{
	(void)ctx;
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fds[0], 0);
		execl(NFT, "nft", "-f", "-", (char *)NULL);
		log_err(TAG, "cannot run " NFT ": %s", strerror(errno));
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

int firewall_forwarding(void *ctx, bool on)
{
	(void)ctx;
	FILE *p = fopen("/proc/sys/net/ipv4/ip_forward", "we");
	if (!p || fputs(on ? "1\n" : "0\n", p) < 0 || fclose(p) != 0) {
		log_err(TAG, "cannot switch IPv4 forwarding %s: %s", on ? "on" : "off",
			strerror(errno));
		return -1;
	}
	return 0;
}

static int setup(struct firewall *f)
{
	unsigned domid = 0;
	f->xs = guest_xs_open("bulkhead: " TAG, &domid);
	if (!f->xs)
		return -1;
	snprintf(f->home, sizeof(f->home), "/local/domain/%u", domid);
	static const char *const watched[] = { "backend/vif", AGENT_FIREWALL_DIR };
	for (size_t i = 0; i < ARRAY_SIZE(watched); i++) {
		char path[96];
		snprintf(path, sizeof(path), "%s/%s", f->home, watched[i]);
		if (!xs_watch(f->xs, path, watched[i])) {
			log_err(TAG, "cannot watch %s: %s", path, strerror(errno));
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

/* A change: the table waits for a quiet moment after the last one. */
static void xs_ready(struct loop *l, struct loop_fd *w, short revents)
{
	struct firewall *f = w->ctx;

	(void)revents;
	if (!drain(f)) {
		log_err(TAG, "xenstore has gone");
		loop_stop(l, -EPIPE);
		return;
	}
	loop_timer_arm(l, &f->settle, loop_now(l) + SETTLE_MS);	/* two timers: room */
}

/* Then one table for the lot. */
static void settled(struct loop *l, struct loop_timer *t)
{
	struct firewall *f = t->ctx;

	(void)l;
	fw_role_refresh(f->role);
}

/* RESOLV_CONF's first RESOLV_MAX - 1 bytes into BUF, NUL-ended; NULL when
 * it cannot be read (none: no name server). */
static const char *read_resolv(char buf[RESOLV_MAX])
{
	size_t len = 0;
	ssize_t got = 1;
	int fd = open(RESOLV_CONF, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	while (len < RESOLV_MAX - 1 && got > 0) {
		got = read(fd, buf + len, RESOLV_MAX - 1 - len);
		if (got < 0 && errno == EINTR)
			got = 1;
		else if (got > 0)
			len += (size_t)got;
	}
	close(fd);
	buf[len] = '\0';
	return got < 0 ? NULL : buf;
}

/* The name servers as resolv.conf says now; a table at once if they changed. */
static void resolv_due(struct loop *l, struct loop_timer *t)
{
	struct firewall *f = t->ctx;
	char buf[RESOLV_MAX];

	if (fw_role_set_dns(f->role, read_resolv(buf)))
		loop_timer_arm(l, &f->settle, loop_now(l));
	loop_timer_arm(l, t, loop_now(l) + RESOLV_POLL_MS);
}

int firewall_main(int argc, char **argv)
{
	struct firewall f = { .xs = NULL, .settle = { .cb = settled, .ctx = &f },
			      .resolv = { .cb = resolv_due, .ctx = &f } };
	const struct fw_effects fx = {
		.list = xs_list_rel, .read = xs_read_rel, .load = firewall_load,
		.forwarding = firewall_forwarding, .ctx = &f,
	};
	const char *uplinks = "eth0";
	struct fw_role role = { .clients = NULL };
	int ret = 1, rc;

	f.role = &role;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--uplink") == 0 && i + 1 < argc) {
			uplinks = argv[++i];
		} else {
			fprintf(stderr, "usage: bulkhead firewall [--uplink IFACE[,IFACE...]]\n");
			return 2;
		}
	}
	if (fw_role_init(&role, uplinks, &fx) < 0) {
		log_err(TAG, "out of memory");
		goto out;
	}
	/* Closed before anything is read; xenstore comes after. */
	if (fw_role_start(&role) < 0 || setup(&f) < 0)
		goto out;
	f.xs_watch = (struct loop_fd){ .fd = xs_fileno(f.xs), .events = POLLIN, .cb = xs_ready,
				       .ctx = &f };
	rc = loop_init(&f.loop, 1, NULL);
	if (rc == 0)
		rc = loop_fd_add(&f.loop, &f.xs_watch);
	if (rc == 0)
		rc = loop_timer_arm(&f.loop, &f.resolv, loop_now(&f.loop));
	if (rc < 0) {
		log_err(TAG, "cannot set up the event loop: %s", strerror(-rc));
		goto out;
	}
	log_info(TAG, "enforcing the rules of the domains behind %s, uplinks %s", f.home, uplinks);
	rc = loop_run(&f.loop);
	if (rc != -EPIPE)
		log_err(TAG, "poll: %s", strerror(-rc));
out:
	loop_free(&f.loop);
	fw_role_free(&role);
	if (f.xs)
		xs_close(f.xs);
	return ret;
}
