#include "tests/unit/test_helpers.h"

#include "tests/unit/config_helpers.h"
#include "init/xen.h"

static void good_config_is_read(void **state)
{
	struct sysconfig cfg;
	unsigned errors;
	(void)state;
	write_file(dir, "bulkhead.cfg",
		   "# the system\n"
		   "hostname = \"dom0-test\"\n"
		   "modules = [ \"evdev\",\n"
		   "            \"bochs\" ]  # two lines\n"
		   "kill_grace_ms = 1500; log_level = \"debug\"\n");
	write_file(dir, "services/net.cfg",
		   "command = [ \"/bin/sleep\", \"100\" ]\n"
		   "depends = [ \"store\" ]\n"
		   "restart = \"on-failure\"\n");
	write_file(dir, "services/store.cfg",
		   "name = \"store\"\n"
		   "command = [ \"/usr/sbin/xenstored\", \"--no-fork\" ]\n"
		   "ready_fd = 3\nready_timeout_ms = 5000\n");
	load(&cfg, &errors);
	assert_int_equal(errors, 0);
	assert_string_equal(cfg.hostname, "dom0-test");
	assert_int_equal(cfg.nmodules, 2);
	assert_string_equal(cfg.modules[1], "bochs");
	assert_int_equal(cfg.kill_grace_ms, 1500);
	assert_true(cfg.debug);
	assert_int_equal(cfg.nservices, 2);
	/* Dependency order, not file order. */
	assert_string_equal(cfg.services[0].name, "store");
	assert_string_equal(cfg.services[1].name, "net");
	assert_int_equal(cfg.services[1].dep_idx[0], 0);
	assert_int_equal(cfg.services[1].restart, RESTART_ON_FAILURE);
	assert_int_equal(cfg.services[0].ready_fd, 3);
	assert_string_equal(cfg.services[0].argv[1], "--no-fork");
	assert_null(cfg.services[0].argv[2]);
	sysconfig_free(&cfg);
}

static void missing_system_file_means_defaults(void **state)
{
	struct sysconfig cfg;
	unsigned errors;
	(void)state;
	const char *log = load(&cfg, &errors);
	assert_int_equal(errors, 0);
	assert_false(cfg.unreadable);
	assert_string_equal(cfg.hostname, "dom0");
	assert_string_equal(cfg.control_socket, "/run/bulkhead/control");
	assert_contains(log, "does not exist; running with defaults");
	sysconfig_free(&cfg);
}

static void unknown_keys_and_bad_values_are_reported_with_their_lines(void **state)
{
	struct sysconfig cfg;
	unsigned errors;
	char expect[256];
	(void)state;
	write_file(dir, "bulkhead.cfg",
		   "hostname = \"ok\" # comment with x = 1\n"
		   "motd = \"#; not a key\"; colour = 3\n"
		   "kill_grace_ms = \"soon\"\n"
		   "modules = \"evdev\"\n"
		   "hostname = \"bad host\"\n"
		   "log_file = \"relative/log\"\n");
	const char *log = load(&cfg, &errors);
	snprintf(expect, sizeof(expect), "%s/bulkhead.cfg:2: unknown key `motd'; allowed keys: "
		 "hostname, modules", dir);
	assert_contains(log, expect);
	snprintf(expect, sizeof(expect), "%s/bulkhead.cfg:2: unknown key `colour'", dir);
	assert_contains(log, expect);
	snprintf(expect, sizeof(expect), "%s/bulkhead.cfg:3: `kill_grace_ms' has the wrong type; "
		 "write a whole number from 0 to 600000", dir);
	assert_contains(log, expect);
	snprintf(expect, sizeof(expect), "%s/bulkhead.cfg:4: `modules' has the wrong type; "
		 "write a list", dir);
	assert_contains(log, expect);
	snprintf(expect, sizeof(expect), "%s/bulkhead.cfg:5: `hostname' is set again (first at line 1)", dir);
	assert_contains(log, expect);
	snprintf(expect, sizeof(expect), "%s/bulkhead.cfg:5: hostname \"bad host\" is not allowed", dir);
	assert_contains(log, expect);
	snprintf(expect, sizeof(expect), "%s/bulkhead.cfg:6: log_file = \"relative/log\" is not an absolute path", dir);
	assert_contains(log, expect);
	assert_not_contains(log, "unknown key `x'");
	assert_int_equal(errors, 7);
	/* Nothing wrong was taken, what was right stays at its default. */
	assert_string_equal(cfg.hostname, "dom0");
	assert_int_equal(cfg.kill_grace_ms, 3000);
	assert_false(cfg.unreadable);
	sysconfig_free(&cfg);
}

