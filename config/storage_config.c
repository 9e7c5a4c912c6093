#include "config/storage_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/cfgfile.h"
#include "lib/log.h"
#include "lib/util.h"

static const char *const storage_keys[] = {
	"pool", "pool_device", "pool_fstype", "default_dispvm", NULL,
};

/* KEY's absolute path into *OUT (left alone when absent or wrong). */
static void read_path(struct cfgfile *cfg, const char *key, char **out)
{
	const char *s;
	if (cfg_get_string(cfg, key, &s) != 0)
		return;
	if (s[0] != '/' || strlen(s) > VOLUME_PATH_MAX) {
		cfg_error(cfg, key, "%s = \"%s\" is not an absolute path of at most %d bytes", key,
			  s, VOLUME_PATH_MAX);
		return;
	}
	char *copy = strdup(s);
	if (!copy) {
		cfg_error(cfg, key, "out of memory");
		return;
	}
	free(*out);
	*out = copy;
}

static void read_fstype(struct cfgfile *cfg, struct storage_config *out)
{
	const char *s;
	if (cfg_get_string(cfg, "pool_fstype", &s) != 0)
		return;
	for (const char *p = s; *p; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= '0' && *p <= '9')) {
			cfg_error(cfg, "pool_fstype", "pool_fstype = \"%s\" is not a filesystem type "
				  "(ext4, xfs, btrfs, ...)", s);
			return;
		}
	char *copy = strdup(s);
	if (copy) {
		free(out->pool_fstype);
		out->pool_fstype = copy;
	}
}

unsigned storage_config_load(const char *dir, struct storage_config *out)
{
	struct cfgfile cfg;
	char *path = NULL;
	unsigned errors = 0;
	const char *s;

	memset(out, 0, sizeof(*out));
	out->pool = strdup(STORAGE_DEFAULT_POOL);
	out->pool_fstype = strdup("ext4");
	if (!out->pool || !out->pool_fstype || asprintf(&path, "%s/storage.cfg", dir) < 0) {
		log_err("config", "%s/storage.cfg: out of memory", dir);
		return 1;
	}
	if (access(path, F_OK) != 0) {
		free(path);
		return 0;
	}
	if (cfgfile_open(&cfg, path) == 0) {
		cfg_check_keys(&cfg, storage_keys);
		read_path(&cfg, "pool", &out->pool);
		read_path(&cfg, "pool_device", &out->pool_device);
		read_fstype(&cfg, out);
		out->source = strdup(path);
		out->default_dispvm_line = cfg_key_line(&cfg, "default_dispvm");
		if (cfg_get_string(&cfg, "default_dispvm", &s) == 0 &&
		    !(domain_name_is_valid(s, strlen(s)) &&
		      str_copy(out->default_dispvm, s, sizeof(out->default_dispvm))))
			cfg_error(&cfg, "default_dispvm", "default_dispvm = \"%s\" is not a domain "
				  "name", s);
	}
	errors = cfg.errors;
	cfgfile_close(&cfg);
	free(path);
	return errors;
}

void storage_config_free(struct storage_config *cfg)
{
	free(cfg->pool);
	free(cfg->pool_device);
	free(cfg->pool_fstype);
	free(cfg->source);
	memset(cfg, 0, sizeof(*cfg));
}
