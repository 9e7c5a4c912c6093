#include "tests/unit/test_helpers.h"

#include "domains/build.h"
#include "lib/util.h"

static XLU_Config *xlu;

static int setup(void **state)
{
	(void)state;
	xlu = xlu_cfg_init(stderr, "test");
	return xlu ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	xlu_cfg_destroy(xlu);
	return 0;
}

static void set_strv(char ***v, size_t *n, const char *const *items)
{
	*v = strv_dup(items);
	assert_non_null(*v);
	for (*n = 0; items[*n]; (*n)++)
		;
}

static void a_pvh_appvm_becomes_a_libxl_config(void **state)
{
	struct domain_config dom;
	libxl_domain_config d;
	const char *why = NULL;
	(void)state;
	domain_config_init(&dom);
	strcpy(dom.name, "work");
	dom.vcpus = 3;
	dom.memory_mb = 512;
	dom.maxmem_mb = 2048;
	dom.kernel = strdup("/boot/vmlinuz");
	dom.cmdline = strdup("console=hvc0");
	dom.netvm = strdup("sys-firewall");
	set_strv(&dom.disks, &dom.ndisks, (const char *const[]){
		"format=raw, vdev=xvda, access=ro, target=/dev/mapper/tpl-root", NULL });
	/* The first vif without ip= gets the domain's address, and every vif
	 * the net domain's vif-bulkhead unless it names a script. */
	dom.address = 0x0a890005;
	set_strv(&dom.vifs, &dom.nvifs, (const char *const[]){
		"mac=00:16:3e:5e:6c:0a", "mac=00:16:3e:5e:6c:0b,script=vif-route", NULL });
	set_strv(&dom.pcis, &dom.npcis, (const char *const[]){ "0000:00:19.0", NULL });

	libxl_domain_config_init(&d);
	assert_int_equal(domain_build(&dom, xlu, NULL, NULL, &d, &why), 0);
	assert_int_equal(d.c_info.type, LIBXL_DOMAIN_TYPE_PVH);
	assert_string_equal(d.c_info.name, "work");
	assert_int_equal(d.b_info.type, LIBXL_DOMAIN_TYPE_PVH);
	assert_int_equal(d.b_info.max_vcpus, 3);
	assert_int_equal(d.b_info.avail_vcpus.size, 1);
	assert_int_equal(d.b_info.avail_vcpus.map[0], 0x07);
	assert_int_equal(d.b_info.target_memkb, 512 * 1024);
	assert_int_equal(d.b_info.max_memkb, 2048 * 1024);
	assert_string_equal(d.b_info.kernel, "/boot/vmlinuz");
	assert_null(d.b_info.ramdisk);
	assert_string_equal(d.b_info.cmdline, "console=hvc0");
	assert_int_equal(d.num_disks, 1);
	assert_string_equal(d.disks[0].vdev, "xvda");
	assert_string_equal(d.disks[0].pdev_path, "/dev/mapper/tpl-root");
	assert_int_equal(d.disks[0].readwrite, 0);
	assert_int_equal(d.num_nics, 2);
	assert_string_equal(d.nics[0].backend_domname, "sys-firewall");
	assert_int_equal(d.nics[0].mac[0], 0x00);
	assert_int_equal(d.nics[0].mac[5], 0x0a);
	assert_string_equal(d.nics[0].ip, "10.137.0.5");
	assert_string_equal(d.nics[0].script, VIF_SCRIPT);
	assert_null(d.nics[1].ip);
	assert_string_equal(d.nics[1].script, "vif-route");
	assert_int_equal(d.num_pcidevs, 1);
	assert_int_equal(d.pcidevs[0].dev, 0x19);
	/* bulkhead, not libxl, decides what a shutdown leads to. */
	assert_int_equal(d.on_crash, LIBXL_ACTION_ON_SHUTDOWN_DESTROY);
	assert_int_equal(d.on_reboot, LIBXL_ACTION_ON_SHUTDOWN_DESTROY);
	assert_false(libxl_defbool_val(d.c_info.driver_domain));
	libxl_domain_config_dispose(&d);
	domain_config_free(&dom);
}

static void a_net_domain_is_a_driver_domain(void **state)
{
	struct domain_config dom;
	libxl_domain_config d;
	const char *why = NULL;
	(void)state;
	domain_config_init(&dom);
	strcpy(dom.name, "sys-net");
	dom.class = CLASS_NET;
	libxl_domain_config_init(&d);
	assert_int_equal(domain_build(&dom, xlu, NULL, NULL, &d, &why), 0);
	/* libxl then lets it serve backends (netback) to other domains. */
	assert_true(libxl_defbool_val(d.c_info.driver_domain));
	libxl_domain_config_dispose(&d);
	domain_config_free(&dom);
}

static void pv_and_hvm_types_map_through(void **state)
{
	struct domain_config dom;
	libxl_domain_config d;
	const char *why = NULL;
	(void)state;
	domain_config_init(&dom);
	strcpy(dom.name, "legacy");
	dom.type = DOMAIN_PV;
	dom.vcpus = 9;
	libxl_domain_config_init(&d);
	assert_int_equal(domain_build(&dom, xlu, NULL, NULL, &d, &why), 0);
	assert_int_equal(d.c_info.type, LIBXL_DOMAIN_TYPE_PV);
	assert_int_equal(d.b_info.avail_vcpus.size, 2);
	assert_int_equal(d.b_info.avail_vcpus.map[0], 0xff);
	assert_int_equal(d.b_info.avail_vcpus.map[1], 0x01);
	libxl_domain_config_dispose(&d);

	dom.type = DOMAIN_HVM;
	libxl_domain_config_init(&d);
	assert_int_equal(domain_build(&dom, xlu, NULL, NULL, &d, &why), 0);
	assert_int_equal(d.b_info.type, LIBXL_DOMAIN_TYPE_HVM);
	libxl_domain_config_dispose(&d);
	domain_config_free(&dom);
}

static void a_bad_mac_is_refused(void **state)
{
	struct domain_config dom;
	libxl_domain_config d;
	const char *why = NULL;
	(void)state;
	domain_config_init(&dom);
	strcpy(dom.name, "x");
	dom.netvm = strdup("net");
	set_strv(&dom.vifs, &dom.nvifs, (const char *const[]){ "mac=00:16:3e:zz:00:01", NULL });
	libxl_domain_config_init(&d);
	assert_int_equal(domain_build(&dom, xlu, NULL, NULL, &d, &why), -1);
	assert_string_equal(why, "a vif's mac is not six hex bytes (00:16:3e:xx:xx:xx)");
	libxl_domain_config_dispose(&d);
	domain_config_free(&dom);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_pvh_appvm_becomes_a_libxl_config),
		cmocka_unit_test(pv_and_hvm_types_map_through),
		cmocka_unit_test(a_net_domain_is_a_driver_domain),
		cmocka_unit_test(a_bad_mac_is_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
