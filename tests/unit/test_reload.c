#include "tests/unit/test_helpers.h"

#include "config/domains.h"
#include "domains/reload.h"
#include "lib/util.h"

static int setup(void **state)
{
	(void)state;
	return config_dir_make("domains");
}

static int teardown(void **state)
{
	(void)state;
	return config_dir_remove();
}

/* DIR/domains read into D; fails the test on any problem. */
static void load(struct domains *d)
{
	assert_int_equal(domains_load(dir, d), 0);
}

static const struct domain_config *find(const struct domains *d, const char *name)
{
	int i = domains_find(d, name);
	assert_true(i >= 0);
	return &d->dom[i];
}

static void compare(const struct domains *a, const struct domains *b, const char *name,
		    struct reload_change *c)
{
	reload_compare(find(a, name), find(b, name), c);
	assert_string_equal(c->name, name);
}

#define NET "class = \"net\"\nkernel = \"/k\"\nvolumes = 0\n"
#define ALPHA_HEAD "class = \"standalone\"\nkernel = \"/k\"\nvolumes = 0\nnetvm = \"sys-firewall\"\n"

/* Rules spelled otherwise but the same once canonical are no change; a
 * rule or the policy changed is a firewall change, and nothing else. */
static void firewall_changes_apply_now(void **state)
{
	struct domains a, b;
	struct reload_change c;
	char line[512];
	(void)state;
	write_file(dir, "domains/sys-firewall.cfg", NET);
	write_file(dir, "domains/alpha.cfg", ALPHA_HEAD
		   "firewall = [ \"allow tcp to 10.0.2.15 port 8000\", \"deny tcp port 8001\" ]\n");
	load(&a);
	write_file(dir, "domains/alpha.cfg", ALPHA_HEAD
		   "firewall = [ \"allow  tcp  to 10.0.2.15/32 port 8000-8000\", "
		   "\"deny tcp port 8001\" ]\n");
	load(&b);
	compare(&a, &b, "alpha", &c);
	assert_int_equal(c.kind, RELOAD_SAME);
	compare(&a, &b, "sys-firewall", &c);
	assert_int_equal(c.kind, RELOAD_SAME);
	domains_free(&b);

	write_file(dir, "domains/alpha.cfg", ALPHA_HEAD
		   "firewall = [ \"allow tcp to 10.0.2.15 port 8000\", \"allow tcp port 8001\" ]\n");
	load(&b);
	compare(&a, &b, "alpha", &c);
	assert_int_equal(c.kind, RELOAD_CHANGED);
	assert_true(c.firewall);
	assert_string_equal(c.keys, "");
	reload_describe(&c, true, "sys-firewall", true, line, sizeof(line));
	assert_string_equal(line, "domain alpha: firewall changed: given to sys-firewall now");
	reload_describe(&c, false, "sys-firewall", false, line, sizeof(line));
	assert_string_equal(line, "domain alpha: firewall changed: given to sys-firewall when it "
			    "runs");
	domains_free(&b);

	/* One rule fewer; then the policy alone. */
	write_file(dir, "domains/alpha.cfg", ALPHA_HEAD
		   "firewall = [ \"allow tcp to 10.0.2.15 port 8000\" ]\n");
	load(&b);
	compare(&a, &b, "alpha", &c);
	assert_true(c.firewall);
	domains_free(&b);
	write_file(dir, "domains/alpha.cfg", ALPHA_HEAD
		   "firewall = [ \"allow tcp to 10.0.2.15 port 8000\", \"deny tcp port 8001\" ]\n"
		   "firewall_policy = \"deny\"\n");
	load(&b);
	compare(&a, &b, "alpha", &c);
	assert_true(c.firewall);
	assert_string_equal(c.keys, "");
	domains_free(&b);
	domains_free(&a);
}

/* Any other key waits for the next start, said by its name, next to a
 * firewall change that does not wait. */
static void other_changes_wait_for_the_next_start(void **state)
{
	struct domains a, b;
	struct reload_change c;
	char line[512];
	(void)state;
	write_file(dir, "domains/sys-firewall.cfg", NET);
	write_file(dir, "domains/sys-other.cfg", NET);
	write_file(dir, "domains/alpha.cfg", ALPHA_HEAD "memory = 200\n");
	load(&a);
	write_file(dir, "domains/alpha.cfg", "class = \"standalone\"\nkernel = \"/k\"\nvolumes = 0\nnetvm = \"sys-other\"\n"
		   "memory = 300\nfirewall = [ \"deny udp\" ]\n");
	load(&b);
	compare(&a, &b, "alpha", &c);
	assert_int_equal(c.kind, RELOAD_CHANGED);
	assert_true(c.firewall);
	/* Its address is its name's, whichever netvm: it stays. */
	assert_string_equal(c.keys, "memory, maxmem, netvm");
	reload_describe(&c, true, "sys-firewall", true, line, sizeof(line));
	assert_string_equal(line, "domain alpha: firewall changed: given to sys-firewall now; "
			    "memory, maxmem, netvm changed: applies at its next start (it runs)");
	c.firewall = false;
	reload_describe(&c, false, "sys-firewall", true, line, sizeof(line));
	assert_string_equal(line, "domain alpha: memory, maxmem, netvm changed: applies at its next start");
	domains_free(&b);
	domains_free(&a);
}

