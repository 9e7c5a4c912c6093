/* domains/volumes: the plan of files and dm devices per class, the names,
 * and what cleanup may remove; config/storage_config and the volume keys
 * of domain configs. */
#include "tests/unit/test_helpers.h"

#include "config/domains.h"
#include "config/storage_config.h"
#include "domains/volumes.h"

static int make_dir(void **state)
{
	(void)state;
	return config_dir_make("domains");
}

static int remove_dir(void **state)
{
	(void)state;
	return config_dir_remove();
}

#define DOM "type = \"pv\"\nkernel = \"/boot/vmlinuz\"\n"

/* A Qubes-like set: a template, an AppVM, a disposable template (an app),
 * disposables of both kinds, a standalone, a net domain with a template. */
static void load_set(struct domains *d)
{
	write_file(dir, "domains/deb.cfg", DOM "class = \"template\"\nroot_size = 4096\n"
		   "private_size = 512\nroot_image = \"/srv/deb.img\"\n");
	write_file(dir, "domains/work.cfg", DOM "class = \"app\"\ntemplate = \"deb\"\n"
		   "private_size = 1024\nvolatile_size = 256\n");
	write_file(dir, "domains/dvm.cfg", DOM "class = \"app\"\ntemplate = \"deb\"\npreload = 2\n");
	write_file(dir, "domains/disp1.cfg", DOM "class = \"disposable\"\ntemplate = \"dvm\"\n");
	write_file(dir, "domains/disp2.cfg", DOM "class = \"disposable\"\ntemplate = \"deb\"\n");
	write_file(dir, "domains/solo.cfg", DOM "class = \"standalone\"\nroot_size = 100\n");
	write_file(dir, "domains/sys-usb.cfg", DOM "class = \"usb\"\nlabel = \"red\"\n");
	capture_begin();
	unsigned errors = domains_load(dir, d);
	const char *log = capture_end();
	if (errors)
		fail_msg("%s", log);
}

static const struct domain_config *get(const struct domains *d, const char *name)
{
	int i = domains_find(d, name);
	assert_true(i >= 0);
	return &d->dom[i];
}

static void plan_of(const struct domains *d, const char *name, struct volume_plan *p)
{
	char why[256] = "";
	if (volume_plan("/pool", get(d, name), d, p, why, sizeof(why)) != 0)
		fail_msg("%s: %s", name, why);
}

static void assert_dev(const struct volume_device *v, const char *dm, enum volume_target t,
		       const char *file, bool fresh, uint64_t size_mb)
{
	assert_string_equal(v->dm_name, dm);
	assert_int_equal(v->target, t);
	assert_string_equal(v->file.path, file);
	assert_int_equal(v->file.fresh, fresh);
	assert_int_equal(v->file.size_mb, size_mb);
}

static void a_template_owns_its_root_and_private(void **state)
{
	struct domains d;
	struct volume_plan p;
	(void)state;
	load_set(&d);
	plan_of(&d, "deb", &p);
	assert_string_equal(p.dir, "/pool/deb");
	/* Through snapshot-origin: its apps' snapshots keep their view. */
	assert_dev(&p.dev[VOLUME_ROOT], "bulkhead-deb-root", VOLUME_ORIGIN, "/pool/deb/root.img",
		   false, 4096);
	assert_string_equal(p.dev[VOLUME_ROOT].file.seed, "/srv/deb.img");
	assert_dev(&p.dev[VOLUME_PRIVATE], "bulkhead-deb-private", VOLUME_ORIGIN,
		   "/pool/deb/private.img", false, 512);
	assert_dev(&p.dev[VOLUME_VOLATILE], "bulkhead-deb-volatile", VOLUME_LINEAR,
		   "/pool/deb/volatile.img", true, 1024);
	domains_free(&d);
}