static void syntax_error_makes_the_system_file_unreadable(void **state)
{
	struct sysconfig cfg;
	unsigned errors;
	char expect[128];
	(void)state;
	write_file(dir, "bulkhead.cfg", "hostname = \"a\"\nmodules = = [\n");
	const char *log = load(&cfg, &errors);
	snprintf(expect, sizeof(expect), "%s/bulkhead.cfg:2: config parsing error", dir);
	assert_contains(log, expect);
	assert_true(cfg.unreadable);
	assert_true(errors >= 1);
	sysconfig_free(&cfg);
}

/* One template's services for every role: each runs where the kernel's
 * command line has one of its words, and a dependency on one that does
 * not run here is no wait. */
static void services_are_chosen_by_the_kernel_command_line(void **state)
{
	struct sysconfig cfg;
	unsigned errors;
	char expect[256];
	(void)state;
	write_file(dir, "services/setup.cfg", "command = [ \"/bin/true\" ]\ntype = \"oneshot\"\n");
	write_file(dir, "services/devd.cfg", "command = [ \"/bin/true\" ]\ndepends = [ \"setup\" ]\n"
		   "when_cmdline = [ \"bulkhead.class=net\", \"bulkhead.class=usb\" ]\n");
	write_file(dir, "services/agent.cfg", "command = [ \"/bin/true\" ]\n"
		   "depends = [ \"devd\", \"setup\" ]\n");
	write_file(dir, "services/bad.cfg", "command = [ \"/bin/true\" ]\n"
		   "when_cmdline = [ \"two words\" ]\n");
	const char *log = load(&cfg, &errors);
	assert_int_equal(errors, 1);
	snprintf(expect, sizeof(expect), "%s/services/bad.cfg:2: \"two words\" in `when_cmdline' is "
		 "not one word of the kernel's command line", dir);
	assert_contains(log, expect);
	assert_int_equal(cfg.nservices, 3);

	/* A word inside another is not that word. */
	capture_begin();
	assert_int_equal(sysconfig_select(&cfg, "console=hvc0 xbulkhead.class=net "
					  "bulkhead.class=netx bulkhead.class=app\n"), 1);
	log = capture_end();
	snprintf(expect, sizeof(expect), "%s/services/devd.cfg: service devd does not run here: "
		 "the kernel's command line has none of its when_cmdline words: "
		 "bulkhead.class=net bulkhead.class=usb", dir);
	assert_contains(log, expect);
	assert_int_equal(cfg.nservices, 2);
	assert_string_equal(cfg.services[0].name, "setup");
	assert_string_equal(cfg.services[1].name, "agent");
	assert_int_equal(cfg.services[1].ndepends, 1);
	assert_string_equal(cfg.services[1].depends[0], "setup");
	assert_null(cfg.services[1].depends[1]);
	assert_int_equal(cfg.services[1].dep_idx[0], 0);
	sysconfig_free(&cfg);

	load(&cfg, &errors);
	assert_int_equal(sysconfig_select(&cfg, "bulkhead.class=usb"), 0);
	assert_int_equal(cfg.nservices, 3);
	assert_string_equal(cfg.services[2].name, "agent");
	assert_int_equal(cfg.services[2].ndepends, 2);
	sysconfig_free(&cfg);
}

static void bad_service_is_left_out_and_the_others_stay(void **state)
{
	struct sysconfig cfg;
	unsigned errors;
	char expect[256];
	(void)state;
	write_file(dir, "services/good.cfg", "command = [ \"/bin/true\" ]\n");
	write_file(dir, "services/policy.cfg",
		   "command = [ \"/bin/true\" ]\nrestart = \"sometimes\"\n");
	write_file(dir, "services/relative.cfg", "command = [ \"true\" ]\n");
	write_file(dir, "services/nocmd.cfg", "restart = \"never\"\n");
	write_file(dir, "services/BadName.cfg", "command = [ \"/bin/true\" ]\n");
	write_file(dir, "services/typo.cfg", "command = [ \"/bin/true\" ]\nrestrat = \"never\"\n");
	write_file(dir, "services/fd.cfg", "command = [ \"/bin/true\" ]\nready_fd = 1\n");
	const char *log = load(&cfg, &errors);
	assert_int_equal(cfg.nservices, 1);
	assert_string_equal(cfg.services[0].name, "good");
	snprintf(expect, sizeof(expect), "%s/services/policy.cfg:2: restart = \"sometimes\" is not "
		 "allowed; use one of \"always\", \"on-failure\", \"never\"", dir);
	assert_contains(log, expect);
	snprintf(expect, sizeof(expect), "%s/services/relative.cfg:1: command starts with \"true\"; "
		 "the program must be an absolute path", dir);
	assert_contains(log, expect);
	snprintf(expect, sizeof(expect), "%s/services/nocmd.cfg: `command' is missing", dir);
	assert_contains(log, expect);
	snprintf(expect, sizeof(expect), "%s/services/BadName.cfg: service name \"BadName\" is not allowed", dir);
	assert_contains(log, expect);
	snprintf(expect, sizeof(expect), "%s/services/typo.cfg:2: unknown key `restrat'", dir);
	assert_contains(log, expect);
	snprintf(expect, sizeof(expect), "%s/services/fd.cfg:2: ready_fd = 1 is out of range; "
		 "allowed: 3 to 255", dir);
	assert_contains(log, expect);
	assert_int_equal(errors, 6);
	sysconfig_free(&cfg);
}

