#include "config/sysconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/cfgfile.h"
#include "lib/log.h"
#include "lib/util.h"
#include "lib/depgraph.h"

static const char *const system_keys[] = {
	"hostname", "modules", "log_file", "emergency_shell", "control_socket",
	"kill_grace_ms", "log_level", NULL,
};

static const char *const log_levels[] = { "info", "debug", NULL };

static int set_string(char **dst, const char *value)
{
	char *copy = strdup(value);
	if (!copy)
		return -ENOMEM;
	free(*dst);
	*dst = copy;
	return 0;
}

static int set_defaults(struct sysconfig *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	str_copy(cfg->hostname, "dom0", sizeof(cfg->hostname));
	cfg->kill_grace_ms = 3000;
	if (set_string(&cfg->log_file, "/run/bulkhead/bulkhead.log") < 0 ||
	    set_string(&cfg->emergency_shell, "/bin/sh") < 0 ||
	    set_string(&cfg->control_socket, "/run/bulkhead/control") < 0)
		return -ENOMEM;
	return 0;
}

static bool hostname_is_valid(const char *s)
{
	size_t len = strlen(s);
	if (len == 0 || len > HOSTNAME_MAX || s[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '.'))
			return false;
	}
	return true;
}

static void read_path(struct cfgfile *f, const char *key, char **dst)
{
	const char *s;
	if (cfg_get_string(f, key, &s) != 0)
		return;
	if (s[0] != '/')
		cfg_error(f, key, "%s = \"%s\" is not an absolute path", key, s);
	else if (set_string(dst, s) < 0)
		cfg_error(f, key, "out of memory");
}

static void read_system_file(struct sysconfig *cfg, const char *path)
{
	struct cfgfile f;
	const char *s;
	long v;
	int level;

	if (access(path, F_OK) < 0 && errno == ENOENT) {
		log_warn("config", "%s does not exist; running with defaults", path);
		return;
	}
	if (cfgfile_open(&f, path) < 0) {
		cfg->unreadable = true;
		goto out;
	}
	cfg_check_keys(&f, system_keys);
	if (cfg_get_string(&f, "hostname", &s) == 0) {
		if (hostname_is_valid(s))
			str_copy(cfg->hostname, s, sizeof(cfg->hostname));
		else
			cfg_error(&f, "hostname", "hostname \"%s\" is not allowed; use 1 to %d of "
				  "letters, digits, '-' and '.'", s, HOSTNAME_MAX);
	}
	cfg_get_strv(&f, "modules", MODULES_MAX, 64, &cfg->modules, &cfg->nmodules);
	read_path(&f, "log_file", &cfg->log_file);
	read_path(&f, "emergency_shell", &cfg->emergency_shell);
	read_path(&f, "control_socket", &cfg->control_socket);
	if (cfg_get_long(&f, "kill_grace_ms", 0, 600000, &v) == 0)
		cfg->kill_grace_ms = (uint32_t)v;
	if (cfg_get_choice(&f, "log_level", log_levels, &level) == 0)
		cfg->debug = level == 1;
out:
	cfg->errors += f.errors;
	cfgfile_close(&f);
}

int sysconfig_find_service(const struct sysconfig *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->nservices; i++)
		if (strcmp(cfg->services[i].name, name) == 0)
			return (int)i;
	return -1;
}

static void drop_service(struct sysconfig *cfg, size_t i)
{
	service_config_free(&cfg->services[i]);
	memmove(&cfg->services[i], &cfg->services[i + 1],
		(cfg->nservices - i - 1) * sizeof(cfg->services[0]));
	cfg->nservices--;
}

static void service_error(struct sysconfig *cfg, const struct service_config *svc,
			  const char *fmt, const char *arg)
{
	char msg[256];
	snprintf(msg, sizeof(msg), fmt, arg);
	if (svc->depends_line > 0)
		log_err("config", "%s:%d: %s", svc->source, svc->depends_line, msg);
	else
		log_err("config", "%s: %s", svc->source, msg);
	cfg->errors++;
}

