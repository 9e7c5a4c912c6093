/*
 * bulkhead - all of dom0's user space in one binary.  The role is chosen by
 * the name it is called by (/init, init) or by its first argument.
 */
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "guest/agent.h"
#include "guest/firewall.h"
#include "tools/check.h"
#include "tools/ctl.h"
#include "domains/hotplug.h"
#include "domains/manager.h"
#include "drm-compositor/compositor.h"
#include "gui/demo.h"
#include "init/init.h"
#include "unlock/unlock.h"

static void usage(FILE *f)
{
	fprintf(f,
		"bulkhead %s - dom0's user space for a desktop secured by isolation\n"
		"usage: bulkhead COMMAND [ARGS]\n"
		"  init [--config DIR]        run as PID 1 (also when called as /init)\n"
		"  ctl COMMAND                talk to PID 1 (bulkhead ctl help)\n"
		"  domain-manager [--config DIR]  run the domains (started by PID 1 on Xen)\n"
		"  compositor [--config DIR] [--headless WxH]  draw the desktop\n"
		"  gui-demo --socket PATH ... a window client for tests (gui/demo.c)\n"
		"  agent [--shell PATH]       in a domain: runs the commands dom0 gives it\n"
		"  firewall [--uplink IFACE]  in a net domain: enforces the rules of the domains behind\n"
		"  unlock [--config DIR] [--console]  open the encrypted disks (run by PID 1)\n"
		"  check [--list-modules] [DIR]  validate the configuration\n"
		"  version\n", BULKHEAD_VERSION);
}

int main(int argc, char **argv)
{
	const char *name = argc > 0 ? basename(argv[0]) : "bulkhead";

	if (strcmp(name, "init") == 0 || (getpid() == 1 && argc < 2))
		return init_main(argc, argv);
	if (strcmp(name, BLOCK_HOTPLUG_NAME) == 0)
		return block_hotplug_main(argc, argv);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "init") == 0)
		return init_main(argc - 1, argv + 1);
	if (strcmp(cmd, "ctl") == 0)
		return ctl_main(argc - 1, argv + 1);
	if (strcmp(cmd, "domain-manager") == 0)
		return domain_manager_main(argc - 1, argv + 1);
	if (strcmp(cmd, "compositor") == 0)
		return compositor_main(argc - 1, argv + 1);
	if (strcmp(cmd, "gui-demo") == 0)
		return gui_demo_main(argc - 1, argv + 1);
	if (strcmp(cmd, "agent") == 0)
		return agent_main(argc - 1, argv + 1);
	if (strcmp(cmd, "firewall") == 0)
		return firewall_main(argc - 1, argv + 1);
	if (strcmp(cmd, "unlock") == 0)
		return unlock_main(argc - 1, argv + 1);
	if (strcmp(cmd, "check") == 0)
		return check_main(argc - 1, argv + 1);
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf("bulkhead %s\n", BULKHEAD_VERSION);
		return 0;
	}
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "bulkhead: unknown command \"%s\"\n", cmd);
	usage(stderr);
	return 2;
}
