#include "tests/unit/test_helpers.h"

#include "proto/agentproto.h"

static int parse(const char *s, struct agent_status *st)
{
	return agent_status_parse(s, strlen(s), st);
}

static void statuses_are_read(void **state)
{
	struct agent_status st;
	(void)state;
	assert_int_equal(parse("ready", &st), 0);
	assert_int_equal(st.state, AGENT_READY);
	assert_int_equal(parse("running", &st), 0);
	assert_int_equal(st.state, AGENT_RUNNING);
	assert_int_equal(parse("exited 0", &st), 0);
	assert_int_equal(st.state, AGENT_EXITED);
	assert_int_equal(st.exit_status, 0);
	assert_int_equal(parse("exited 255", &st), 0);
	assert_int_equal(st.exit_status, 255);
	assert_int_equal(parse("exited 137", &st), 0);
	assert_int_equal(st.exit_status, 137);
}

/* Anything else is refused: nothing is taken from a near miss. */
static void everything_else_is_refused(void **state)
{
	static const char *const bad[] = {
		"", "Ready", "ready ", " ready", "readyy", "run", "running\n", "exited",
		"exited ", "exited 256", "exited 1000", "exited -1", "exited 01", "exited 00",
		"exited 1x", "exited  1", "exited 0x10", "exitedd 1",
	};
	struct agent_status st;
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse(bad[i], &st) == 0)
			fail_msg("\"%s\" was taken for a status", bad[i]);
	/* Not NUL-ended as xenstore gives it: the length is what counts. */
	assert_int_equal(agent_status_parse("ready\0junk", 10, &st), -1);
	assert_int_equal(agent_status_parse("readyjunk", 5, &st), 0);
	char big[AGENT_STATUS_MAX + 2];
	memset(big, '1', sizeof(big));
	memcpy(big, "exited ", 7);
	assert_int_equal(agent_status_parse(big, sizeof(big), &st), -1);
}

static void formatted_statuses_read_back(void **state)
{
	char buf[AGENT_STATUS_MAX + 1];
	struct agent_status in = { .state = AGENT_EXITED, .exit_status = 42 }, out;
	(void)state;
	size_t len = agent_status_format(&in, buf, sizeof(buf));
	assert_string_equal(buf, "exited 42");
	assert_int_equal(agent_status_parse(buf, len, &out), 0);
	assert_int_equal(out.exit_status, 42);
	in.state = AGENT_READY;
	len = agent_status_format(&in, buf, sizeof(buf));
	assert_int_equal(agent_status_parse(buf, len, &out), 0);
	assert_int_equal(out.state, AGENT_READY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(statuses_are_read),
		cmocka_unit_test(everything_else_is_refused),
		cmocka_unit_test(formatted_statuses_read_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
