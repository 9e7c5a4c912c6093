#include "tests/unit/test_helpers.h"

#include <errno.h>

#include "domains/dispvm.h"
#include "lib/util.h"

static void dvm_init(struct domain_config *dvm)
{
	domain_config_init(dvm);
	strcpy(dvm->name, "work-dvm");
	dvm->class = CLASS_APP;
	dvm->label = LABEL_ORANGE;
	dvm->type = DOMAIN_PV;
	dvm->memory_mb = 300;
	dvm->maxmem_mb = 600;
	dvm->vcpus = 2;
	dvm->gui = true;
	dvm->volatile_mb = 64;
	dvm->preload = 2;
	dvm->autostart = true;
	dvm->kernel = strdup("/boot/vmlinuz");
	dvm->cmdline = strdup("console=hvc0");
	dvm->template_name = strdup("debian-12");
	dvm->netvm = strdup("sys-firewall");
	const char *rules[] = { "allow tcp port 443", "deny", NULL };
	dvm->firewall = strv_dup(rules);
	dvm->nfirewall = 2;
	dvm->firewall_policy = FW_DENY;
	dvm->address = 0x0a890005;
	dvm->address_given = true;
	const char *vifs[] = { "mac=00:16:3e:00:00:01, vifname=a, ip=10.137.0.5",
			       "mac=00:16:3e:00:00:02", NULL };
	dvm->vifs = strv_dup(vifs);
	dvm->nvifs = 2;
	const char *pcis[] = { "0000:00:19.0", NULL };
	dvm->pcis = strv_dup(pcis);
	dvm->npcis = 1;
	dvm->source = strdup("/etc/bulkhead/domains/work-dvm.cfg");
}

/* A disposable is its template's look and size, never its devices,
 * never restarted, never autostarted. */
static void config_comes_from_the_template(void **state)
{
	struct domain_config dvm, d;
	(void)state;
	dvm_init(&dvm);
	assert_int_equal(dispvm_config(&dvm, "disp3", &d), 0);
	assert_string_equal(d.name, "disp3");
	assert_int_equal(d.class, CLASS_DISPOSABLE);
	assert_string_equal(d.template_name, "work-dvm");
	assert_int_equal(d.label, LABEL_ORANGE);
	assert_int_equal(d.type, DOMAIN_PV);
	assert_int_equal(d.memory_mb, 300);
	assert_int_equal(d.maxmem_mb, 600);
	assert_int_equal(d.vcpus, 2);
	assert_true(d.gui);
	assert_true(d.volumes);
	assert_int_equal(d.volatile_mb, 64);
	assert_string_equal(d.kernel, "/boot/vmlinuz");
	assert_null(d.ramdisk);
	assert_string_equal(d.cmdline, "console=hvc0");
	assert_string_equal(d.netvm, "sys-firewall");
	assert_int_equal(d.nvifs, 2);
	assert_string_equal(d.vifs[0], "vifname=a");
	assert_string_equal(d.vifs[1], "");
	assert_null(d.vifs[2]);
	/* Its template's firewall, an address of its own. */
	assert_int_equal(d.nfirewall, 2);
	assert_string_equal(d.firewall[0], "allow tcp port 443");
	assert_string_equal(d.firewall[1], "deny");
	assert_null(d.firewall[2]);
	assert_int_equal(d.firewall_policy, FW_DENY);
	assert_int_equal(d.address, dispvm_address("disp3"));
	assert_false(d.address_given);
	assert_int_equal(d.npcis, 0);
	assert_int_equal(d.ndisks, 0);
	assert_int_equal(d.preload, 0);
	assert_false(d.autostart);
	assert_int_equal(d.restart, RESTART_NEVER);
	assert_int_equal(d.on_poweroff, ACTION_DESTROY);
	assert_int_equal(d.on_reboot, ACTION_DESTROY);
	assert_int_equal(d.on_crash, ACTION_DESTROY);
	assert_string_equal(d.source, "disposable of work-dvm");
	/* Its own copies: the template's config may go first. */
	domain_config_free(&dvm);
	assert_string_equal(d.kernel, "/boot/vmlinuz");
	assert_string_equal(d.firewall[0], "allow tcp port 443");
	domain_config_free(&d);
}

/* 10.138.0.0/16, never .0 or .255 of a /24. */
static void disposables_have_addresses_of_their_own(void **state)
{
	char a[16];
	(void)state;
	ipv4_format(dispvm_address("disp0"), a);
	assert_string_equal(a, "10.138.0.1");
	ipv4_format(dispvm_address("disp253"), a);
	assert_string_equal(a, "10.138.0.254");
	ipv4_format(dispvm_address("disp254"), a);
	assert_string_equal(a, "10.138.1.1");
	char last[16];
	snprintf(last, sizeof(last), "disp%u", DISPVM_ADDRESSES - 1);
	ipv4_format(dispvm_address(last), a);
	assert_string_equal(a, "10.138.255.254");
	snprintf(last, sizeof(last), "disp%u", DISPVM_ADDRESSES);
	assert_int_equal(dispvm_address(last), 0);
	assert_int_equal(dispvm_address("work"), 0);
	assert_int_equal(dispvm_address("disp"), 0);
	assert_int_equal(dispvm_address("disp1x"), 0);
}