static void readiness_options_are_checked(void **state)
{
	struct sysconfig cfg;
	unsigned errors;
	char expect[256];
	(void)state;
	write_file(dir, "services/store.cfg",
		   "command = [ \"/usr/sbin/xenstored\", \"-N\" ]\n"
		   "ready_check = [ \"/usr/bin/xenstore-read\", \"-s\", \"/\" ]\n"
		   "ready_timeout_ms = 30000\n");
	write_file(dir, "services/init.cfg",
		   "command = [ \"/usr/bin/init-dom0\" ]\ntype = \"oneshot\"\nrestart = \"on-failure\"\n"
		   "depends = [ \"store\" ]\n");
	write_file(dir, "services/both.cfg",
		   "command = [ \"/bin/true\" ]\nready_fd = 3\nready_check = [ \"/bin/true\" ]\n");
	write_file(dir, "services/once.cfg",
		   "command = [ \"/bin/true\" ]\ntype = \"oneshot\"\nready_fd = 4\n");
	write_file(dir, "services/rel.cfg", "command = [ \"/bin/true\" ]\nready_check = [ \"true\" ]\n");
	write_file(dir, "services/kind.cfg", "command = [ \"/bin/true\" ]\ntype = \"forking\"\n");
	write_file(dir, "services/lonely.cfg", "command = [ \"/bin/true\" ]\nready_timeout_ms = 5\n");
	const char *log = load(&cfg, &errors);
	assert_int_equal(cfg.nservices, 2);
	assert_string_equal(cfg.services[0].name, "store");
	assert_string_equal(cfg.services[0].ready_check[2], "/");
	assert_true(cfg.services[1].oneshot);
	snprintf(expect, sizeof(expect), "%s/services/both.cfg:3: `ready_fd' and `ready_check' "
		 "exclude each other", dir);
	assert_contains(log, expect);
	snprintf(expect, sizeof(expect), "%s/services/once.cfg:3: a oneshot service is ready when "
		 "it exits 0; remove `ready_fd'", dir);
	assert_contains(log, expect);
	snprintf(expect, sizeof(expect), "%s/services/rel.cfg:2: ready_check starts with \"true\"; "
		 "the program must be an absolute path", dir);
	assert_contains(log, expect);
	snprintf(expect, sizeof(expect), "%s/services/kind.cfg:2: type = \"forking\" is not "
		 "allowed; use one of \"daemon\", \"oneshot\"", dir);
	assert_contains(log, expect);
	snprintf(expect, sizeof(expect), "%s/services/lonely.cfg:2: `ready_timeout_ms' needs "
		 "`ready_fd' or `ready_check'", dir);
	assert_contains(log, expect);
	assert_int_equal(errors, 5);
	sysconfig_free(&cfg);
}

static void dependency_problems_leave_out_only_what_they_touch(void **state)
{
	struct sysconfig cfg;
	unsigned errors;
	char expect[256];
	(void)state;
	write_file(dir, "services/a.cfg", "command = [ \"/bin/true\" ]\ndepends = [ \"ghost\" ]\n");
	write_file(dir, "services/b.cfg", "command = [ \"/bin/true\" ]\n\ndepends = [ \"a\" ]\n");
	write_file(dir, "services/c.cfg", "command = [ \"/bin/true\" ]\ndepends = [ \"d\" ]\n");
	write_file(dir, "services/d.cfg", "command = [ \"/bin/true\" ]\ndepends = [ \"c\" ]\n");
	write_file(dir, "services/e.cfg", "command = [ \"/bin/true\" ]\n");
	write_file(dir, "services/e2.cfg", "name = \"e\"\ncommand = [ \"/bin/true\" ]\n");
	write_file(dir, "services/f.cfg", "command = [ \"/bin/true\" ]\ndepends = [ \"e\" ]\n");
	const char *log = load(&cfg, &errors);
	snprintf(expect, sizeof(expect), "%s/services/a.cfg:2: depends on \"ghost\", which is not "
		 "a usable service", dir);
	assert_contains(log, expect);
	snprintf(expect, sizeof(expect), "%s/services/b.cfg:3: depends on \"a\"", dir);
	assert_contains(log, expect);
	assert_contains(log, "is on a dependency cycle");
	snprintf(expect, sizeof(expect), "%s/services/e2.cfg: service name \"e\" is already used by "
		 "%s/services/e.cfg", dir, dir);
	assert_contains(log, expect);
	assert_int_equal(cfg.nservices, 2);
	assert_string_equal(cfg.services[0].name, "e");
	assert_string_equal(cfg.services[1].name, "f");
	assert_int_equal(errors, 5);
	sysconfig_free(&cfg);
}

