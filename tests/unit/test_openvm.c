/* bulkhead.OpenInVM's stream (guest/openvm.h): the file's name checked,
 * the disposable's answer read a piece at a time. */
#include "tests/unit/test_helpers.h"

#include "guest/openvm.h"

static const char *check(const char *s)
{
	return openvm_name_check(s, strlen(s));
}

static void names(void **state)
{
	char longest[OPENVM_NAME_MAX + 2];
	(void)state;
	assert_null(check("report.pdf"));
	assert_null(check("Bericht über 2026 (final).odt"));
	assert_null(check(".hidden"));
	assert_null(check("..."));
	assert_string_equal(check(""), "the file's name is empty");
	assert_string_equal(check("."), "the file's name is . or ..");
	assert_string_equal(check(".."), "the file's name is . or ..");
	assert_string_equal(check("a/b"), "the file's name has a /");
	assert_string_equal(check("-rf"), "the file's name starts with -");
	assert_string_equal(check("a\nb"), "the file's name has a control character");
	assert_string_equal(check("a\x7f"), "the file's name has a control character");
	assert_string_equal(check("\x1b]0;x\x07"), "the file's name has a control character");
	assert_string_equal(openvm_name_check("a\0b", 3), "the file's name has a control character");
	memset(longest, 'x', sizeof(longest));
	assert_null(openvm_name_check(longest, OPENVM_NAME_MAX));
	assert_string_equal(openvm_name_check(longest, OPENVM_NAME_MAX + 1),
			    "the file's name is longer than 255 bytes");
}

/* S fed a byte at a time: the file's bytes gathered in OUT. */
static struct openvm_reply feed_bytes(const char *s, size_t len, char *out, size_t *n)
{
	struct openvm_reply r;
	openvm_reply_init(&r);
	*n = 0;
	for (size_t i = 0; i < len; i++) {
		const char *d;
		size_t dlen;
		if (!openvm_reply_feed(&r, s + i, 1, &d, &dlen))
			break;
		if (dlen)
			memcpy(out + *n, d, dlen);
		*n += dlen;
	}
	return r;
}

static void answers(void **state)
{
	char out[64];
	size_t n;
	(void)state;
	struct openvm_reply r = feed_bytes("changed\nab\ncd", 13, out, &n);
	assert_int_equal(r.state, OPENVM_REPLY_CHANGED);
	assert_null(openvm_reply_end(&r));
	assert_int_equal(n, 5);
	assert_memory_equal(out, "ab\ncd", 5);
	r = feed_bytes("changed\n", 8, out, &n);
	assert_null(openvm_reply_end(&r));	/* changed to an empty file */
	assert_int_equal(n, 0);
	r = feed_bytes("unchanged\n", 10, out, &n);
	assert_int_equal(r.state, OPENVM_REPLY_UNCHANGED);
	assert_null(openvm_reply_end(&r));
	r = feed_bytes("unchanged\nx", 11, out, &n);
	assert_string_equal(openvm_reply_end(&r), "it sent bytes after \"unchanged\"");
	r = feed_bytes("unchanged", 9, out, &n);
	assert_string_equal(openvm_reply_end(&r),
			    "it ended before it said whether the file changed");
	r = feed_bytes("Changed\nx", 9, out, &n);
	assert_string_equal(openvm_reply_end(&r),
			    "its first line is neither \"changed\" nor \"unchanged\"");
	r = feed_bytes("changedchangedchanged\n", 22, out, &n);
	assert_int_equal(r.state, OPENVM_REPLY_BAD);
	/* Refused stays refused. */
	const char *d;
	size_t dlen;
	assert_false(openvm_reply_feed(&r, "changed\n", 8, &d, &dlen));
	assert_int_equal(dlen, 0);
	/* Bigger than the most allowed: refused before the byte past it. */
	openvm_reply_init(&r);
	assert_true(openvm_reply_feed(&r, "changed\n", 8, &d, &dlen));
	r.bytes = OPENVM_FILE_MAX - 1;
	assert_true(openvm_reply_feed(&r, "x", 1, &d, &dlen));
	assert_false(openvm_reply_feed(&r, "x", 1, &d, &dlen));
	assert_string_equal(openvm_reply_end(&r),
			    "the file it sent back is bigger than the largest one sent");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names),
		cmocka_unit_test(answers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