static void an_app_snapshots_its_templates_root(void **state)
{
	struct domains d;
	struct volume_plan p;
	(void)state;
	load_set(&d);
	plan_of(&d, "work", &p);
	const struct volume_device *root = &p.dev[VOLUME_ROOT];
	/* Its COW is fresh, as big as the base (0), and dropped at stop. */
	assert_dev(root, "bulkhead-work-root", VOLUME_SNAPSHOT, "/pool/work/root-cow.img", true, 0);
	assert_string_equal(root->base.path, "/pool/deb/root.img");
	assert_false(root->base.fresh);
	/* The base is made from the template's config if it is not there. */
	assert_int_equal(root->base.size_mb, 4096);
	assert_string_equal(root->base.seed, "/srv/deb.img");
	assert_string_equal(root->base_dm_name, "bulkhead-deb-root");
	assert_dev(&p.dev[VOLUME_PRIVATE], "bulkhead-work-private", VOLUME_ORIGIN,
		   "/pool/work/private.img", false, 1024);
	assert_dev(&p.dev[VOLUME_VOLATILE], "bulkhead-work-volatile", VOLUME_LINEAR,
		   "/pool/work/volatile.img", true, 256);
	domains_free(&d);
}

static void a_disposable_keeps_nothing(void **state)
{
	struct domains d;
	struct volume_plan p;
	(void)state;
	load_set(&d);
	/* From a disposable template: root of its template, private of dvm. */
	plan_of(&d, "disp1", &p);
	for (int r = 0; r < VOLUME_ROLES; r++)
		assert_true(p.dev[r].file.fresh);
	assert_string_equal(p.dev[VOLUME_ROOT].base.path, "/pool/deb/root.img");
	assert_dev(&p.dev[VOLUME_PRIVATE], "bulkhead-disp1-private", VOLUME_SNAPSHOT,
		   "/pool/disp1/private-cow.img", true, 0);
	assert_string_equal(p.dev[VOLUME_PRIVATE].base.path, "/pool/dvm/private.img");
	assert_string_equal(p.dev[VOLUME_PRIVATE].base_dm_name, "bulkhead-dvm-private");
	/* From a template: the template's private is the base. */
	plan_of(&d, "disp2", &p);
	assert_string_equal(p.dev[VOLUME_ROOT].base.path, "/pool/deb/root.img");
	assert_string_equal(p.dev[VOLUME_PRIVATE].base.path, "/pool/deb/private.img");
	assert_int_equal(p.dev[VOLUME_PRIVATE].base.size_mb, 512);
	domains_free(&d);
}

static void standalone_and_drivers_own_plain_volumes(void **state)
{
	struct domains d;
	struct volume_plan p;
	(void)state;
	load_set(&d);
	plan_of(&d, "solo", &p);
	assert_dev(&p.dev[VOLUME_ROOT], "bulkhead-solo-root", VOLUME_LINEAR, "/pool/solo/root.img",
		   false, 100);
	assert_null(p.dev[VOLUME_ROOT].file.seed);
	assert_dev(&p.dev[VOLUME_PRIVATE], "bulkhead-solo-private", VOLUME_LINEAR,
		   "/pool/solo/private.img", false, 2048);
	plan_of(&d, "sys-usb", &p);
	assert_dev(&p.dev[VOLUME_ROOT], "bulkhead-sys-usb-root", VOLUME_LINEAR,
		   "/pool/sys-usb/root.img", false, 10240);
	domains_free(&d);
}

static void a_pool_path_too_long_is_refused(void **state)
{
	struct domains d;
	struct volume_plan p;
	char pool[2 * VOLUME_PATH_MAX], why[256];
	(void)state;
	load_set(&d);
	memset(pool, 'a', sizeof(pool) - 1);
	pool[0] = '/';
	pool[sizeof(pool) - 1] = '\0';
	assert_int_equal(volume_plan(pool, get(&d, "work"), &d, &p, why, sizeof(why)), -1);
	assert_contains(why, "pool path /aaaa");
	domains_free(&d);
}

