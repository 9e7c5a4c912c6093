#include "init/xen.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/confine_profiles.h"
#include "lib/paths.h"
#include "sys/modules.h"
#include "lib/log.h"
#include "lib/util.h"

const char *const xen_dom0_modules[] = {
	"xenfs", "xen-evtchn", "xen-gntdev", "xen-gntalloc", "xen-privcmd",
	"xen-blkback", "xen-netback",
	/* Before any driver a config lists: with xen-pciback.hide=(BDF)... on
	 * the kernel command line (libkmod passes it on) the driver domains'
	 * devices are never bound to a dom0 driver. */
	"xen-pciback",
	/* The domains' volumes (domains/storage.h). */
	"loop", "dm-snapshot", NULL,
};

static int mount_xenfs(void)
{
	char caps[256];
	/* xenfs may be built in; loading it makes /proc/xen appear. */
	if (modules_load((char *const *)xen_dom0_modules, 1) > 0)
		return -ENOENT;
	if (read_first_line("/proc/xen/capabilities", caps, sizeof(caps)))
		return 0;
	if (mount("xenfs", "/proc/xen", "xenfs", 0, NULL) < 0)
		return -errno;
	log_info("xen", "mounted xenfs on /proc/xen");
	return 0;
}

/* DIR with MODE, also when it was there already (a root's package makes
 * /var/lib/xen 0755); its parents 0755.  0 or -errno. */
static int make_dir(const char *dir, unsigned mode)
{
	int r = mkdir_parents(dir, 0755);
	if (r == 0 && mkdir(dir, mode) < 0 && errno != EEXIST)
		r = -errno;
	if (r == 0 && chmod(dir, mode) < 0)
		r = -errno;
	return r;
}

static void make_dirs(void)
{
	/* What domains wrote (their consoles, xenstored's store, libxl's and
	 * QEMU's logs of them) is root's only: no user of dom0 reads it. */
	static const struct { const char *path; unsigned mode; } dirs[] = {
		{ "/run/xen", 0755 }, { "/run/xenstored", 0755 },
		{ "/var/lib/xen", 0700 }, { "/var/lib/xenstored", 0700 },
		{ "/var/log/xen", 0700 }, { XEN_CONSOLE_DIR, 0700 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		int r = make_dir(dirs[i].path, dirs[i].mode);
		if (r < 0)
			log_warn("xen", "cannot create %s with mode %04o: %s", dirs[i].path,
				 dirs[i].mode, strerror(-r));
	}
	/* libxenstore looks for xenstored's socket under /var/run. */
	struct stat st;
	if (lstat("/var/run", &st) < 0 && symlink("/run", "/var/run") < 0)
		log_warn("xen", "cannot link /var/run to /run: %s", strerror(errno));
}

/* The compositor, once it has left root's uid, still connects each
 * domain's channel: it reads the domain's offer in xenstore, maps its
 * grants, binds its event channel.  Those devices go to its role's group,
 * as a udev rule would give them (Qubes gives them to group qubes). */
static void share_gui_devices(void)
{
	static const char *const devices[] = { "/dev/xen/gntdev", "/dev/xen/evtchn",
					       "/dev/xen/xenbus" };
	uid_t uid;
	gid_t gid;

	if (confine_role_ids("compositor", "/etc/passwd", &uid, &gid) < 0)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(devices); i++)
		if (chown(devices[i], 0, gid) < 0 || chmod(devices[i], 0660) < 0)
			log_warn("xen", "cannot give %s to group %u: %s; the compositor cannot "
				 "connect the domains' windows", devices[i], (unsigned)gid,
				 strerror(errno));
}

