/*
 * test_usbauto.c - the USB devices domains' configs attach: how a config
 * names a device (config/usbid.h), dom0's request key (proto/usbproto.h),
 * the manager's decisions (domains/usbauto.h) on made-up domains and
 * inventories, and the agent's memory of the requests it took
 * (guest/usbip.h).
 */
#include "tests/unit/test_helpers.h"

#include "config/usbid.h"
#include "domains/usbauto.h"
#include "guest/usbip.h"
#include "lib/util.h"
#include "proto/usbproto.h"

static void a_config_names_a_device(void **state)
{
	(void)state;
	struct usb_match m;
	assert_null(usb_match_parse("sys-usb:2-1.4", &m));
	assert_string_equal(m.backend, "sys-usb");
	assert_string_equal(m.busid, "2-1.4");
	assert_null(usb_match_parse("sys-usb:046d:c52b", &m));
	assert_string_equal(m.busid, "");
	assert_int_equal(m.vendor, 0x046d);
	assert_int_equal(m.product, 0xc52b);
	assert_true(usb_match_is(&m, "sys-usb", "3-9", 0x046d, 0xc52b));
	assert_false(usb_match_is(&m, "sys-usb", "3-9", 0x046d, 0xc52c));
	assert_false(usb_match_is(&m, "sys-usb2", "3-9", 0x046d, 0xc52b));
	assert_null(usb_match_parse("sys-usb:1-1", &m));
	assert_true(usb_match_is(&m, "sys-usb", "1-1", 1, 2));
	assert_false(usb_match_is(&m, "sys-usb", "1-1.1", 1, 2));
	static const char *const bad[] = {
		"", "sys-usb", "sys-usb:", ":1-1", "1sys:1-1", "sys usb:1-1", "sys-usb:1-1 ",
		"sys-usb:046D:c52b", "sys-usb:046d:c52", "sys-usb:046d:c52bb", "sys-usb:046dc52b",
		"sys-usb:0-1", "sys-usb:1-1:1.0", "sys-usb:x", "sys-usb::1-1",
		"a-name-that-is-longer-than-31-chars:1-1",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_non_null(usb_match_parse(bad[i], &m));
	}
}