static void names_say_whose_and_what(void **state)
{
	char domain[DOMAIN_NAME_MAX + 1], name[VOLUME_DM_NAME_MAX + 1];
	enum volume_role role;
	(void)state;
	volume_dm_name("sys-net", VOLUME_PRIVATE, name);
	assert_string_equal(name, "bulkhead-sys-net-private");
	assert_true(volume_dm_parse(name, domain, &role));
	assert_string_equal(domain, "sys-net");
	assert_int_equal(role, VOLUME_PRIVATE);
	assert_true(volume_dm_parse("bulkhead-a.b_c-volatile", domain, &role));
	assert_string_equal(domain, "a.b_c");
	assert_int_equal(role, VOLUME_VOLATILE);
	/* Not ours: another prefix, an unknown role, no domain, a bad name. */
	assert_false(volume_dm_parse("vg0-root", domain, &role));
	assert_false(volume_dm_parse("bulkhead-work-swap", domain, &role));
	assert_false(volume_dm_parse("bulkhead--root", domain, &role));
	assert_false(volume_dm_parse("bulkhead-root", domain, &role));
	assert_false(volume_dm_parse("bulkhead-9lives-root", domain, &role));
	assert_false(volume_dm_parse("bulkhead-a-very-long-domain-name-over-31x-root", domain,
				     &role));
}

/* A spare's name is no domain's device's: a domain may be called spare0,
 * its devices end in their role. */
static void spares_have_names_no_domain_has(void **state)
{
	char name[VOLUME_DM_NAME_MAX + 1], domain[DOMAIN_NAME_MAX + 1];
	enum volume_role role;
	(void)state;
	for (unsigned k = 0; k < VOLUME_SPARES_MAX; k++) {
		volume_spare_name(k, name);
		assert_true(volume_is_spare(name));
		assert_false(volume_dm_parse(name, domain, &role));
	}
	volume_spare_name(0, name);
	assert_string_equal(name, "bulkhead-spare0");
	volume_dm_name("spare0", VOLUME_ROOT, name);
	assert_false(volume_is_spare(name));
	assert_true(volume_dm_parse(name, domain, &role));
	assert_string_equal(domain, "spare0");
	assert_false(volume_is_spare("bulkhead-spare"));
	assert_false(volume_is_spare("bulkhead-spare1x"));
	assert_false(volume_is_spare("bulkhead-spare12345"));
	assert_false(volume_is_spare("other-spare1"));
}

static bool only_work_runs(const char *domain, void *ctx)
{
	(void)ctx;
	return strcmp(domain, "work") == 0;
}

static void cleanup_removes_only_what_is_ours_and_unused(void **state)
{
	(void)state;
	assert_int_equal(volume_judge_device("bulkhead-work-root", only_work_runs, NULL),
			 VOLUME_IN_USE);
	assert_int_equal(volume_judge_device("bulkhead-disp7-root", only_work_runs, NULL),
			 VOLUME_STALE);
	assert_int_equal(volume_judge_device("bulkhead-work-swap", only_work_runs, NULL),
			 VOLUME_NOT_OURS);
	assert_int_equal(volume_judge_device("luks-1234", only_work_runs, NULL), VOLUME_NOT_OURS);
	/* An earlier manager's spares go, whoever runs. */
	assert_int_equal(volume_judge_device("bulkhead-spare0", only_work_runs, NULL),
			 VOLUME_OLD_SPARE);
	/* Scratch files hold nothing to keep; kept files are never scratch. */
	assert_true(volume_file_is_scratch("root-cow.img"));
	assert_true(volume_file_is_scratch("private-cow.img"));
	assert_true(volume_file_is_scratch("volatile.img"));
	assert_false(volume_file_is_scratch("root.img"));
	assert_false(volume_file_is_scratch("private.img"));
	assert_false(volume_file_is_scratch("root.img.new"));
}

