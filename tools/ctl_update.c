#include "tools/ctl_update.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config/domain_config.h"
#include "lib/util.h"
#include "proto/domstate.h"
#include "tools/ctl.h"

#define TAG "bulkhead ctl: update"

/* apt as a person at the template's terminal would run it, without the
 * questions: a configuration file the root changed is kept (confold), and
 * an index that cannot be fetched is an error, not a warning (error-on). */
#define APT "apt-get -q "
#define UPGRADE "export DEBIAN_FRONTEND=noninteractive; " \
	APT "--error-on=any update && " \
	APT "-y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold full-upgrade"
#define CLEAN " && " APT "clean && sync"

static bool all_of(const char *s, size_t n, const char *set)
{
	for (size_t i = 0; i < n; i++)
		if (!strchr(set, s[i]))
			return false;
	return n > 0;
}

#define LOWER_DIGITS "abcdefghijklmnopqrstuvwxyz0123456789"

/* Debian's package name (policy 5.6.1), then :ARCH, then =VERSION or
 * /RELEASE, as apt-get install takes them: nothing a shell reads as more. */
static bool package_ok(const char *p)
{
	size_t name = strspn(p, LOWER_DIGITS "+.-");
	if (name < 2 || !strchr(LOWER_DIGITS, p[0]))
		return false;
	p += name;
	if (*p == ':') {
		size_t arch = strspn(p + 1, LOWER_DIGITS "-");
		if (!arch)
			return false;
		p += 1 + arch;
	}
	if (*p == '=')
		return all_of(p + 1, strlen(p + 1),
			      LOWER_DIGITS "ABCDEFGHIJKLMNOPQRSTUVWXYZ.+~:-");
	if (*p == '/')
		return all_of(p + 1, strlen(p + 1), LOWER_DIGITS ".-");
	return *p == '\0';
}

bool ctl_update_command(char *const *packages, size_t n, char *out, size_t cap,
			const char **why, const char **bad)
{
	*bad = NULL;
	for (size_t i = 0; i < n; i++) {
		if (!package_ok(packages[i])) {
			*bad = packages[i];
			*why = "is not a package's name (lower-case letters, digits and + . -, "
			       "then maybe :ARCH, =VERSION or /RELEASE)";
			return false;
		}
	}
	size_t len = (size_t)snprintf(out, cap, "%s", UPGRADE);
	if (n && len < cap)
		len += (size_t)snprintf(out + len, cap - len, " && " APT "-y install");
	for (size_t i = 0; i < n && len < cap; i++)
		len += (size_t)snprintf(out + len, cap - len, " %s", packages[i]);
	if (len < cap)
		len += (size_t)snprintf(out + len, cap - len, "%s", CLEAN);
	if (len >= cap || len > DISPOSABLE_COMMAND_MAX) {
		*why = "makes apt's command longer than a domain takes (1024 bytes): "
		       "install the rest with another update";
		*bad = n ? packages[n - 1] : "";
		return false;
	}
	return true;
}

static const struct ctl_domain_info *find(const struct ctl_domain_info *doms, size_t n,
					  const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(doms[i].name, name) == 0)
			return &doms[i];
	return NULL;
}

/* NAME's entry, fresh, into *D: 1, 0 when it is not configured (said),
 * -1 when the manager could not be asked. */
static int look_up(const struct ctl_update_ops *ops, void *ctx, const char *name,
		   struct ctl_domain_info *doms, struct ctl_domain_info *d, FILE *err)
{
	ssize_t n = ops->list(ctx, doms);
	if (n < 0)
		return -1;
	const struct ctl_domain_info *found = find(doms, (size_t)n, name);
	if (found) {
		*d = *found;
		return 1;
	}
	const char *names[DOMAINS_MAX];
	for (ssize_t i = 0; i < n; i++)
		names[i] = doms[i].name;
	const char *near = name_closest(name, names, (size_t)n);
	fprintf(err, TAG ": no domain \"%s\" is configured%s%s%s\n", name,
		near ? " (did you mean \"" : "", near ? near : "", near ? "\"?)" : "");
	return 0;
}