/* Drops services whose dependencies are not there, until none is left. */
static bool drop_unresolved(struct sysconfig *cfg)
{
	for (size_t i = 0; i < cfg->nservices; i++) {
		struct service_config *svc = &cfg->services[i];
		for (size_t d = 0; d < svc->ndepends; d++) {
			if (sysconfig_find_service(cfg, svc->depends[d]) >= 0)
				continue;
			service_error(cfg, svc, "depends on \"%s\", which is not a usable service; "
				      "this service is left out", svc->depends[d]);
			drop_service(cfg, i);
			return true;
		}
	}
	return false;
}

static int resolve_indexes(struct sysconfig *cfg)
{
	for (size_t i = 0; i < cfg->nservices; i++) {
		struct service_config *svc = &cfg->services[i];
		free(svc->dep_idx);
		svc->dep_idx = calloc(svc->ndepends ? svc->ndepends : 1, sizeof(size_t));
		if (!svc->dep_idx)
			return -ENOMEM;
		for (size_t d = 0; d < svc->ndepends; d++)
			svc->dep_idx[d] = (size_t)sysconfig_find_service(cfg, svc->depends[d]);
	}
	return 0;
}

/* Orders services by dependency; services on a cycle are reported and
 * dropped (with whatever depends on them), then the rest is ordered. */
static int order_services(struct sysconfig *cfg)
{
	for (;;) {
		while (drop_unresolved(cfg))
			;
		if (resolve_indexes(cfg) < 0)
			return -ENOMEM;
		size_t n = cfg->nservices;
		size_t *order = calloc(n ? n : 1, sizeof(*order));
		const size_t **deps = calloc(n ? n : 1, sizeof(*deps));
		size_t *ndeps = calloc(n ? n : 1, sizeof(*ndeps));
		int r = -ENOMEM;
		size_t cycle = 0;
		if (order && deps && ndeps) {
			for (size_t i = 0; i < n; i++) {
				deps[i] = cfg->services[i].dep_idx;
				ndeps[i] = cfg->services[i].ndepends;
			}
			struct depgraph g = { n, deps, ndeps };
			r = depgraph_order(&g, order, &cycle);
		}
		if (r == 0) {
			struct service_config *sorted = calloc(n ? n : 1, sizeof(*sorted));
			if (!sorted) {
				r = -ENOMEM;
			} else {
				for (size_t i = 0; i < n; i++)
					sorted[i] = cfg->services[order[i]];
				free(cfg->services);
				cfg->services = sorted;
			}
		}
		free(order);
		free(deps);
		free(ndeps);
		if (r == -ELOOP) {
			service_error(cfg, &cfg->services[cycle], "\"%s\" is on a dependency cycle; "
				      "a service cannot wait for itself, so it is left out",
				      cfg->services[cycle].name);
			drop_service(cfg, cycle);
			continue;
		}
		if (r < 0)
			return r;
		return resolve_indexes(cfg);
	}
}

static void read_services(struct sysconfig *cfg, const char *dir,
			  struct service_config *builtins, size_t nbuiltins)
{
	char *sdir = NULL;
	char **files = NULL;
	size_t nfiles = 0;

