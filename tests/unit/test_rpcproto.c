/* Calls between domains: a domain's request and a call's frames
 * (proto/rpcproto.h). */
#include "tests/unit/test_helpers.h"

#include "lib/bytes.h"
#include "proto/rpcproto.h"

static const char *parse(const char *s, struct rpc_request *r)
{
	return rpc_request_parse(s, strlen(s), r);
}

static void requests(void **state)
{
	struct rpc_request r;
	char line[RPC_REQUEST_MAX + 1];
	(void)state;
	assert_null(parse("work bulkhead.Filecopy", &r));
	assert_string_equal(r.target, "work");
	assert_string_equal(r.service, "bulkhead.Filecopy");
	assert_string_equal(r.arg, "");
	assert_null(parse("@dispvm:dvm bulkhead.OpenInVM+txt", &r));
	assert_string_equal(r.target, "@dispvm:dvm");
	assert_string_equal(r.arg, "txt");
	assert_int_equal(rpc_request_format(&r, line, sizeof(line)), 33);
	assert_string_equal(line, "@dispvm:dvm bulkhead.OpenInVM+txt");
	assert_null(parse("@default s+", &r)); /* an empty argument: none */
	assert_string_equal(r.arg, "");
	assert_null(parse("dom0 s", &r));
	static const char *const bad[] = {
		"", "work", " s", "work ", "work  s", "work s t", "work s\n", "@anyvm s",
		"@label:red s", "9work s", "work s/x", "work s+a+b", "work s+a/b", "work +a",
		"@dispvm: s",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!parse(bad[i], &r))
			fail_msg("\"%s\" was taken", bad[i]);
	assert_non_null(rpc_request_parse("work s\0x", 8, &r));
	char longest[RPC_REQUEST_MAX + 2];
	memset(longest, 'a', sizeof(longest));
	longest[RPC_TARGET_MAX] = ' ';
	longest[sizeof(longest) - 1] = '\0';
	assert_non_null(parse(longest, &r));
}

static void frame(uint8_t *b, uint32_t type, uint32_t len)
{
	put_u32(b, type);
	put_u32(b + 4, len);
}

static void frames(void **state)
{
	uint8_t h[RPC_FRAME_HEADER], status[4];
	struct rpc_frame f;
	struct rpc_seq caller, service;
	(void)state;
	frame(h, RPC_STDOUT, 5);
	assert_null(rpc_frame_decode(h, &f));
	assert_int_equal(f.type, RPC_STDOUT);
	assert_int_equal(f.len, 5);
	frame(h, 0, 1);
	assert_non_null(rpc_frame_decode(h, &f));
	frame(h, 5, 1);
	assert_non_null(rpc_frame_decode(h, &f));
	frame(h, RPC_STDIN, RPC_FRAME_MAX + 1);
	assert_non_null(rpc_frame_decode(h, &f));
	frame(h, RPC_EXIT, 3);
	assert_non_null(rpc_frame_decode(h, &f));

	rpc_seq_init(&caller, RPC_CALLER);
	rpc_seq_init(&service, RPC_SERVICE);
	struct rpc_frame in = { RPC_STDIN, 3 }, out = { RPC_STDOUT, 3 }, end = { RPC_STDOUT, 0 };
	struct rpc_frame ex = { RPC_EXIT, 4 };
	assert_null(rpc_frame_check(&service, &in, NULL));
	assert_non_null(rpc_frame_check(&service, &out, NULL));	/* the wrong way */
	assert_non_null(rpc_frame_check(&caller, &in, NULL));
	assert_null(rpc_frame_check(&caller, &out, NULL));
	assert_null(rpc_frame_check(&caller, &end, NULL));
	assert_non_null(rpc_frame_check(&caller, &out, NULL));	/* after its end */
	put_u32(status, 256);
	assert_non_null(rpc_frame_check(&caller, &ex, status));
	put_u32(status, 7);
	assert_null(rpc_frame_check(&caller, &ex, status));
	assert_int_equal(caller.status, 7);
	struct rpc_frame err = { RPC_STDERR, 1 };
	assert_non_null(rpc_frame_check(&caller, &err, NULL));	/* after EXIT */
	assert_non_null(rpc_frame_check(&caller, &ex, status));
}