/* Whether D has a root apt may change: a template's or a standalone's. */
static bool updatable(const struct ctl_domain_info *d, FILE *err)
{
	if (d->class == CLASS_TEMPLATE || d->class == CLASS_STANDALONE)
		return true;
	if (d->template_name[0])
		fprintf(err, TAG ": %s runs on the root of its template, %s, and loses what "
			"changes its root when it stops: update %s (bulkhead ctl update %s)\n",
			d->name, d->template_name, d->template_name, d->template_name);
	else
		fprintf(err, TAG ": %s is a domain of class %s without a template: it has no "
			"Debian root of its own to update (only a template or a standalone "
			"domain has)\n", d->name, domain_class_names[d->class]);
	return false;
}

/* Until NAME is stopped (or failed, or gone from the files): 0, 1 when
 * it is not after the waits (said), -1 (the manager). */
static int wait_stopped(const struct ctl_update_ops *ops, void *ctx, const char *name,
			struct ctl_domain_info *doms, FILE *err)
{
	for (int i = 0; i < CTL_UPDATE_STOP_WAITS; i++) {
		ssize_t n = ops->list(ctx, doms);
		if (n < 0)
			return -1;
		const struct ctl_domain_info *d = find(doms, (size_t)n, name);
		if (!d || d->state == DOM_STOPPED || d->state == DOM_FAILED)
			return 0;
		ops->pause(ctx, CTL_UPDATE_WAIT_MS);
	}
	fprintf(err, TAG ": %s did not stop within %d s; its domains take the new root only "
		"once it has (bulkhead ctl list)\n", name,
		CTL_UPDATE_STOP_WAITS * CTL_UPDATE_WAIT_MS / 1000);
	return 1;
}

/* The domains of TEMPLATE's root that run an older one, to OUT. */
static void say_old_roots(const struct ctl_domain_info *doms, size_t n, const char *template,
			  FILE *out)
{
	size_t old = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(doms[i].template_name, template) != 0 ||
		    !(doms[i].config & CTL_CONFIG_OLD_ROOT))
			continue;
		fprintf(out, "%s%s", old++ ? ", " : "; running an older one until they start again: ",
			doms[i].name);
	}
	fprintf(out, "\n");
}

int ctl_update(const struct ctl_update_ops *ops, void *ctx, int argc, char **argv, FILE *out,
	       FILE *err)
{
	static struct ctl_domain_info doms[DOMAINS_MAX];
	struct ctl_domain_info d;
	char command[DISPOSABLE_COMMAND_MAX + 1];
	const char *why, *bad;

	if (argc < 1) {
		fprintf(err, TAG ": the template to update is missing (bulkhead ctl update NAME "
			"[PACKAGE...])\n");
		return 2;
	}
	const char *name = argv[0];
	if (!ctl_update_command(argv + 1, (size_t)argc - 1, command, sizeof(command), &why, &bad)) {
		fprintf(err, TAG ": \"%s\" %s\n", bad, why);
		return 2;
	}
	int rc = look_up(ops, ctx, name, doms, &d, err);
	if (rc <= 0)
		return rc < 0 ? 3 : 1;
	if (!updatable(&d, err))
		return 1;
	if (d.state == DOM_STOPPING || d.state == DOM_DESTROYING) {
		fprintf(out, TAG ": %s is stopping: waiting for it\n", name);
		if ((rc = wait_stopped(ops, ctx, name, doms, err)) != 0)
			return rc < 0 ? 3 : 1;
		d.state = DOM_STOPPED;
	}
	bool was_up = d.state == DOM_RUNNING || d.state == DOM_CREATING;
	if (!was_up && d.state != DOM_STOPPED && d.state != DOM_FAILED) {
		fprintf(err, TAG ": %s is %s: update it once it runs or is stopped%s\n", name,
			domain_state_name(d.state),
			d.state == DOM_PAUSED ? " (bulkhead ctl unpause)" : "");
		return 1;
	}
	fprintf(out, TAG ": %s%s: %s\n", was_up ? "" : "starting ", name, command);
	fflush(out);
	int status = ops->run(ctx, name, command);
	if (status != 0)
		fprintf(err, TAG ": apt in %s ended with status %d%s\n", name, status,
			status == 126 ? " (the call was refused, above)" : " (its output above)");
	if (was_up) {
		fprintf(out, TAG ": %s still runs: its domains take its new root once it has "
			"stopped and they start again\n", name);
		return status;
	}
	fprintf(out, TAG ": stopping %s\n", name);
	fflush(out);
	if (ops->stop(ctx, name) < 0)
		return status ? status : 1;
	if ((rc = wait_stopped(ops, ctx, name, doms, err)) != 0)
		return status ? status : rc < 0 ? 3 : 1;
	ssize_t n = ops->list(ctx, doms);
	if (n < 0)
		return status ? status : 3;
	fprintf(out, TAG ": %s %s; its domains take its root at their next start", name,
		status ? "stopped" : "is up to date and stopped");
	say_old_roots(doms, (size_t)n, name, out);
	return status;
}