static void the_request_goes_there_and_back(void **state)
{
	(void)state;
	char out[DOMAIN_NAME_MAX + USB_BUSID_MAX + 2], backend[DOMAIN_NAME_MAX + 1];
	char busid[USB_BUSID_MAX + 1];
	size_t n = usb_attach_format("sys-usb", "3-1.4.2", out, sizeof(out));
	assert_int_equal(n, strlen("sys-usb 3-1.4.2"));
	assert_string_equal(out, "sys-usb 3-1.4.2");
	assert_true(usb_attach_parse(out, n, backend, busid));
	assert_string_equal(backend, "sys-usb");
	assert_string_equal(busid, "3-1.4.2");
	assert_int_equal(usb_attach_format("sys usb", "1-1", out, sizeof(out)), 0);
	assert_int_equal(usb_attach_format("sys-usb", "1-1 x", out, sizeof(out)), 0);
	static const char *const bad[] = {
		"", "sys-usb", "sys-usb ", " 1-1", "sys-usb  1-1", "sys-usb 1-1 ", "sys-usb 1-1\n",
		"sys/usb 1-1", "sys-usb ../1-1",
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_false(usb_attach_parse(bad[i], strlen(bad[i]), backend, busid));
	/* Bytes past LEN are not read: a cut value is no value. */
	assert_false(usb_attach_parse("sys-usb 1-1", 8, backend, busid));
	assert_false(usb_attach_parse("sys-usb 1-1\0x", 13, backend, busid));
}

/* ---- the manager's decisions ---- */

struct fx_log {
	char said[4096];
	struct usbauto_request asked[16];
	size_t nasked;
};

static void fx_ask(void *ctx, const struct usbauto_request *r)
{
	struct fx_log *l = ctx;
	str_append(l->said, sizeof(l->said), "ask %s %s:%s; ", r->domain, r->backend, r->busid);
	l->asked[l->nasked++] = *r;
}

static void fx_withdraw(void *ctx, const struct usbauto_request *r)
{
	struct fx_log *l = ctx;
	str_append(l->said, sizeof(l->said), "withdraw %s %s:%s; ", r->domain, r->backend,
		   r->busid);
}

static struct usb_device dev(const char *busid, uint16_t vendor, uint16_t product)
{
	struct usb_device d = { .vendor = vendor, .product = product };
	str_copy(d.busid, busid, sizeof(d.busid));
	return d;
}

/* One pass; what it did, reset for the next. */
static const char *plan(struct usbauto *a, struct fx_log *l, const struct usbauto_domain *doms,
			size_t n, const struct usbauto_backend *b, size_t nb)
{
	static char out[4096];
	const struct usbauto_effects fx = { fx_ask, fx_withdraw, l };
	l->said[0] = '\0';
	usbauto_plan(a, doms, n, b, nb, &fx);
	str_copy(out, l->said, sizeof(out));
	return out;
}

static void a_device_is_asked_for_once(void **state)
{
	(void)state;
	static struct usbauto a;
	struct fx_log l = { .nasked = 0 };
	memset(&a, 0, sizeof(a));
	a.next_seq = 1000;
	struct usb_match work_wants[2], beta_wants[1];
	assert_null(usb_match_parse("sys-usb:046d:c52b", &work_wants[0]));
	assert_null(usb_match_parse("sys-usb:2-2", &work_wants[1]));
	assert_null(usb_match_parse("sys-usb:046d:c52b", &beta_wants[0]));
	struct usb_device devs[3] = { dev("1-1", 0x0627, 1), dev("2-2", 0x46f4, 1),
				      dev("3-1", 0x046d, 0xc52b) };
	bool given[3] = { false, false, false };
	struct usbauto_backend b = { "sys-usb", 5, devs, given, 3 };
	struct usbauto_domain doms[2] = { { "work", 7, work_wants, 2 }, { "beta", 8, beta_wants, 1 } };

	/* Nothing runs that wants anything: nothing asked. */
	assert_string_equal(plan(&a, &l, doms, 0, &b, 1), "");
	/* work comes: the mouse by its ids, the stick by its port; beta, later
	 * in the order, gets nothing of what work asked for. */
	assert_string_equal(plan(&a, &l, doms, 2, &b, 1),
			    "ask work sys-usb:3-1; ask work sys-usb:2-2; ");
	assert_int_equal(l.asked[0].seq, 1000);
	assert_int_equal(l.asked[1].seq, 1001);
	assert_int_equal(l.asked[0].domid, 7);
	/* Asked once: the next passes do nothing, given or not (the policy
	 * refused, or the user took it back). */
	assert_string_equal(plan(&a, &l, doms, 2, &b, 1), "");
	given[2] = true;
	assert_string_equal(plan(&a, &l, doms, 2, &b, 1), "");
	given[2] = false;
	assert_string_equal(plan(&a, &l, doms, 2, &b, 1), "");

	/* The mouse unplugged: work's request withdrawn; plugged in on another
	 * port: asked for again, as a new request. */
	struct usb_device fewer[2] = { devs[0], devs[1] };
	struct usbauto_backend b2 = { "sys-usb", 5, fewer, given, 2 };
	assert_string_equal(plan(&a, &l, doms, 2, &b2, 1), "withdraw work sys-usb:3-1; ");
	struct usb_device again[3] = { devs[0], devs[1], dev("3-2", 0x046d, 0xc52b) };
	struct usbauto_backend b3 = { "sys-usb", 5, again, given, 3 };
	assert_string_equal(plan(&a, &l, doms, 2, &b3, 1), "ask work sys-usb:3-2; ");
	assert_int_equal(l.asked[2].seq, 1002);

	/* work stops (gone from the domains that run): its requests are
	 * forgotten, not withdrawn (its xenstore went with it); beta, next in
	 * the order, gets the mouse; the stick is no one's wish. */
	assert_string_equal(plan(&a, &l, &doms[1], 1, &b3, 1), "ask beta sys-usb:3-2; ");
	/* work again, as a new domid: the stick is asked for anew; the
	 * mouse stays beta's request. */
	doms[0].domid = 9;
	assert_string_equal(plan(&a, &l, doms, 2, &b3, 1), "ask work sys-usb:2-2; ");

	/* sys-usb restarted (another domid), its devices the same: every
	 * request withdrawn, then asked again for the new one's. */
	struct usbauto_backend b4 = { "sys-usb", 6, again, given, 3 };
	assert_string_equal(plan(&a, &l, doms, 2, &b4, 1),
			    "withdraw work sys-usb:2-2; withdraw beta sys-usb:3-2; "
			    "ask work sys-usb:3-2; ask work sys-usb:2-2; ");
	/* No USB domain runs: every request withdrawn. */
	assert_string_equal(plan(&a, &l, doms, 2, NULL, 0),
			    "withdraw work sys-usb:2-2; withdraw work sys-usb:3-2; ");
	assert_int_equal(a.n, 0);
}

/* A device given already (`ctl usb attach') is not asked for; a device of
 * another USB domain of the same port is not the one named. */
static void only_a_free_device_of_the_named_domain(void **state)
{
	(void)state;
	static struct usbauto a;
	struct fx_log l = { .nasked = 0 };
	memset(&a, 0, sizeof(a));
	struct usb_match wants[1];
	assert_null(usb_match_parse("sys-usb:1-1", &wants[0]));
	struct usb_device d1[1] = { dev("1-1", 1, 1) }, d2[1] = { dev("1-1", 1, 1) };
	bool given1[1] = { true }, given2[1] = { false };
	struct usbauto_backend b[2] = { { "sys-usb", 5, d1, given1, 1 },
					{ "sys-usb2", 6, d2, given2, 1 } };
	struct usbauto_domain doms[1] = { { "work", 7, wants, 1 } };
	assert_string_equal(plan(&a, &l, doms, 1, b, 2), "");
	given1[0] = false;
	assert_string_equal(plan(&a, &l, doms, 1, b, 2), "ask work sys-usb:1-1; ");
	assert_string_equal(l.asked[0].backend, "sys-usb");
	assert_int_equal(l.asked[0].backend_domid, 5);
}

/* A new manager takes an earlier one's requests: what the user took back
 * is not asked for again; one for a device asked for already is refused;
 * the next key's name comes after theirs. */
static void an_earlier_managers_requests_stand(void **state)
{
	(void)state;
	static struct usbauto a;
	struct fx_log l = { .nasked = 0 };
	memset(&a, 0, sizeof(a));
	a.next_seq = 10;
	struct usb_match wants[2];
	assert_null(usb_match_parse("sys-usb:1-1", &wants[0]));
	assert_null(usb_match_parse("sys-usb:1-2", &wants[1]));
	struct usb_device devs[2] = { dev("1-1", 1, 1), dev("1-2", 1, 2) };
	bool given[2] = { false, false };
	struct usbauto_backend b = { "sys-usb", 5, devs, given, 2 };
	struct usbauto_domain doms[1] = { { "work", 7, wants, 2 } };
	struct usbauto_request old = { .domid = 7, .backend_domid = 5, .seq = 41 };
	str_copy(old.domain, "work", sizeof(old.domain));
	str_copy(old.backend, "sys-usb", sizeof(old.backend));
	str_copy(old.busid, "1-1", sizeof(old.busid));
	assert_true(usbauto_adopt(&a, &old));
	assert_false(usbauto_adopt(&a, &old));
	assert_int_equal(a.next_seq, 42);
	assert_string_equal(plan(&a, &l, doms, 1, &b, 1), "ask work sys-usb:1-2; ");
	assert_int_equal(l.asked[0].seq, 42);
	/* Its device goes: withdrawn by the new manager. */
	struct usbauto_backend b2 = { "sys-usb", 5, &devs[1], given, 1 };
	assert_string_equal(plan(&a, &l, doms, 1, &b2, 1), "withdraw work sys-usb:1-1; ");
}

static void count_ask(void *ctx, const struct usbauto_request *r)
{
	(void)r;
	(*(size_t *)ctx)++;
}

static void count_withdraw(void *ctx, const struct usbauto_request *r)
{
	(void)ctx;
	(void)r;
	fail_msg("nothing is to be withdrawn");
}

/* The most a USB domain can show (USB_DEVICES_PER_DOMAIN devices, each
 * wanted by two domains) in the most USB domains: every one asked once,
 * by the first domain, and nothing more at the next pass. */
static void the_most_devices_fit(void **state)
{
	(void)state;
	static struct usbauto a;
	static struct usb_device devs[USB_DOMAINS_MAX][USB_DEVICES_PER_DOMAIN];
	static bool given[USB_DOMAINS_MAX][USB_DEVICES_PER_DOMAIN];
	static char names[USB_DOMAINS_MAX][16];
	struct usbauto_backend b[USB_DOMAINS_MAX];
	struct usb_match wants[USB_DOMAINS_MAX];
	memset(&a, 0, sizeof(a));
	for (size_t i = 0; i < USB_DOMAINS_MAX; i++) {
		snprintf(names[i], sizeof(names[i]), "usb%zu", i);
		for (size_t k = 0; k < USB_DEVICES_PER_DOMAIN; k++) {
			char busid[16];
			snprintf(busid, sizeof(busid), "1-%zu", k + 1);
			devs[i][k] = dev(busid, 0x1234, 0x5678);
		}
		b[i] = (struct usbauto_backend){ names[i], (uint32_t)(10 + i), devs[i], given[i],
						 USB_DEVICES_PER_DOMAIN };
		char item[48];
		snprintf(item, sizeof(item), "%s:1234:5678", names[i]);
		assert_null(usb_match_parse(item, &wants[i]));
	}
	struct usbauto_domain doms[2] = { { "work", 7, wants, USB_DOMAINS_MAX },
					  { "beta", 8, wants, USB_DOMAINS_MAX } };
	size_t asks = 0;
	const struct usbauto_effects fx = { count_ask, count_withdraw, &asks };
	usbauto_plan(&a, doms, 2, b, USB_DOMAINS_MAX, &fx);
	assert_int_equal(asks, USBAUTO_REQUESTS_MAX);
	assert_int_equal(a.n, USBAUTO_REQUESTS_MAX);
	for (size_t i = 0; i < a.n; i++)
		assert_string_equal(a.req[i].domain, "work");
	usbauto_plan(&a, doms, 2, b, USB_DOMAINS_MAX, &fx);
	assert_int_equal(asks, USBAUTO_REQUESTS_MAX);
}

/* ---- the agent ---- */

static void the_agent_takes_each_request_once(void **state)
{
	(void)state;
	struct usb_attach_seen s = { .n = 0 };
	const char *fresh[USB_ATTACH_KEYS_MAX];
	char *one[] = { "1000" }, *two[] = { "1000", "1001" }, *other[] = { "1001", "1002" };
	assert_int_equal(usb_attach_fresh(&s, NULL, 0, fresh), 0);
	assert_int_equal(usb_attach_fresh(&s, one, 1, fresh), 1);
	assert_string_equal(fresh[0], "1000");
	assert_int_equal(usb_attach_fresh(&s, one, 1, fresh), 0);
	assert_int_equal(usb_attach_fresh(&s, two, 2, fresh), 1);
	assert_string_equal(fresh[0], "1001");
	/* 1000 withdrawn, 1002 new. */
	assert_int_equal(usb_attach_fresh(&s, other, 2, fresh), 1);
	assert_string_equal(fresh[0], "1002");
	assert_int_equal(s.n, 2);
	/* Withdrawn, then the same name again: a new request. */
	assert_int_equal(usb_attach_fresh(&s, one, 1, fresh), 1);
	/* A name too long to be dom0's is no request. */
	char *longname[] = { "123456789012345678901234567890" };
	assert_int_equal(usb_attach_fresh(&s, longname, 1, fresh), 0);
	/* More keys than it keeps: the first USB_ATTACH_KEYS_MAX, once. */
	static char buf[USB_ATTACH_KEYS_MAX + 10][8];
	char *many[USB_ATTACH_KEYS_MAX + 10];
	for (size_t i = 0; i < ARRAY_SIZE(many); i++) {
		snprintf(buf[i], sizeof(buf[i]), "%zu", i);
		many[i] = buf[i];
	}
	assert_int_equal(usb_attach_fresh(&s, many, ARRAY_SIZE(many), fresh), USB_ATTACH_KEYS_MAX);
	assert_int_equal(usb_attach_fresh(&s, many, ARRAY_SIZE(many), fresh), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_config_names_a_device),
		cmocka_unit_test(the_request_goes_there_and_back),
		cmocka_unit_test(a_device_is_asked_for_once),
		cmocka_unit_test(only_a_free_device_of_the_named_domain),
		cmocka_unit_test(an_earlier_managers_requests_stand),
		cmocka_unit_test(the_most_devices_fit),
		cmocka_unit_test(the_agent_takes_each_request_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