int xen_bringup(void)
{
	char type[32], caps[256];

	if (!read_first_line("/sys/hypervisor/type", type, sizeof(type)) || strcmp(type, "xen") != 0) {
		log_notice("xen", "not running on Xen: no domains on this boot");
		log_event("xen", "not-xen", "");
		return 0;
	}
	int r = mount_xenfs();
	if (r < 0) {
		log_err("xen", "running on Xen but cannot mount xenfs on /proc/xen: %s; no domains",
			strerror(-r));
		return -1;
	}
	if (!read_first_line("/proc/xen/capabilities", caps, sizeof(caps)) || !strstr(caps, "control_d")) {
		log_notice("xen", "a Xen guest, not dom0 (no control_d in /proc/xen/capabilities): "
			   "no domains on this boot");
		return 0;
	}
	size_t n = ARRAY_SIZE(xen_dom0_modules) - 2;	/* all but xenfs and NULL */
	if (modules_load((char *const *)xen_dom0_modules + 1, n) > 0) {
		log_err("xen", "Xen dom0 modules are missing (see above); no domains");
		return -1;
	}
	make_dirs();
	share_gui_devices();
	log_notice("xen", "this is Xen's dom0 (control_d); starting xenstored, xen-init-dom0, "
		   "xenconsoled, domains");
	log_event("xen", "xen-dom0", "");
	return 1;
}

struct builtin {
	const char *name;
	const char *const *argv;
	const char *const *ready_check;
	bool oneshot;
	enum restart_policy restart;
	const char *depends;
	uint32_t ready_timeout_ms;
	uint32_t stop_grace_ms;
	int oom_score_adj;
};

static int make_service(const struct builtin *b, struct service_config *svc)
{
	service_config_init(svc);
	str_copy(svc->name, b->name, sizeof(svc->name));
	svc->oneshot = b->oneshot;
	svc->restart = b->restart;
	svc->ready_timeout_ms = b->ready_timeout_ms;
	if (b->stop_grace_ms)
		svc->stop_grace_ms = b->stop_grace_ms;
	svc->oom_score_adj = b->oom_score_adj;
	/* Xen's daemons and the domain manager need root: the hypervisor's
	 * and the kernel's interfaces, libxl's devices, mounts and networks. */
	svc->confine.caps = CONFINE_CAPS_ALL;
	const char *const deps[] = { b->depends, NULL };
	svc->argv = strv_dup(b->argv);
	svc->ready_check = b->ready_check ? strv_dup(b->ready_check) : NULL;
	svc->depends = b->depends ? strv_dup(deps) : calloc(1, sizeof(char *));
	svc->ndepends = b->depends ? 1 : 0;
	svc->source = strdup("built-in (Xen dom0)");
	if (!svc->argv || (b->ready_check && !svc->ready_check) || !svc->depends || !svc->source) {
		service_config_free(svc);
		return -ENOMEM;
	}
	return 0;
}

int xen_services(const char *self, const char *config_dir, struct service_config **out,
		 size_t *n)
{
	static const char *const xenstored[] = {
		XEN_BIN_DIR "/xenstored", "--no-fork", "--pid-file", "/run/xen/xenstored.pid", NULL,
	};
	static const char *const xenstored_ready[] = { XENSTORE_READ, "-s", "/", NULL };
	static const char *const init_dom0[] = { XEN_BIN_DIR "/xen-init-dom0", NULL };
	static const char *const xenconsoled[] = {
		XEN_BIN_DIR "/xenconsoled", "-i", "--log=guest", "--log-dir=" XEN_CONSOLE_DIR,
		NULL,
	};
	const char *const manager[] = { self, "domain-manager", "--config", config_dir, NULL };
	/* The manager asks the domains to shut down and waits 30 s for them.
	 * dom0 cannot survive xenstored: the OOM killer never picks it. */
	const struct builtin builtins[] = {
		{ "xenstored", xenstored, xenstored_ready, false, RESTART_NEVER, NULL, 30000, 0,
		  -1000 },
		{ "xen-init-dom0", init_dom0, NULL, true, RESTART_ON_FAILURE, "xenstored", 60000, 0,
		  0 },
		{ "xenconsoled", xenconsoled, NULL, false, RESTART_ALWAYS, "xen-init-dom0", 0, 0, 0 },
		{ "domains", manager, NULL, false, RESTART_ALWAYS, "xenconsoled", 0, 40000, 0 },
	};
	struct service_config *svc = calloc(ARRAY_SIZE(builtins), sizeof(*svc));
	if (!svc)
		return -ENOMEM;
	for (size_t i = 0; i < ARRAY_SIZE(builtins); i++) {
		if (make_service(&builtins[i], &svc[i]) < 0) {
			for (size_t j = 0; j < i; j++)
				service_config_free(&svc[j]);
			free(svc);
			return -ENOMEM;
		}
	}
	*out = svc;
	*n = ARRAY_SIZE(builtins);
	return 0;
}