static void volume_keys_are_checked(void **state)
{
	struct domains d;
	(void)state;
	write_file(dir, "domains/deb.cfg", DOM "class = \"template\"\n");
	write_file(dir, "domains/bare.cfg", DOM "class = \"template\"\nvolumes = 0\n");
	write_file(dir, "domains/a1.cfg", DOM "class = \"app\"\ntemplate = \"deb\"\n"
		   "root_image = \"/x.img\"\n");
	write_file(dir, "domains/a2.cfg", DOM "class = \"standalone\"\nprivate_size = 0\n"
		   "preload = 1\n");
	write_file(dir, "domains/a3.cfg", DOM "class = \"app\"\ntemplate = \"bare\"\n");
	write_file(dir, "domains/a4.cfg", DOM "class = \"disposable\"\ntemplate = \"a3\"\n");
	write_file(dir, "domains/a5.cfg", DOM "class = \"standalone\"\nroot_image = \"x.img\"\n");
	write_file(dir, "domains/a6.cfg", DOM "class = \"template\"\nvolumes = 0\npreload = 1\n");
	capture_begin();
	unsigned errors = domains_load(dir, &d);
	const char *log = capture_end();
	assert_true(errors >= 6);
	assert_int_equal(d.n, 2);
	assert_contains(log, "a1.cfg:5: root_image is for a domain with a root of its own");
	assert_contains(log, "a2.cfg:4: private_size = 0 is out of range");
	assert_contains(log, "a2.cfg:5: preload is for a disposable template");
	assert_contains(log, "a3.cfg:4: template = \"bare\" has volumes = 0");
	/* a4 goes with a3, named after a3's cause. */
	assert_contains(log, "a3.cfg: with a3 left out, so are the domains that need it: a4 "
			"(template = a3)");
	assert_contains(log, "a5.cfg:4: root_image = \"x.img\" is not an absolute path");
	assert_contains(log, "a6.cfg:5: preload with volumes = 0");
	domains_free(&d);
}

static void storage_config_has_defaults_and_checks(void **state)
{
	struct storage_config s;
	(void)state;
	assert_int_equal(storage_config_load(dir, &s), 0);
	assert_string_equal(s.pool, STORAGE_DEFAULT_POOL);
	assert_null(s.pool_device);
	assert_string_equal(s.pool_fstype, "ext4");
	storage_config_free(&s);
	write_file(dir, "storage.cfg", "pool = \"/srv/pool\"\npool_device = \"/dev/mapper/p\"\n"
		   "pool_fstype = \"xfs\"\ndefault_dispvm = \"dvm\"\n");
	assert_int_equal(storage_config_load(dir, &s), 0);
	assert_string_equal(s.pool, "/srv/pool");
	assert_string_equal(s.pool_device, "/dev/mapper/p");
	assert_string_equal(s.pool_fstype, "xfs");
	assert_string_equal(s.default_dispvm, "dvm");
	storage_config_free(&s);
	write_file(dir, "storage.cfg", "pool = \"pool\"\npool_fstype = \"ext4 -o x\"\n"
		   "default_dispvm = \"9x\"\nsize = 1\n");
	capture_begin();
	unsigned errors = storage_config_load(dir, &s);
	const char *log = capture_end();
	assert_int_equal(errors, 4);
	assert_contains(log, "storage.cfg:1: pool = \"pool\" is not an absolute path");
	assert_contains(log, "storage.cfg:2: pool_fstype = \"ext4 -o x\" is not a filesystem type");
	assert_contains(log, "storage.cfg:3: default_dispvm = \"9x\" is not a domain name");
	assert_contains(log, "storage.cfg:4:");
	/* What was wrong keeps its default. */
	assert_string_equal(s.pool, STORAGE_DEFAULT_POOL);
	storage_config_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(a_template_owns_its_root_and_private, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(an_app_snapshots_its_templates_root, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(a_disposable_keeps_nothing, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(standalone_and_drivers_own_plain_volumes, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(a_pool_path_too_long_is_refused, make_dir, remove_dir),
		cmocka_unit_test(names_say_whose_and_what),
		cmocka_unit_test(spares_have_names_no_domain_has),
		cmocka_unit_test(cleanup_removes_only_what_is_ours_and_unused),
		cmocka_unit_test_setup_teardown(volume_keys_are_checked, make_dir, remove_dir),
		cmocka_unit_test_setup_teardown(storage_config_has_defaults_and_checks, make_dir, remove_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
