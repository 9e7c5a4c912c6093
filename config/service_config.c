#include "config/service_config.h"

#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfgfile.h"
#include "lib/confine.h"
#include "lib/log.h"
#include "lib/util.h"

const char *const restart_policy_names[] = { "always", "on-failure", "never", NULL };
static const char *const service_types[] = { "daemon", "oneshot", NULL };

static const char *const service_keys[] = {
	"name", "command", "type", "restart", "depends", "ready_fd", "ready_check",
	"ready_timeout_ms",
	"stop_grace_ms", "start_limit_burst", "start_limit_interval_ms", "backoff_max_ms",
	"oom_score_adj", "user", "group", "capabilities", "no_new_privs", "seccomp", "when_cmdline",
	NULL,
};

/* The default name is the file's, without ".cfg". */
static void default_name(const char *path, char *name, size_t n)
{
	char buf[4096];
	str_copy(buf, path, sizeof(buf));
	char *base = basename(buf);
	size_t len = strlen(base);
	if (len > 4 && strcmp(base + len - 4, ".cfg") == 0)
		base[len - 4] = '\0';
	str_copy(name, base, n);
}

static void read_name(struct cfgfile *cfg, struct service_config *svc)
{
	const char *name = NULL;
	int r = cfg_get_string(cfg, "name", &name);
	if (r < 0)
		return;
	if (r == 1) {
		default_name(cfg->path, svc->name, sizeof(svc->name));
		name = svc->name;
	}
	if (!name_is_valid(name, strlen(name), SERVICE_NAME_MAX)) {
		cfg_error(cfg, r == 0 ? "name" : NULL,
			  "service name \"%s\" is not allowed; use 1 to %d of a-z, 0-9, '-', '_', "
			  "starting with a letter or digit", name, SERVICE_NAME_MAX);
		return;
	}
	str_copy(svc->name, name, sizeof(svc->name));
}

/* A command line: a non-empty list whose first item is an absolute path. */
static int read_argv(struct cfgfile *cfg, const char *key, char ***argv)
{
	size_t n = 0;
	int r = cfg_get_strv(cfg, key, SERVICE_ARGV_MAX, 4096, argv, &n);
	if (r == 0 && n == 0) {
		cfg_error(cfg, key, "`%s' is empty; give the program's absolute path first", key);
		return -1;
	}
	if (r == 0 && (*argv)[0][0] != '/') {
		cfg_error(cfg, key, "%s starts with \"%s\"; the program must be an absolute path",
			  key, (*argv)[0]);
		return -1;
	}
	return r;
}

static void read_command(struct cfgfile *cfg, struct service_config *svc)
{
	if (read_argv(cfg, "command", &svc->argv) == 1)
		cfg_error(cfg, NULL, "`command' is missing; write command = [ \"/absolute/path\", \"arg\", ... ]");
}

/* Readiness: a fd, a check command, or neither (ready when it runs);
 * a oneshot is ready when it is done and takes none of them. */
static void check_readiness(struct cfgfile *cfg, struct service_config *svc)
{
	if (svc->ready_fd >= 0 && svc->ready_check)
		cfg_error(cfg, "ready_check", "`ready_fd' and `ready_check' exclude each other; "
			  "keep the one the program supports");
	if (svc->oneshot && (svc->ready_fd >= 0 || svc->ready_check))
		cfg_error(cfg, svc->ready_check ? "ready_check" : "ready_fd",
			  "a oneshot service is ready when it exits 0; remove `%s'",
			  svc->ready_check ? "ready_check" : "ready_fd");
	if (svc->ready_timeout_ms && svc->ready_fd < 0 && !svc->ready_check && !svc->oneshot)
		cfg_error(cfg, "ready_timeout_ms", "`ready_timeout_ms' needs `ready_fd' or "
			  "`ready_check': without them the service is ready when it runs");
}

static void read_depends(struct cfgfile *cfg, struct service_config *svc)
{
	int r = cfg_get_strv(cfg, "depends", SERVICE_DEPENDS_MAX, SERVICE_NAME_MAX,
			     &svc->depends, &svc->ndepends);
	if (r != 0)
		return;
	svc->depends_line = cfg_key_line(cfg, "depends");
	for (size_t i = 0; i < svc->ndepends; i++) {
		const char *d = svc->depends[i];
		if (!name_is_valid(d, strlen(d), SERVICE_NAME_MAX))
			cfg_error(cfg, "depends", "\"%s\" in `depends' is not a service name", d);
		else if (strcmp(d, svc->name) == 0)
			cfg_error(cfg, "depends", "service \"%s\" depends on itself", d);
	}
}

/* Words of the kernel's command line: no blank inside one. */
static void read_when_cmdline(struct cfgfile *cfg, struct service_config *svc)
{
	if (cfg_get_strv(cfg, "when_cmdline", SERVICE_WHEN_MAX, CMDLINE_WORD_MAX,
			 &svc->when_cmdline, &svc->nwhen_cmdline) != 0)
		return;
	for (size_t i = 0; i < svc->nwhen_cmdline; i++) {
		const char *w = svc->when_cmdline[i];
		if (w[strcspn(w, " \t\n")])
			cfg_error(cfg, "when_cmdline", "\"%s\" in `when_cmdline' is not one word of "
				  "the kernel's command line (e.g. \"bulkhead.class=net\")", w);
	}
}

static void read_ms(struct cfgfile *cfg, const char *key, long min, long max, uint32_t *out)
{
	long v;
	if (cfg_get_long(cfg, key, min, max, &v) == 0)
		*out = (uint32_t)v;
}

/* `user' and `group': names (from /etc/passwd, /etc/group) or numbers; a
 * user alone brings its primary group (a number: the same number). */