/* Every key a domain file may set is told apart, by the name the file
 * uses. */
static void every_key_is_named(void **state)
{
	static const struct {
		const char *text, *key;
	} cases[] = {
		{ "type = \"pv\"\n", "type" },
		{ "label = \"red\"\n", "label" },
		{ "memory = 512\n", "memory, maxmem" },
		{ "maxmem = 900\n", "maxmem" },
		{ "vcpus = 2\n", "vcpus" },
		{ "ramdisk = \"/r\"\n", "ramdisk" },
		{ "extra = \"console=hvc0\"\n", "extra" },
		{ "vif = [ \"mac=00:16:3e:00:00:01\" ]\n", "vif" },
		{ "pci = [ \"0000:00:19.0\" ]\n", "pci" },
		{ "autostart = 1\n", "autostart" },
		{ "gui = 1\n", "gui" },
		{ "xwayland = 1\n", "xwayland" },
		{ "usb_attach = [ \"sys-usb:1-1\" ]\n", "usb_attach" },
		{ "restart = \"always\"\n", "restart, on_poweroff" },
		{ "on_crash = \"preserve\"\n", "on_crash" },
		{ "on_reboot = \"destroy\"\n", "on_reboot" },
		{ "start_limit_burst = 9\n", "start_limit_burst" },
		{ "start_limit_interval_ms = 9000\n", "start_limit_interval_ms" },
		{ "vif = [ \"ip=10.137.0.77\" ]\n", "vif, address" },
	};
	(void)state;
	write_file(dir, "domains/sys-firewall.cfg", NET);
	write_file(dir, "domains/sys-usb.cfg", "class = \"usb\"\nkernel = \"/k\"\n");
	write_file(dir, "domains/alpha.cfg", ALPHA_HEAD);
	struct domains a, b;
	struct reload_change c;
	char text[256];
	load(&a);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), ALPHA_HEAD "%s", cases[i].text);
		write_file(dir, "domains/alpha.cfg", text);
		load(&b);
		compare(&a, &b, "alpha", &c);
		assert_int_equal(c.kind, RELOAD_CHANGED);
		assert_false(c.firewall);
		assert_string_equal(c.keys, cases[i].key);
		domains_free(&b);
	}
	/* The volumes' keys and class, on a domain that has them. */
	write_file(dir, "domains/alpha.cfg", "kernel = \"/k\"\nclass = \"template\"\n");
	domains_free(&a);
	load(&a);
	write_file(dir, "domains/alpha.cfg", "kernel = \"/k\"\nclass = \"template\"\n"
		   "root_size = 20\nprivate_size = 30\nvolatile_size = 40\n"
		   "root_image = \"/i\"\npreload = 1\n");
	load(&b);
	compare(&a, &b, "alpha", &c);
	assert_string_equal(c.keys, "root_size, private_size, volatile_size, root_image, preload");
	domains_free(&b);
	write_file(dir, "domains/alpha.cfg", "kernel = \"/k\"\nclass = \"standalone\"\n");
	load(&b);
	compare(&a, &b, "alpha", &c);
	assert_string_equal(c.keys, "class");
	domains_free(&b);
	write_file(dir, "domains/alpha.cfg", "kernel = \"/k\"\nclass = \"template\"\n"
		   "volumes = 0\n");
	load(&b);
	compare(&a, &b, "alpha", &c);
	assert_string_equal(c.keys, "volumes");
	domains_free(&b);
	domains_free(&a);
}

/* New and removed domains, and a line cut short where it must be. */
static void new_and_removed_domains_are_said(void **state)
{
	struct reload_change c = { .name = "gamma", .kind = RELOAD_NEW };
	char line[512], tiny[12];
	(void)state;
	reload_describe(&c, false, NULL, false, line, sizeof(line));
	assert_string_equal(line, "domain gamma is new: `bulkhead ctl start gamma' starts it");
	c.autostart = true;
	reload_describe(&c, false, NULL, false, line, sizeof(line));
	assert_string_equal(line, "domain gamma is new: started now (autostart)");
	c.kind = RELOAD_REMOVED;
	reload_describe(&c, true, "sys-net", true, line, sizeof(line));
	assert_string_equal(line, "domain gamma is no longer configured: asked to shut down, "
			    "and forgotten once it stops");
	reload_describe(&c, false, NULL, false, line, sizeof(line));
	assert_string_equal(line, "domain gamma is no longer configured: forgotten");
	c = (struct reload_change){ .name = "delta", .kind = RELOAD_CHANGED, .firewall = true,
				    .keys = "memory" };
	reload_describe(&c, true, NULL, false, line, sizeof(line));
	assert_string_equal(line, "domain delta: firewall changed (no netvm enforces it); memory "
			    "changed: applies at its next start (it runs)");
	reload_describe(&c, true, "sys-firewall", true, tiny, sizeof(tiny));
	assert_string_equal(tiny, "domain delt");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(firewall_changes_apply_now, setup, teardown),
		cmocka_unit_test_setup_teardown(other_changes_wait_for_the_next_start, setup,
						teardown),
		cmocka_unit_test_setup_teardown(every_key_is_named, setup, teardown),
		cmocka_unit_test(new_and_removed_domains_are_said),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