static void dom0_words(void **state)
{
	struct rpc_answer_msg a;
	struct rpc_serve_msg m;
	char line[256];
	(void)state;
	assert_null(rpc_answer_parse("connect 12", 10, &a));
	assert_true(a.connect);
	assert_int_equal(a.domid, 12);
	assert_null(rpc_answer_parse("deny no rule allows it", 22, &a));
	assert_false(a.connect);
	assert_string_equal(a.why, "no rule allows it");
	static const char *const bad[] = { "connect", "connect ", "connect 01", "connect 99999",
					   "connect 1a", "deny", "deny x\n", "permit 1", "" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!rpc_answer_parse(bad[i], strlen(bad[i]), &a))
			fail_msg("\"%s\" was taken", bad[i]);
	a = (struct rpc_answer_msg){ .connect = true, .domid = 7 };
	assert_int_equal(rpc_answer_format(&a, line, sizeof(line)), 9);
	assert_string_equal(line, "connect 7");
	assert_null(rpc_serve_parse("work bulkhead.Filecopy", 22, &m));
	assert_string_equal(m.source, "work");
	assert_string_equal(m.service, "bulkhead.Filecopy");
	assert_non_null(rpc_serve_parse("@dispvm bulkhead.Filecopy", 25, &m));
	assert_null(rpc_serve_parse("dom0 s", 6, &m));	/* dom0 calls too (ctl rpc) */
	assert_null(rpc_serve_parse("work bulkhead.Filecopy+x", 24, &m));
	assert_int_equal(rpc_serve_format(&m, line, sizeof(line)), 24);
	assert_string_equal(line, "work bulkhead.Filecopy+x");
}

/* Key names a domain writes (its requests' ids; a target's served calls). */
static void key_names(void **state)
{
	uint32_t id = 1, domid = 1;
	char key[RPC_CHAN_KEY_MAX];
	(void)state;
	assert_true(rpc_id_parse("0", 1, &id));
	assert_int_equal(id, 0);
	assert_true(rpc_id_parse("4294967295", 10, &id));
	assert_int_equal(id, UINT32_MAX);
	static const char *const bad_ids[] = { "", "4294967296", "01", "-1", "1 ", "+1", "1e3",
					       "99999999999", "0x10" };
	for (size_t i = 0; i < sizeof(bad_ids) / sizeof(bad_ids[0]); i++)
		if (rpc_id_parse(bad_ids[i], strlen(bad_ids[i]), &id))
			fail_msg("id \"%s\" was taken", bad_ids[i]);
	assert_true(rpc_id_parse("12\0", 2, &id));	/* LEN bytes, not the string */
	assert_true(rpc_chan_key_parse("32751-7", 7, &domid, &id));
	assert_int_equal(domid, 0x7fef);
	assert_int_equal(id, 7);
	static const char *const bad_keys[] = { "32752-1", "1-", "-1", "1", "1--1", "1-1-1",
						"01-1", "1-01", "a-1", "" };
	for (size_t i = 0; i < sizeof(bad_keys) / sizeof(bad_keys[0]); i++)
		if (rpc_chan_key_parse(bad_keys[i], strlen(bad_keys[i]), &domid, &id))
			fail_msg("key \"%s\" was taken", bad_keys[i]);
	rpc_chan_key_format(0x7fef, UINT32_MAX, key);
	assert_string_equal(key, "32751-4294967295");
	assert_true(rpc_chan_key_parse(key, strlen(key), &domid, &id));
	assert_int_equal(id, UINT32_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(requests),
		cmocka_unit_test(frames),
		cmocka_unit_test(dom0_words),
		cmocka_unit_test(key_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