/* The real OPS: the manager's socket, `bulkhead ctl run' as a child. */
struct manager {
	const char *socket;
};

static ssize_t real_list(void *ctx, struct ctl_domain_info *doms)
{
	struct manager *m = ctx;
	struct ctl_request req = { .type = CTL_REQ_DOMAINS };
	const uint8_t *payload;
	size_t plen, n;
	const char *why;
	if (ctl_ask(m->socket, &req, CTL_REP_DOMAINS, &payload, &plen) != 0)
		return -1;
	if (ctl_decode_domains(payload, plen, doms, DOMAINS_MAX, &n, &why) < 0) {
		fprintf(stderr, TAG ": malformed answer from the domain manager: %s\n", why);
		return -1;
	}
	return (ssize_t)n;
}

static int real_stop(void *ctx, const char *name)
{
	struct manager *m = ctx;
	struct ctl_request req = { .type = CTL_REQ_DOMAIN, .op = CTL_DOMAIN_STOP };
	const uint8_t *payload;
	size_t plen;
	str_copy(req.name, name, sizeof(req.name));
	return ctl_ask(m->socket, &req, CTL_REP_OK, &payload, &plen) == 0 ? 0 : -1;
}

static int real_run(void *ctx, const char *name, const char *command)
{
	struct manager *m = ctx;
	char *argv[] = { "bulkhead", "ctl", "--socket", (char *)m->socket, "run", (char *)name,
			 "--pass-io", (char *)command, NULL };
	/* Ctrl-C is the child's (the relay's end, 130): the template is
	 * still stopped after it. */
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_int, old_quit;
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGQUIT, &old_quit, NULL);
		execv("/proc/self/exe", argv);
		fprintf(stderr, TAG ": cannot run bulkhead ctl run: %s\n", strerror(errno));
		_exit(126);
	}
	int status = 0;
	if (pid < 0)
		fprintf(stderr, TAG ": fork: %s\n", strerror(errno));
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	if (pid < 0)
		return 126;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void real_pause(void *ctx, unsigned ms)
{
	(void)ctx;
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int ctl_update_main(int argc, char **argv)
{
	static const struct ctl_update_ops ops = { real_list, real_stop, real_run, real_pause };
	struct manager m = { .socket = CTL_DOMAINS_SOCKET };
	int i = 1;
	if (i + 1 < argc && strcmp(argv[i], "--socket") == 0) {
		m.socket = argv[i + 1];
		i += 2;
	}
	if (i >= argc || strcmp(argv[i], "update") != 0) {
		fprintf(stderr, "usage: bulkhead ctl [--socket PATH] update NAME [PACKAGE...]\n");
		return 2;
	}
	i++;
	return ctl_update(&ops, &m, argc - i, argv + i, stdout, stderr);
}