static void vif_spec_loses_its_mac_and_ip(void **state)
{
	char *out = NULL;
	(void)state;
	assert_int_equal(dispvm_vif_spec("bridge=br0, mac=00:16:3e:5e:6c:00 ,vifname=x,ip=10.1.2.3",
					 &out), 0);
	assert_string_equal(out, "bridge=br0,vifname=x");
	free(out);
	assert_int_equal(dispvm_vif_spec("mac=00:16:3e:5e:6c:00", &out), 0);
	assert_string_equal(out, "");
	free(out);
	assert_int_equal(dispvm_vif_spec("", &out), 0);
	assert_string_equal(out, "");
	free(out);
}

static void templates_are_checked(void **state)
{
	struct domain_config dvm;
	char why[256];
	(void)state;
	dvm_init(&dvm);
	assert_true(dispvm_template_ok(&dvm, why, sizeof(why)));
	dvm.class = CLASS_TEMPLATE;
	assert_true(dispvm_template_ok(&dvm, why, sizeof(why)));
	dvm.class = CLASS_NET;
	assert_false(dispvm_template_ok(&dvm, why, sizeof(why)));
	assert_string_equal(why, "work-dvm is of class net; a disposable template is of class "
			    "template or app");
	dvm.class = CLASS_DISPOSABLE;
	assert_false(dispvm_template_ok(&dvm, why, sizeof(why)));
	dvm.class = CLASS_APP;
	dvm.volumes = false;
	assert_false(dispvm_template_ok(&dvm, why, sizeof(why)));
	assert_contains(why, "volumes = 0");
	domain_config_free(&dvm);
}

static bool taken(const char *name, void *ctx)
{
	const char *const *names = ctx;
	for (; *names; names++)
		if (strcmp(*names, name) == 0)
			return true;
	return false;
}

/* Names are never used twice, and skip what exists already. */
static void names_skip_what_is_taken(void **state)
{
	const char *names[] = { "disp1", "disp2", "disp4", NULL };
	char out[DOMAIN_NAME_MAX + 1];
	unsigned next = 1;
	(void)state;
	assert_true(dispvm_name(&next, taken, names, out));
	assert_string_equal(out, "disp3");
	assert_int_equal(next, 4);
	assert_true(dispvm_name(&next, taken, names, out));
	assert_string_equal(out, "disp5");
	assert_true(dispvm_name(&next, taken, names, out));
	assert_string_equal(out, "disp6");
	assert_true(domain_name_is_valid(out, strlen(out)));
}

/* storage.cfg's default_dispvm is checked against the domains, FILE:LINE. */
static void default_template_is_checked(void **state)
{
	struct domain_config dom[2];
	struct domains doms = { .dom = dom, .n = 2 };
	struct storage_config st = { .source = "/etc/bulkhead/storage.cfg",
				     .default_dispvm_line = 4 };
	(void)state;
	dvm_init(&dom[0]);
	domain_config_init(&dom[1]);
	strcpy(dom[1].name, "sys-net");
	dom[1].class = CLASS_NET;
	assert_int_equal(dispvm_check_default(&st, &doms), 0);	/* none set */
	strcpy(st.default_dispvm, "work-dvm");
	assert_int_equal(dispvm_check_default(&st, &doms), 0);
	strcpy(st.default_dispvm, "sys-net");
	capture_begin();
	assert_int_equal(dispvm_check_default(&st, &doms), 1);
	assert_contains(capture_end(), "/etc/bulkhead/storage.cfg:4: default_dispvm = \"sys-net\": "
			"sys-net is of class net; a disposable template is of class template or app");
	strcpy(st.default_dispvm, "ghost");
	capture_begin();
	assert_int_equal(dispvm_check_default(&st, &doms), 1);
	assert_contains(capture_end(), "/etc/bulkhead/storage.cfg:4: default_dispvm = \"ghost\" "
			"names no configured domain");
	domain_config_free(&dom[0]);
	domain_config_free(&dom[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(config_comes_from_the_template),
		cmocka_unit_test(vif_spec_loses_its_mac_and_ip),
		cmocka_unit_test(disposables_have_addresses_of_their_own),
		cmocka_unit_test(templates_are_checked),
		cmocka_unit_test(names_skip_what_is_taken),
		cmocka_unit_test(default_template_is_checked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