static void service_name_defaults_to_the_file_name(void **state)
{
	struct sysconfig cfg;
	unsigned errors;
	(void)state;
	write_file(dir, "services/xenconsoled.cfg", "command = [ \"/bin/true\" ]\n");
	write_file(dir, "services/README", "not a service file\n");
	load(&cfg, &errors);
	assert_int_equal(errors, 0);
	assert_int_equal(cfg.nservices, 1);
	assert_string_equal(cfg.services[0].name, "xenconsoled");
	assert_int_equal(cfg.services[0].stop_grace_ms, 5000);
	assert_int_equal(cfg.services[0].start_limit_burst, 5);
	assert_int_equal(cfg.services[0].ready_fd, -1);
	assert_int_equal(cfg.services[0].oom_score_adj, 0);
	sysconfig_free(&cfg);
}

/* oom_score_adj as the kernel takes it: -1000 to 1000, else FILE:LINE. */
static void oom_score_adj_is_read_and_bounded(void **state)
{
	struct sysconfig cfg;
	unsigned errors;
	char expect[256];
	(void)state;
	write_file(dir, "services/store.cfg", "command = [ \"/bin/true\" ]\noom_score_adj = \"-1000\"\n");
	write_file(dir, "services/hog.cfg", "command = [ \"/bin/true\" ]\noom_score_adj = 1001\n");
	const char *log = load(&cfg, &errors);
	snprintf(expect, sizeof(expect), "%s/services/hog.cfg:2: oom_score_adj = 1001 is out of range; "
		 "allowed: -1000 to 1000", dir);
	assert_contains(log, expect);
	assert_int_equal(errors, 1);
	assert_int_equal(cfg.nservices, 1);
	assert_string_equal(cfg.services[0].name, "store");
	assert_int_equal(cfg.services[0].oom_score_adj, -1000);
	sysconfig_free(&cfg);
}

static void services_may_depend_on_the_builtin_xen_ones(void **state)
{
	struct sysconfig cfg;
	struct service_config *xen;
	size_t nxen;
	unsigned errors;
	char expect[256];
	(void)state;
	write_file(dir, "services/xenstored.cfg", "command = [ \"/bin/true\" ]\n");
	write_file(dir, "services/panel.cfg",
		   "command = [ \"/bin/true\" ]\ndepends = [ \"xenconsoled\" ]\n");
	assert_int_equal(xen_services("/bin/bulkhead", "/etc/bulkhead", &xen, &nxen), 0);
	assert_int_equal(nxen, 4);
	capture_begin();
	errors = sysconfig_load(dir, &cfg, xen, nxen);
	const char *log = capture_end();
	free(xen);
	snprintf(expect, sizeof(expect), "%s/services/xenstored.cfg: service name \"xenstored\" is "
		 "already used by built-in (Xen dom0)", dir);
	assert_contains(log, expect);
	assert_int_equal(errors, 1);
	assert_int_equal(cfg.nservices, 5);
	assert_string_equal(cfg.services[0].name, "xenstored");
	assert_string_equal(cfg.services[0].ready_check[0], XENSTORE_READ);
	assert_int_equal(cfg.services[0].restart, RESTART_NEVER);
	assert_int_equal(cfg.services[0].oom_score_adj, -1000);
	assert_int_equal(cfg.services[3].oom_score_adj, 0);
	assert_string_equal(cfg.services[1].name, "xen-init-dom0");
	assert_true(cfg.services[1].oneshot);
	assert_string_equal(cfg.services[2].name, "xenconsoled");
	assert_string_equal(cfg.services[3].name, "domains");
	assert_string_equal(cfg.services[3].argv[1], "domain-manager");
	assert_string_equal(cfg.services[3].argv[3], "/etc/bulkhead");
	assert_string_equal(cfg.services[4].name, "panel");
	sysconfig_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(good_config_is_read, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(missing_system_file_means_defaults, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(unknown_keys_and_bad_values_are_reported_with_their_lines,
						make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(syntax_error_makes_the_system_file_unreadable,
						make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(services_are_chosen_by_the_kernel_command_line,
						make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(bad_service_is_left_out_and_the_others_stay,
						make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(readiness_options_are_checked, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(dependency_problems_leave_out_only_what_they_touch,
						make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(services_may_depend_on_the_builtin_xen_ones,
						make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(oom_score_adj_is_read_and_bounded, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(service_name_defaults_to_the_file_name,
						make_dir, remove_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
