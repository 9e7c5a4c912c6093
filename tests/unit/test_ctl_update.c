/*
 * test_ctl_update.c - `bulkhead ctl update' (tools/ctl_update.h) on a fake
 * domain manager: which domain it updates, the command apt runs there,
 * the template started and stopped again (or left as it ran), the domains
 * said to run an older root, and every refusal with its reason.
 */
#include "tests/unit/test_helpers.h"

#include <stdarg.h>

#include "config/domain_config.h"
#include "proto/domstate.h"
#include "tools/ctl_update.h"

/* ---- the fake manager ---- */

struct fake {
	struct ctl_domain_info doms[8];
	size_t n;
	bool unreachable;
	int status;			/* what the command in the domain returns */
	int stop_after;			/* lists before a stopping domain is stopped; -1: never */
	int stopping_lists;
	unsigned lists, stops, runs, pauses;
	char ran_in[DOMAIN_NAME_MAX + 1];
	char command[DISPOSABLE_COMMAND_MAX + 1];
	char stopped[DOMAIN_NAME_MAX + 1];
};

static struct ctl_domain_info *fake_find(struct fake *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->doms[i].name, name) == 0)
			return &f->doms[i];
	return NULL;
}

static void fake_add(struct fake *f, const char *name, enum domain_class class,
		     const char *template, enum domain_state state)
{
	struct ctl_domain_info *d = &f->doms[f->n++];
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", name);
	snprintf(d->template_name, sizeof(d->template_name), "%s", template);
	d->class = (uint8_t)class;
	d->state = (uint8_t)state;
	d->domid = state == DOM_RUNNING ? (uint32_t)f->n : CTL_NO_DOMID;
}

/* A template stopping as the manager does: once stopped, the domains of
 * its root that run are on an older one. */
static void fake_progress(struct fake *f)
{
	for (size_t i = 0; i < f->n; i++) {
		struct ctl_domain_info *t = &f->doms[i];
		if (t->state != DOM_STOPPING || f->stop_after < 0 ||
		    ++f->stopping_lists <= f->stop_after)
			continue;
		t->state = DOM_STOPPED;
		for (size_t j = 0; j < f->n; j++)
			if (strcmp(f->doms[j].template_name, t->name) == 0 &&
			    f->doms[j].state == DOM_RUNNING)
				f->doms[j].config |= CTL_CONFIG_OLD_ROOT;
	}
}

static ssize_t fake_list(void *ctx, struct ctl_domain_info *doms)
{
	struct fake *f = ctx;
	f->lists++;
	if (f->unreachable)
		return -1;
	fake_progress(f);
	memcpy(doms, f->doms, f->n * sizeof(*doms));
	return (ssize_t)f->n;
}

static int fake_stop(void *ctx, const char *name)
{
	struct fake *f = ctx;
	f->stops++;
	snprintf(f->stopped, sizeof(f->stopped), "%s", name);
	struct ctl_domain_info *d = fake_find(f, name);
	assert_non_null(d);
	d->state = DOM_STOPPING;
	return 0;
}

/* The call starts a domain that is down, as the manager's broker does. */
static int fake_run(void *ctx, const char *name, const char *command)
{
	struct fake *f = ctx;
	f->runs++;
	snprintf(f->ran_in, sizeof(f->ran_in), "%s", name);
	snprintf(f->command, sizeof(f->command), "%s", command);
	struct ctl_domain_info *d = fake_find(f, name);
	assert_non_null(d);
	d->state = DOM_RUNNING;
	return f->status;
}

static void fake_pause(void *ctx, unsigned ms)
{
	struct fake *f = ctx;
	assert_int_equal(ms, CTL_UPDATE_WAIT_MS);
	f->pauses++;
}

static const struct ctl_update_ops fake_ops = { fake_list, fake_stop, fake_run, fake_pause };

/* debian (a template, stopped) with work and sys-net on its root, both
 * running, and other-work of another template. */