	if (asprintf(&sdir, "%s/services", dir) < 0)
		goto nomem;
	int r = cfg_list_files(sdir, ".cfg", &files, &nfiles, NULL);
	if (r < 0) {
		log_err("config", "%s: cannot list: %s", sdir, strerror(-r));
		cfg->errors++;
		goto out;
	}
	if (nfiles > SERVICES_MAX) {
		log_err("config", "%s: %zu service files; only the first %d are read",
			sdir, nfiles, SERVICES_MAX);
		cfg->errors++;
	}
	cfg->services = calloc(nbuiltins + nfiles + 1, sizeof(*cfg->services));
	if (!cfg->services)
		goto nomem;
	for (size_t i = 0; i < nbuiltins; i++) {
		cfg->services[cfg->nservices++] = builtins[i];
		service_config_init(&builtins[i]);
	}
	for (size_t i = 0; i < nfiles && cfg->nservices < SERVICES_MAX; i++) {
		struct service_config *svc = &cfg->services[cfg->nservices];
		unsigned errors = service_config_load(files[i], svc);
		if (errors) {
			log_err("config", "%s: service left out because of the problems above", files[i]);
			cfg->errors += errors;
			continue;
		}
		int other = sysconfig_find_service(cfg, svc->name);
		if (other >= 0) {
			log_err("config", "%s: service name \"%s\" is already used by %s; "
				"names must be unique, this one is left out",
				files[i], svc->name, cfg->services[other].source);
			cfg->errors++;
			service_config_free(svc);
			continue;
		}
		cfg->nservices++;
	}
	if (order_services(cfg) < 0)
		goto nomem;
	goto out;
nomem:
	log_err("config", "%s: out of memory", dir);
	cfg->errors++;
out:
	strv_free(files);
	free(sdir);
}

unsigned sysconfig_load(const char *dir, struct sysconfig *cfg,
			struct service_config *builtins, size_t nbuiltins)
{
	char *path = NULL;

	if (set_defaults(cfg) < 0 || asprintf(&path, "%s/bulkhead.cfg", dir) < 0) {
		log_err("config", "out of memory");
		cfg->errors++;
		cfg->unreadable = true;
		return cfg->errors;
	}
	read_system_file(cfg, path);
	free(path);
	read_services(cfg, dir, builtins, nbuiltins);
	return cfg->errors;
}

static bool runs_here(const struct service_config *svc, const char *cmdline)
{
	for (size_t i = 0; i < svc->nwhen_cmdline; i++)
		if (cmdline_has(cmdline, svc->when_cmdline[i]))
			return true;
	return !svc->when_cmdline;
}

/* Takes NAME out of every service's `depends'. */
static void forget_dependency(struct sysconfig *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->nservices; i++) {
		struct service_config *svc = &cfg->services[i];
		for (size_t d = 0; d < svc->ndepends; d++) {
			if (strcmp(svc->depends[d], name) != 0)
				continue;
			free(svc->depends[d]);
			memmove(&svc->depends[d], &svc->depends[d + 1],
				(svc->ndepends - d) * sizeof(svc->depends[0]));
			svc->ndepends--;
			break;
		}
	}
}

size_t sysconfig_select(struct sysconfig *cfg, const char *cmdline)
{
	size_t left_out = 0;
	for (size_t i = 0; i < cfg->nservices;) {
		struct service_config *svc = &cfg->services[i];
		if (runs_here(svc, cmdline)) {
			i++;
			continue;
		}
		char words[SERVICE_WHEN_MAX * (CMDLINE_WORD_MAX + 1) + 1] = "";
		for (size_t w = 0; w < svc->nwhen_cmdline; w++)
			str_append(words, sizeof(words), " %s", svc->when_cmdline[w]);
		log_info("config", "%s: service %s does not run here: the kernel's command line "
			 "has none of its when_cmdline words:%s", svc->source, svc->name, words);
		char name[SERVICE_NAME_MAX + 1];
		str_copy(name, svc->name, sizeof(name));
		drop_service(cfg, i);
		forget_dependency(cfg, name);
		left_out++;
	}
	if (left_out && resolve_indexes(cfg) < 0) {
		log_err("config", "out of memory");
		cfg->errors++;
	}
	return left_out;
}

void sysconfig_free(struct sysconfig *cfg)
{
	strv_free(cfg->modules);
	free(cfg->log_file);
	free(cfg->emergency_shell);
	free(cfg->control_socket);
	for (size_t i = 0; i < cfg->nservices; i++)
		service_config_free(&cfg->services[i]);
	free(cfg->services);
	memset(cfg, 0, sizeof(*cfg));
}