static void read_ids(struct cfgfile *cfg, struct service_config *svc)
{
	const char *user = NULL, *group = NULL;
	struct confine *c = &svc->confine;

	if (cfg_get_string(cfg, "user", &user) == 0) {
		int r = confine_user(user, "/etc/passwd", &c->uid, &c->gid);
		if (r < 0)
			cfg_error(cfg, "user", "user \"%s\" %s; write a number (uid) or a name in "
				  "/etc/passwd", user, r == -ENOENT ? "is not in /etc/passwd"
				  : "is neither a number nor a user name");
		c->set_ids = r == 0;
	}
	if (cfg_get_string(cfg, "group", &group) == 0) {
		if (!user) {
			cfg_error(cfg, "group", "`group' without `user'; add user = \"...\" "
				  "(a group alone would run the service as root in that group)");
			return;
		}
		int r = confine_group(group, "/etc/group", &c->gid);
		if (r < 0)
			cfg_error(cfg, "group", "group \"%s\" %s; write a number (gid) or a name in "
				  "/etc/group", group, r == -ENOENT ? "is not in /etc/group"
				  : "is neither a number nor a group name");
	}
}

/* `capabilities': names such as "net_admin" or "CAP_NET_ADMIN", or "all". */
static void read_caps(struct cfgfile *cfg, struct service_config *svc)
{
	char **caps = NULL;
	size_t n = 0;

	if (cfg_get_strv(cfg, "capabilities", CONFINE_CAP_LAST + 2, 64, &caps, &n) != 0)
		return;
	for (size_t i = 0; i < n; i++) {
		int cap = confine_cap_from_name(caps[i]);
		if (strcmp(caps[i], "all") == 0)
			svc->confine.caps = CONFINE_CAPS_ALL;
		else if (cap < 0)
			cfg_error(cfg, "capabilities", "\"%s\" is not a capability; write names as "
				  "in capabilities(7), e.g. \"net_admin\" or \"CAP_NET_ADMIN\", "
				  "or \"all\"", caps[i]);
		else
			svc->confine.caps |= UINT64_C(1) << cap;
	}
	strv_free(caps);
}

static void read_seccomp(struct cfgfile *cfg, struct service_config *svc)
{
	const char *name = NULL;
	if (cfg_get_string(cfg, "seccomp", &name) != 0)
		return;
	svc->confine.seccomp = confine_profile(name);
	if (!svc->confine.seccomp) {
		char list[256];
		confine_profile_list(list, sizeof(list));
		cfg_error(cfg, "seccomp", "no seccomp profile is named \"%s\"; the profiles are %s",
			  name, list);
	}
}

static void read_confinement(struct cfgfile *cfg, struct service_config *svc)
{
	read_ids(cfg, svc);
	read_caps(cfg, svc);
	cfg_get_bool(cfg, "no_new_privs", &svc->confine.no_new_privs);
	read_seccomp(cfg, svc);
}

void service_config_init(struct service_config *svc)
{
	memset(svc, 0, sizeof(*svc));
	svc->ready_fd = -1;
	svc->restart = RESTART_ALWAYS;
	svc->stop_grace_ms = 5000;
	svc->start_limit_burst = 5;
	svc->start_limit_interval_ms = 10000;
	svc->backoff_max_ms = 10000;
	confine_init(&svc->confine);
}

unsigned service_config_load(const char *path, struct service_config *out)
{
	struct cfgfile cfg;
	struct service_config *svc = out;
	unsigned errors = 1;

	service_config_init(svc);
	svc->source = strdup(path);
	if (!svc->source) {
		log_err("config", "%s: out of memory", path);
		goto out_nocfg;
	}

	if (cfgfile_open(&cfg, path) < 0)
		goto out;
	cfg_check_keys(&cfg, service_keys);
	read_name(&cfg, svc);
	read_command(&cfg, svc);
	int choice;
	if (cfg_get_choice(&cfg, "type", service_types, &choice) == 0)
		svc->oneshot = choice == 1;
	if (cfg_get_choice(&cfg, "restart", restart_policy_names, &choice) == 0)
		svc->restart = (enum restart_policy)choice;
	read_depends(&cfg, svc);
	read_when_cmdline(&cfg, svc);
	long fd;
	/* 0-2 are the service's stdio; above 255 is surely a typo. */
	if (cfg_get_long(&cfg, "ready_fd", 3, 255, &fd) == 0)
		svc->ready_fd = (int)fd;
	read_ms(&cfg, "ready_timeout_ms", 0, 3600000, &svc->ready_timeout_ms);
	read_ms(&cfg, "stop_grace_ms", 0, 600000, &svc->stop_grace_ms);
	read_ms(&cfg, "start_limit_burst", 1, START_LIMIT_BURST_MAX, &svc->start_limit_burst);
	read_ms(&cfg, "start_limit_interval_ms", 1, 3600000, &svc->start_limit_interval_ms);
	read_ms(&cfg, "backoff_max_ms", 100, 3600000, &svc->backoff_max_ms);
	long adj;
	if (cfg_get_long(&cfg, "oom_score_adj", -1000, 1000, &adj) == 0)
		svc->oom_score_adj = (int)adj;
	read_argv(&cfg, "ready_check", &svc->ready_check);
	check_readiness(&cfg, svc);
	read_confinement(&cfg, svc);
out:
	errors = cfg.errors;
	cfgfile_close(&cfg);
out_nocfg:
	if (errors)
		service_config_free(svc);
	return errors;
}

void service_config_free(struct service_config *svc)
{
	strv_free(svc->argv);
	strv_free(svc->ready_check);
	strv_free(svc->depends);
	strv_free(svc->when_cmdline);
	free(svc->dep_idx);
	free(svc->source);
	service_config_init(svc);
}