static void fake_laptop(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	f->stop_after = 3;
	fake_add(f, "debian", CLASS_TEMPLATE, "", DOM_STOPPED);
	fake_add(f, "work", CLASS_APP, "debian", DOM_RUNNING);
	fake_add(f, "sys-net", CLASS_NET, "debian", DOM_RUNNING);
	fake_add(f, "personal", CLASS_APP, "debian", DOM_STOPPED);
	fake_add(f, "fedora", CLASS_TEMPLATE, "", DOM_STOPPED);
	fake_add(f, "other-work", CLASS_APP, "fedora", DOM_RUNNING);
	fake_add(f, "sys-usb", CLASS_USB, "", DOM_RUNNING);
	fake_add(f, "box", CLASS_STANDALONE, "", DOM_RUNNING);
}

/* ctl update with ARGS (NULL-ended) on F: its status; *OUT, *ERR what it
 * said (freed by the caller). */
static int update(struct fake *f, char **out, char **err, ...)
{
	char *argv[16];
	int argc = 0;
	va_list ap;
	va_start(ap, err);
	for (char *a; (a = va_arg(ap, char *));)
		argv[argc++] = a;
	va_end(ap);
	size_t olen, elen;
	FILE *o = open_memstream(out, &olen), *e = open_memstream(err, &elen);
	assert_non_null(o);
	assert_non_null(e);
	int rc = ctl_update(&fake_ops, f, argc, argv, o, e);
	fclose(o);
	fclose(e);
	return rc;
}

#define UPGRADE "export DEBIAN_FRONTEND=noninteractive; apt-get -q --error-on=any update && " \
	"apt-get -q -y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold " \
	"full-upgrade"

/* ---- the tests ---- */

static void a_stopped_template_is_started_updated_and_stopped(void **state)
{
	(void)state;
	static struct fake f;
	char *out, *err;
	fake_laptop(&f);
	assert_int_equal(update(&f, &out, &err, "debian", NULL), 0);
	assert_int_equal(f.runs, 1);
	assert_string_equal(f.ran_in, "debian");
	assert_string_equal(f.command, UPGRADE " && apt-get -q clean && sync");
	/* Stopped again, and waited for: its domains take its root only then. */
	assert_int_equal(f.stops, 1);
	assert_string_equal(f.stopped, "debian");
	assert_int_equal(fake_find(&f, "debian")->state, DOM_STOPPED);
	assert_int_equal(f.pauses, 3);
	assert_non_null(strstr(out, "bulkhead ctl: update: starting debian: " UPGRADE));
	assert_non_null(strstr(out, "bulkhead ctl: update: debian is up to date and stopped; its "
			       "domains take its root at their next start; running an older "
			       "one until they start again: work, sys-net\n"));
	assert_null(strstr(out, "other-work"));
	assert_string_equal(err, "");
	free(out);
	free(err);
}

static void a_running_template_is_left_running(void **state)
{
	(void)state;
	static struct fake f;
	char *out, *err;
	fake_laptop(&f);
	fake_find(&f, "debian")->state = DOM_RUNNING;
	assert_int_equal(update(&f, &out, &err, "debian", NULL), 0);
	assert_int_equal(f.runs, 1);
	assert_int_equal(f.stops, 0);
	assert_int_equal(fake_find(&f, "debian")->state, DOM_RUNNING);
	assert_non_null(strstr(out, "bulkhead ctl: update: debian: " UPGRADE));
	assert_non_null(strstr(out, "debian still runs: its domains take its new root once it "
			       "has stopped and they start again\n"));
	free(out);
	free(err);
}

static void a_standalone_is_updated(void **state)
{
	(void)state;
	static struct fake f;
	char *out, *err;
	fake_laptop(&f);
	assert_int_equal(update(&f, &out, &err, "box", NULL), 0);
	assert_string_equal(f.ran_in, "box");
	assert_int_equal(f.stops, 0);
	free(out);
	free(err);
}

