/*
 * bulkhead - all of dom0's user space in one binary.  The role is chosen by
 * the name it is called by (/init, init, block-hotplug) or by its first
 * argument, from the table of roles below (OpenBSD vmd's procs[]).
 */
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent.h"
#include "agent/firewall.h"
#include "config/check.h"
#include "ctl/ctl.h"
#include "domains/hotplug.h"
#include "domains/manager.h"
#include "drm-compositor/compositor.h"
#include "gui/demo.h"
#include "init/init.h"
#include "init/modules.h"
#include "init/unlock.h"
#include "lib/implib.h"

#define ROLE_MAX_LIBRARIES 9

/*
 * One role: who it is, what it may do and what it owns.  privileges is
 * what the role needs, for the documentation and the confinement keyed by
 * the role's name; libraries are the shared libraries it loads at start
 * (as in -lNAME; lib/implib.h): PID 1 links only libc and libblkid, reads
 * its configuration with the libxlutil linked into the binary, and loads
 * kernel modules by running the modprobe role.
 */
struct role {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *synopsis;	/* NULL: not for people (called by its name) */
	const char *summary;
	const char *privileges;
	const char *sockets;
	const char *libraries[ROLE_MAX_LIBRARIES + 1];
};

static int version_main(int argc, char **argv);
static int help_main(int argc, char **argv);
static int libraries_main(int argc, char **argv);

static const struct role roles[] = {
	{ "init", init_main, "init [--config DIR]",
	  "run as PID 1 (also when called as /init)",
	  "root, every capability: mounts, modules, reboot, spawns every service",
	  "/run/bulkhead/control (listens)", { NULL } },
	{ "modprobe", modprobe_main, NULL, NULL,
	  "root, CAP_SYS_MODULE: loads kernel modules for PID 1 and the domain manager",
	  "none", { "kmod", NULL } },
	{ "ctl", ctl_main, "ctl COMMAND", "talk to PID 1 (bulkhead ctl help)",
	  "any user the control socket admits",
	  "connects to /run/bulkhead/control, /run/bulkhead/domains, /run/bulkhead/compositor",
	  { "evdev", NULL } },
	{ "domain-manager", domain_manager_main, "domain-manager [--config DIR]",
	  "run the domains (started by PID 1 on Xen)",
	  "root: libxl (privcmd, xenstore, device-mapper, loop devices)",
	  "/run/bulkhead/domains (listens)",
	  { "xenlight", "xentoollog", "xenstore", "devmapper", NULL } },
	{ "compositor", compositor_main, "compositor [--config DIR] [--headless WxH]",
	  "draw the desktop",
	  "the DRM device, evdev devices, grant tables, event channels, xenstore",
	  "/run/bulkhead/compositor and gui_dir/NAME.sock (listens); a vchan per gui domain",
	  { "cairo", "freetype", "evdev", "drm", "xkbcommon", "xenvchan", "xengnttab",
	    "xenstore", NULL } },
	{ "gui-demo", gui_demo_main, "gui-demo --socket PATH ...",
	  "a window client for tests (gui/demo.c)",
	  "none (in a domain: grant sharing and event channels for --vchan)",
	  "connects to a compositor's socket or vchan",
	  { "cairo", "freetype", "xenvchan", "xengnttab", "xenstore", NULL } },
	{ "agent", agent_main, "agent [--shell PATH]",
	  "in a domain: runs the commands dom0 gives it",
	  "root in its domain: spawns commands, grant sharing, event channels, xenstore",
	  "a vchan to dom0's compositor per window",
	  { "cairo", "freetype", "vterm", "m", "xkbcommon", "xenvchan", "xengnttab",
	    "xenstore", NULL } },
	{ "firewall", firewall_main, "firewall [--uplink IFACE]",
	  "in a net domain: enforces the rules of the domains behind",
	  "CAP_NET_ADMIN in its domain (nftables), xenstore", "a netlink socket",
	  { "xenstore", NULL } },
	{ "unlock", unlock_main, "unlock [--config DIR] [--console]",
	  "open the encrypted disks (run by PID 1)",
	  "root: device-mapper, the DRM device and evdev devices for the passphrase",
	  "none", { "cryptsetup", "cairo", "freetype", "drm", "evdev", "xkbcommon", NULL } },
	{ "check", check_main, "check [--list-modules] [DIR]", "validate the configuration",
	  "none: reads the configuration", "none", { "xenlight", "evdev", NULL } },
	{ BLOCK_HOTPLUG_NAME, block_hotplug_main, NULL, NULL,
	  "root: attaches a domain's volumes (Xen's hotplug script)", "none",
	  { "xenstore", NULL } },
	{ "libraries", libraries_main, "libraries [ROLE...]",
	  "the shared libraries the roles load (for images)", "none", "none", { NULL } },
	{ "version", version_main, "version", "print the version", "none", "none", { NULL } },
	{ "help", help_main, NULL, NULL, "none", "none", { NULL } },
};

