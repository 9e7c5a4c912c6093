/* The compositor's view of the domain manager's list: configured domains
 * stay, the others (unnamed disposables) come and go with the list, and a
 * domain with no known label is never followed. */
#include "tests/unit/test_helpers.h"

#include <sys/socket.h>

#include "config/domain_config.h"
#include "proto/domstate.h"
#include "drm-compositor/domstatus.h"
#include "proto/ctlproto.h"

static uint8_t buf[CTL_MSG_MAX];

/* Hands DS the manager's answer listing DOM (N of them), as if it had
 * asked over its socket. */
static bool answer(struct domstatus *ds, const struct ctl_domain_info *dom, size_t n)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	size_t len = ctl_encode_domains(dom, n, buf, sizeof(buf));
	assert_true(len > 0);
	assert_int_equal(send(sv[1], buf, len, 0), (ssize_t)len);
	ds->conn.fd = sv[0];
	ds->conn.waiting = true;
	bool changed = domstatus_answer(ds);
	domstatus_close(ds);
	close(sv[1]);
	return changed;
}

static void unconfigured_domains_follow_the_list(void **state)
{
	struct domstatus ds;
	struct ctl_domain_info list[3] = {
		{ .name = "work", .state = DOM_RUNNING, .label = LABEL_BLUE, .domid = 5, .gui = true },
		{ .name = "disp3", .state = DOM_RUNNING, .label = LABEL_ORANGE, .domid = 9,
		  .gui = true },
		{ .name = "disp4", .state = DOM_RUNNING, .label = 200, .domid = 10, .gui = true },
	};
	(void)state;
	domstatus_init(&ds);
	assert_true(domstatus_add(&ds, "work", LABEL_BLUE, CLASS_APP, true));
	assert_true(domstatus_add(&ds, "idle", LABEL_GRAY, CLASS_APP, false));
	assert_true(answer(&ds, list, 3));
	assert_int_equal(ds.n, 3);
	const struct domstatus_entry *w = domstatus_find(&ds, "work");
	assert_non_null(w);
	assert_int_equal(w->domid, 5);
	assert_string_equal(w->state, "running");
	const struct domstatus_entry *d = domstatus_find(&ds, "disp3");
	assert_non_null(d);
	assert_int_equal(d->label, LABEL_ORANGE);
	assert_true(d->gui);
	assert_false(d->configured);
	/* A label the compositor has no colour for: not followed at all. */
	assert_null(domstatus_find(&ds, "disp4"));
	/* The idle domain is not listed as running: it stays "unknown". */
	assert_string_equal(domstatus_find(&ds, "idle")->state, "unknown");

	/* disp3 is gone from the list: gone here too; configured ones stay. */
	assert_true(answer(&ds, list, 1));
	assert_int_equal(ds.n, 2);
	assert_null(domstatus_find(&ds, "disp3"));
	assert_non_null(domstatus_find(&ds, "idle"));
	assert_false(answer(&ds, list, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unconfigured_domains_follow_the_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