static void packages_are_installed_after_the_upgrade(void **state)
{
	(void)state;
	static struct fake f;
	char *out, *err;
	fake_laptop(&f);
	assert_int_equal(update(&f, &out, &err, "debian", "vim", "libc6=2.36-9+deb12u4",
				"foot/bookworm-backports", "g++:amd64", NULL), 0);
	assert_string_equal(f.command, UPGRADE " && apt-get -q -y install vim "
			    "libc6=2.36-9+deb12u4 foot/bookworm-backports g++:amd64 && "
			    "apt-get -q clean && sync");
	free(out);
	free(err);
}

/* Nothing a shell reads as more than a package's name reaches the domain:
 * refused before the manager is asked anything. */
static void a_word_that_is_no_package_is_refused(void **state)
{
	(void)state;
	static struct fake f;
	static const char *const bad[] = {
		"vim;reboot", "-o", "--purge", "Vim", "v", "vim=", "vim/", "vim:", "vim bash",
		"vim$(id)", "vim`id`", "vim|x", "vim=1.0;x", "vim/stable;x", "+vim", ".vim",
		"vim:amd64:x", "vim\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *out, *err;
		fake_laptop(&f);
		assert_int_equal(update(&f, &out, &err, "debian", "vim", bad[i], NULL), 2);
		assert_int_equal(f.lists + f.runs + f.stops, 0);
		char want[128];
		snprintf(want, sizeof(want), "bulkhead ctl: update: \"%s\" is not a package's name",
			 bad[i]);
		assert_non_null(strstr(err, want));
		free(out);
		free(err);
	}
}

static void too_many_packages_are_said(void **state)
{
	(void)state;
	static struct fake f;
	static char names[100][24];
	char *argv[101];
	argv[0] = "debian";
	for (int i = 0; i < 100; i++) {
		snprintf(names[i], sizeof(names[i]), "package-%03d", i);
		argv[i + 1] = names[i];
	}
	fake_laptop(&f);
	char *out, *err;
	size_t olen, elen;
	FILE *o = open_memstream(&out, &olen), *e = open_memstream(&err, &elen);
	assert_int_equal(ctl_update(&fake_ops, &f, 101, argv, o, e), 2);
	fclose(o);
	fclose(e);
	assert_int_equal(f.runs, 0);
	assert_non_null(strstr(err, "makes apt's command longer than a domain takes (1024 "
			       "bytes): install the rest with another update"));
	free(out);
	free(err);
}

static void only_a_template_or_a_standalone_is_updated(void **state)
{
	(void)state;
	static struct fake f;
	char *out, *err;
	fake_laptop(&f);
	assert_int_equal(update(&f, &out, &err, "work", NULL), 1);
	assert_string_equal(err, "bulkhead ctl: update: work runs on the root of its template, "
			    "debian, and loses what changes its root when it stops: update "
			    "debian (bulkhead ctl update debian)\n");
	free(out);
	free(err);
	assert_int_equal(update(&f, &out, &err, "sys-usb", NULL), 1);
	assert_string_equal(err, "bulkhead ctl: update: sys-usb is a domain of class usb "
			    "without a template: it has no Debian root of its own to update "
			    "(only a template or a standalone domain has)\n");
	assert_int_equal(f.runs + f.stops, 0);
	free(out);
	free(err);
}

static void an_unknown_name_is_said_with_the_nearest(void **state)
{
	(void)state;
	static struct fake f;
	char *out, *err;
	fake_laptop(&f);
	assert_int_equal(update(&f, &out, &err, "debain", NULL), 1);
	assert_string_equal(err, "bulkhead ctl: update: no domain \"debain\" is configured "
			    "(did you mean \"debian\"?)\n");
	assert_int_equal(f.runs, 0);
	free(out);
	free(err);
}

/* apt failing leaves the root as apt left it: the template is stopped all
 * the same, and the status is apt's. */
