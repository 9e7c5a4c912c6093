#include "sys/mapper.h"
#include "tools/check.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/desktop_config.h"
#include "config/disks_config.h"
#include "config/domains.h"
#include "config/rpc_policy.h"
#include "config/storage_config.h"
#include "domains/build.h"
#include "domains/dispvm.h"
#include "config/sysconfig.h"
#include "init/xen.h"
#include "lib/log.h"
#include "lib/util.h"

/* The host a configuration is for need not be this one: what an HVM
 * domain's device model needs there is said, not counted as a problem
 * (the domain manager refuses the domain on a host without it). */
static void note_device_models(const struct domains *doms)
{
	char needs[512];
	for (size_t i = 0; i < doms->n; i++) {
		const struct domain_config *dom = &doms->dom[i];
		if (dom->type != DOMAIN_HVM)
			continue;
		domain_dm_needs(dom, needs, sizeof(needs));
		log_warn("config", "%s:%d: type = \"hvm\": its device model (QEMU) never runs as "
			 "root in dom0, so the host needs %s; without that the domain manager "
			 "refuses to start %s", dom->source, dom->type_line, needs, dom->name);
	}
}

/* DIR must be a directory holding at least one of a configuration's
 * parts: checking the wrong one would pass with 0 problems. */
static bool config_dir_ok(const char *dir)
{
	static const char *const parts[] = { "bulkhead.cfg", "services", "domains", "desktop.cfg",
					     "disks.cfg", "storage.cfg", "policy.d" };
	char path[4096];
	struct stat st;

	int r = stat(dir, &st);
	if (r < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "bulkhead check: %s: %s; give the configuration directory (the "
			"one holding bulkhead.cfg, services/, domains/ ...)\n", dir,
			r < 0 ? strerror(errno) : "not a directory");
		return false;
	}
	for (size_t i = 0; i < ARRAY_SIZE(parts); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, parts[i]);
		if (access(path, F_OK) == 0)
			return true;
	}
	fprintf(stderr, "bulkhead check: %s holds no bulkhead configuration (none of "
		"bulkhead.cfg, services/, domains/, desktop.cfg, disks.cfg, storage.cfg, "
		"policy.d/): is it the right directory?\n", dir);
	return false;
}

int check_main(int argc, char **argv)
{
	const char *dir = SYSCONFIG_DEFAULT_DIR;
	bool list_modules = false, xen = false;
	struct service_config *xen_svc = NULL;
	size_t nxen = 0;
	struct sysconfig cfg;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--list-modules") == 0) {
			list_modules = true;
		} else if (strcmp(argv[i], "--xen") == 0) {
			xen = true;
		} else if (argv[i][0] != '-' && i == argc - 1) {
			dir = argv[i];
		} else {
			fprintf(stderr, "usage: bulkhead check [--list-modules [--xen]] [CONFIG_DIR]\n");
			return 2;
		}
	}
	if (!config_dir_ok(dir))
		return 1;
	/* Checked as on Xen's dom0, where services may depend on Xen's own. */
	if (xen_services(self_exe(), dir, &xen_svc, &nxen) < 0) {
		fprintf(stderr, "bulkhead check: out of memory\n");
		return 1;
	}
	struct domains doms;
	unsigned errors = sysconfig_load(dir, &cfg, xen_svc, nxen);
	free(xen_svc);
	errors += domains_load(dir, &doms);
	note_device_models(&doms);
	struct storage_config storage;
	errors += storage_config_load(dir, &storage);
	errors += dispvm_check_default(&storage, &doms);
	struct disks_config disks;
	errors += disks_config_load(dir, &disks);
	struct desktop_config desktop;
	errors += desktop_config_load(dir, &desktop);
	desktop_config_free(&desktop);
	struct rpc_policy policy;
	errors += rpc_policy_load(dir, &policy);
	errors += rpc_policy_check_names(&policy, doms.dom, doms.n);
	if (list_modules) {
		for (size_t i = 0; i < cfg.nmodules; i++)
			printf("%s\n", cfg.modules[i]);
		for (size_t i = 0; xen && xen_dom0_modules[i]; i++)
			printf("%s\n", xen_dom0_modules[i]);
		for (size_t i = 0; disks.nvolumes && mapper_crypt_modules[i]; i++)
			printf("%s\n", mapper_crypt_modules[i]);
		if (disks.root[0])
			printf("%s\n", disks.root_fstype);
		/* The domain manager mounts the pool's filesystem. */
		if (xen && storage.pool_device)
			printf("%s\n", storage.pool_fstype);
	} else {
		printf("%s: %zu services", dir, cfg.nservices);
		for (size_t i = 0; i < cfg.nservices; i++)
			printf("%s%s", i ? ", " : " (in start order: ", cfg.services[i].name);
		printf("%s; %zu domains", cfg.nservices ? ")" : "", doms.n);
		for (size_t i = 0; i < doms.n; i++)
			printf("%s%s", i ? ", " : " (in start order: ", doms.dom[i].name);
		printf("%s; %zu encrypted volumes%s%s; %zu policy rules; %u problems\n",
		       doms.n ? ")" : "", disks.nvolumes, disks.root[0] ? "; root " : "", disks.root,
		       policy.n, errors);
	}
	sysconfig_free(&cfg);
	domains_free(&doms);
	storage_config_free(&storage);
	rpc_policy_free(&policy);
	return errors ? 1 : 0;
}