#define N_ROLES (sizeof(roles) / sizeof(roles[0]))

static const struct role *find_role(const char *name)
{
	if (strcmp(name, "--version") == 0)
		name = "version";
	if (strcmp(name, "--help") == 0)
		name = "help";
	for (size_t i = 0; i < N_ROLES; i++)
		if (strcmp(roles[i].name, name) == 0)
			return &roles[i];
	return NULL;
}

static void usage(FILE *f)
{
	fprintf(f, "bulkhead %s - dom0's user space for a desktop secured by isolation\n"
		"usage: bulkhead COMMAND [ARGS]\n", BULKHEAD_VERSION);
	for (size_t i = 0; i < N_ROLES; i++)
		if (roles[i].synopsis)
			fprintf(f, "  %-34s %s\n", roles[i].synopsis, roles[i].summary);
}

static int version_main(int argc, char **argv)
{
	(void)argc, (void)argv;
	printf("bulkhead %s\n", BULKHEAD_VERSION);
	return 0;
}

static int help_main(int argc, char **argv)
{
	(void)argc, (void)argv;
	usage(stdout);
	return 0;
}

static void print_sonames(const struct role *r)
{
	for (const char *const *l = r->libraries; *l; l++)
		for (unsigned i = 0; i < implib_n_libraries; i++)
			if (strcmp(implib_libraries[i].name, *l) == 0)
				printf("%s\n", implib_libraries[i].soname);
}

/* The sonames the named roles (all, without names) load, one a line,
 * repeats included: an image builder copies each with what it needs. */
static int libraries_main(int argc, char **argv)
{
	if (argc < 2) {
		for (size_t i = 0; i < N_ROLES; i++)
			print_sonames(&roles[i]);
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		const struct role *r = find_role(argv[i]);
		if (!r) {
			fprintf(stderr, "bulkhead libraries: no role \"%s\" (bulkhead help lists them)\n",
				argv[i]);
			return 2;
		}
		print_sonames(r);
	}
	return 0;
}

/* Before the role does anything: a library missing is one clear error. */
static int role_load_libraries(const struct role *r)
{
	for (const char *const *l = r->libraries; *l; l++)
		if (implib_load(*l, r->name) < 0)
			return -1;
	return 0;
}

static int run_role(const struct role *r, int argc, char **argv)
{
	if (role_load_libraries(r) < 0)
		return 127;
	return r->main(argc, argv);
}

int main(int argc, char **argv)
{
	const char *name = argc > 0 ? basename(argv[0]) : "bulkhead";

	if (strcmp(name, "init") == 0 || (getpid() == 1 && argc < 2))
		return run_role(find_role("init"), argc, argv);
	if (strcmp(name, BLOCK_HOTPLUG_NAME) == 0)
		return run_role(find_role(BLOCK_HOTPLUG_NAME), argc, argv);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const struct role *r = find_role(argv[1]);
	if (!r) {
		fprintf(stderr, "bulkhead: unknown command \"%s\"\n", argv[1]);
		usage(stderr);
		return 2;
	}
	return run_role(r, argc - 1, argv + 1);
}