static void a_failed_apt_still_stops_the_template(void **state)
{
	(void)state;
	static struct fake f;
	char *out, *err;
	fake_laptop(&f);
	f.status = 100;
	assert_int_equal(update(&f, &out, &err, "debian", NULL), 100);
	assert_int_equal(f.stops, 1);
	assert_int_equal(fake_find(&f, "debian")->state, DOM_STOPPED);
	assert_string_equal(err, "bulkhead ctl: update: apt in debian ended with status 100 "
			    "(its output above)\n");
	assert_non_null(strstr(out, "debian stopped; its domains take its root at their next "
			       "start; running an older one until they start again: work, "
			       "sys-net\n"));
	free(out);
	free(err);
	fake_laptop(&f);
	f.status = 126;
	assert_int_equal(update(&f, &out, &err, "debian", NULL), 126);
	assert_string_equal(err, "bulkhead ctl: update: apt in debian ended with status 126 "
			    "(the call was refused, above)\n");
	free(out);
	free(err);
}

static void a_stopping_template_is_waited_for_and_a_paused_one_refused(void **state)
{
	(void)state;
	static struct fake f;
	char *out, *err;
	fake_laptop(&f);
	fake_find(&f, "debian")->state = DOM_STOPPING;
	f.stop_after = 2;
	assert_int_equal(update(&f, &out, &err, "debian", NULL), 0);
	assert_non_null(strstr(out, "bulkhead ctl: update: debian is stopping: waiting for it\n"));
	/* Started by the update once it had stopped: stopped again after. */
	assert_non_null(strstr(out, "starting debian: "));
	assert_int_equal(f.runs, 1);
	assert_int_equal(f.stops, 1);
	free(out);
	free(err);

	fake_laptop(&f);
	fake_find(&f, "debian")->state = DOM_PAUSED;
	assert_int_equal(update(&f, &out, &err, "debian", NULL), 1);
	assert_string_equal(err, "bulkhead ctl: update: debian is paused: update it once it runs "
			    "or is stopped (bulkhead ctl unpause)\n");
	assert_int_equal(f.runs, 0);
	free(out);
	free(err);
}

static void a_template_that_does_not_stop_is_said(void **state)
{
	(void)state;
	static struct fake f;
	char *out, *err;
	fake_laptop(&f);
	f.stop_after = -1;
	assert_int_equal(update(&f, &out, &err, "debian", NULL), 1);
	assert_int_equal(f.pauses, CTL_UPDATE_STOP_WAITS);
	assert_string_equal(err, "bulkhead ctl: update: debian did not stop within 90 s; its "
			    "domains take the new root only once it has (bulkhead ctl list)\n");
	free(out);
	free(err);
}

static void an_unreachable_manager_is_status_3(void **state)
{
	(void)state;
	static struct fake f;
	char *out, *err;
	fake_laptop(&f);
	f.unreachable = true;
	assert_int_equal(update(&f, &out, &err, "debian", NULL), 3);
	assert_int_equal(f.runs, 0);
	free(out);
	free(err);
	fake_laptop(&f);
	assert_int_equal(update(&f, &out, &err, NULL), 2);
	assert_non_null(strstr(err, "the template to update is missing"));
	free(out);
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_stopped_template_is_started_updated_and_stopped),
		cmocka_unit_test(a_running_template_is_left_running),
		cmocka_unit_test(a_standalone_is_updated),
		cmocka_unit_test(packages_are_installed_after_the_upgrade),
		cmocka_unit_test(a_word_that_is_no_package_is_refused),
		cmocka_unit_test(too_many_packages_are_said),
		cmocka_unit_test(only_a_template_or_a_standalone_is_updated),
		cmocka_unit_test(an_unknown_name_is_said_with_the_nearest),
		cmocka_unit_test(a_failed_apt_still_stops_the_template),
		cmocka_unit_test(a_stopping_template_is_waited_for_and_a_paused_one_refused),
		cmocka_unit_test(a_template_that_does_not_stop_is_said),
		cmocka_unit_test(an_unreachable_manager_is_status_3),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
