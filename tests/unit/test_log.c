/* The log's decisions: every byte from outside escaped (the log's lines
 * and a domain's console), repeated lines limited on an injected clock,
 * the file capped and rotated. */
#include "tests/unit/test_helpers.h"

#include "lib/escape.h"
#include "lib/log.h"
#include "lib/util.h"

static const char *escaped(bool keep_lines, const char *src, size_t len)
{
	static char out[1024];
	struct text_escape e = { .keep_lines = keep_lines };
	size_t used;
	size_t n = text_escape(&e, src, len, out, sizeof(out), &used);
	assert_int_equal(used, len);
	n += text_escape_end(&e, out + n, sizeof(out) - n);
	assert_int_equal(strlen(out), n);
	return out;
}

/* Each of the 256 bytes alone: printable ASCII as it is ('\' doubled),
 * every other byte \xNN; nothing a terminal acts on comes out. */
static void every_byte_is_printable_or_escaped(void **state)
{
	(void)state;
	for (int keep = 0; keep <= 1; keep++) {
		for (unsigned c = 0; c < 256; c++) {
			char in = (char)c, want[8];
			const char *out = escaped(keep, &in, 1);
			if (c == '\\')
				strcpy(want, "\\\\");
			else if ((c >= 0x20 && c <= 0x7e) || (keep && (c == '\n' || c == '\t')))
				snprintf(want, sizeof(want), "%c", c);
			else
				snprintf(want, sizeof(want), "\\x%02x", c);
			if (strcmp(out, want) != 0)
				fail_msg("byte 0x%02x (keep_lines %d) became \"%s\", not \"%s\"", c, keep,
					 out, want);
			for (const char *p = out; *p; p++)
				if ((*p < 0x20 || *p > 0x7e) && !(keep && (*p == '\n' || *p == '\t')))
					fail_msg("byte 0x%02x let 0x%02x through", c, (unsigned char)*p);
		}
	}
}

/* What an attacker would send: a screen clear, a window title, a line
 * overwritten with CR and backspaces, a forged line of PID 1's, UTF-8
 * (a C1 CSI and a right-to-left override among it). */
static void terminal_sequences_come_out_as_text(void **state)
{
	(void)state;
	assert_string_equal(escaped(false, "\x1b[2J", 4), "\\x1b[2J");
	assert_string_equal(escaped(false, "\x1b]0;title\x07", 10), "\\x1b]0;title\\x07");
	assert_string_equal(escaped(false, "ok\rFAIL", 7), "ok\\x0dFAIL");
	assert_string_equal(escaped(false, "ab\b\bXY", 6), "ab\\x08\\x08XY");
	assert_string_equal(escaped(false, "x\nbulkhead: init: boot done", 27),
			    "x\\x0abulkhead: init: boot done");
	assert_string_equal(escaped(false, "\xc3\xb6 \xc2\x9b" "2J \xe2\x80\xae", 11),
			    "\\xc3\\xb6 \\xc2\\x9b2J \\xe2\\x80\\xae");
	assert_string_equal(escaped(false, "C:\\x1b", 6), "C:\\\\x1b");
	assert_string_equal(escaped(false, "a\0b", 3), "a\\x00b");
}

/* A console keeps its lines: tabs, newlines, CR LF as a newline; a CR
 * on its own (it would overwrite the line) is escaped. */
static void a_console_keeps_its_lines_only(void **state)
{
	(void)state;
	assert_string_equal(escaped(true, "a\tb\r\nc\rd\n\r\r\n", 12), "a\tb\nc\\x0dd\n\\x0d\n");
	assert_string_equal(escaped(true, "end\r", 4), "end\\x0d");
}

/* A CR at the end of one read and its LF at the start of the next are
 * one line end, as in one read. */
static void a_line_end_split_between_reads_is_one(void **state)
{
	struct text_escape e = { .keep_lines = true };
	char out[64];
	(void)state;

	assert_int_equal(text_escape(&e, "one\r", 4, out, sizeof(out), NULL), 3);
	assert_string_equal(out, "one");
	text_escape(&e, "\ntwo\r", 5, out, sizeof(out), NULL);
	assert_string_equal(out, "\ntwo");
	text_escape(&e, "\x1b[H", 3, out, sizeof(out), NULL);
	assert_string_equal(out, "\\x0d\\x1b[H");
	assert_int_equal(text_escape_end(&e, out, sizeof(out)), 0);
}

/* Output full: an escape is never cut, and what was not taken is said. */
static void a_full_buffer_never_cuts_an_escape(void **state)
{
	struct text_escape e = { 0 };
	char out[7];
	size_t used;
	(void)state;

	assert_int_equal(text_escape(&e, "a\x1b\x1b", 3, out, sizeof(out), &used), 5);
	assert_string_equal(out, "a\\x1b");
	assert_int_equal(used, 2);
}

/* Every line through log_msg() is escaped, whatever it quotes, and ends
 * in one newline of its own. */
static void log_lines_are_escaped(void **state)
{
	(void)state;
	capture_begin();
	log_warn("libxl", "error: hotplug-error %s", "\x1b]0;owned\x07\r\nbulkhead: init: ok\n");
	const char *out = capture_end();
	assert_string_equal(out, "bulkhead: libxl: error: hotplug-error "
			    "\\x1b]0;owned\\x07\\x0d\\x0abulkhead: init: ok\n");
}

/* An event is one line of key=value pairs after its name, and a value a
 * domain chose is escaped like any other text. */
static void events_are_key_value_lines(void **state)
{
	(void)state;
	capture_begin();
	log_event("domains", "domain-created", "name=%s domid=%u", "alpha", 3u);
	log_event("compositor", "window-new", "domain=%s title=%s", "beta", "a\nevent=fake");
	const char *out = capture_end();
	assert_string_equal(out, "bulkhead: domains: event=domain-created name=alpha domid=3\n"
			    "bulkhead: compositor: event=window-new domain=beta title=a\\x0aevent=fake\n");
}

/* PID 1 logs to its file, and to the console only notices and worse: its
 * events reach the console too, where the QEMU suites read them. */
static void events_reach_pid1s_console(void **state)
{
	char d[] = "/tmp/bulkhead-log-XXXXXX", path[64], cmd[64];
	(void)state;

	assert_non_null(mkdtemp(d));
	snprintf(path, sizeof(path), "%s/bulkhead.log", d);
	capture_begin();
	assert_int_equal(log_to_file(path), 0);
	log_info("supervisor", "an info line stays in the file");
	log_event("supervisor", "service-started", "name=%s pid=%d", "xenconsoled", 42);
	log_to_stderr();
	const char *out = capture_end();
	assert_null(strstr(out, "stays in the file"));
	assert_contains(out, "bulkhead: supervisor: event=service-started name=xenconsoled pid=42\n");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", d);
	assert_int_equal(system(cmd), 0);
}

static void shapes_ignore_numbers_only(void **state)
{
	(void)state;
	assert_true(log_shape_key("init", "reaped orphan pid 12 (exited 0)") ==
		    log_shape_key("init", "reaped orphan pid 34567 (exited 1)"));
	assert_true(log_shape_key("init", "reaped orphan pid 12") !=
		    log_shape_key("init", "reaped orphan pod 12"));
	assert_true(log_shape_key("init", "x") != log_shape_key("initx", ""));
	assert_true(log_shape_key("init", "pid 1") != log_shape_key("init", "pid 1a"));
}

/* LOG_REPEAT_BURST lines of one shape a window, the rest counted and
 * told to the first line of the next window; other shapes go on. */
static void repeats_pass_a_burst_then_are_counted(void **state)
{
	static struct log_limiter l;
	uint32_t sup;
	uint64_t a = log_shape_key("init", "reaped orphan pid 1"), b = log_shape_key("t", "other");
	(void)state;

	memset(&l, 0, sizeof(l));
	for (unsigned i = 0; i < LOG_REPEAT_BURST; i++) {
		assert_true(log_limiter_pass(&l, a, 1000 + i, &sup));
		assert_int_equal(sup, 0);
	}
	for (unsigned i = 0; i < 5000; i++)
		assert_false(log_limiter_pass(&l, a, 2000, &sup));
	assert_true(log_limiter_pass(&l, b, 2000, &sup));
	assert_int_equal(sup, 0);
	/* Still inside the window that began at 1000. */
	assert_false(log_limiter_pass(&l, a, 1000 + LOG_REPEAT_WINDOW_MS - 1, &sup));
	assert_true(log_limiter_pass(&l, a, 1000 + LOG_REPEAT_WINDOW_MS, &sup));
	assert_int_equal(sup, 5001);
	assert_true(log_limiter_pass(&l, a, 1000 + LOG_REPEAT_WINDOW_MS, &sup));
	assert_int_equal(sup, 0);
}

/* More shapes than the table holds: the least recently seen one makes
 * room, and a shape that comes back starts afresh. */
static void the_oldest_shape_makes_room(void **state)
{
	static struct log_limiter l;
	uint32_t sup;
	(void)state;

	memset(&l, 0, sizeof(l));
	for (unsigned i = 0; i <= LOG_REPEAT_BURST; i++)
		log_limiter_pass(&l, 7, 0, &sup);
	assert_false(log_limiter_pass(&l, 7, 0, &sup));
	for (uint64_t k = 100; k < 100 + LOG_REPEAT_SHAPES; k++)
		assert_true(log_limiter_pass(&l, k, 1, &sup));
	assert_true(log_limiter_pass(&l, 7, 2, &sup));
	assert_int_equal(sup, 0);
}

static uint64_t fake_now;
static uint64_t fake_clock(void)
{
	return fake_now;
}

/* PID 1's storm of orphans through log_msg(): ten lines, then the
 * count before the first line of the next window. */
static void a_storm_of_lines_is_cut_and_counted(void **state)
{
	(void)state;
	log_set_clock(fake_clock);
	log_limit_repeats(true);
	fake_now = 5000;
	capture_begin();
	for (int pid = 2; pid < 3002; pid++)
		log_info("init", "reaped orphan pid %d (exited with status 0)", pid);
	log_info("init", "something else");
	fake_now += LOG_REPEAT_WINDOW_MS;
	log_info("init", "reaped orphan pid %d (exited with status 0)", 4000);
	const char *out = capture_end();
	log_limit_repeats(false);
	log_set_clock(monotonic_ms);

	int lines = 0;
	for (const char *p = out; (p = strchr(p, '\n')); p++)
		lines++;
	assert_int_equal(lines, LOG_REPEAT_BURST + 3);
	assert_contains(out, "bulkhead: init: reaped orphan pid 11 (exited with status 0)\n"
			"bulkhead: init: something else\n"
			"bulkhead: init: 2990 lines like the next one were suppressed\n"
			"bulkhead: init: reaped orphan pid 4000 (exited with status 0)\n");
	assert_not_contains(out, "pid 12 ");
}

/* PID 1's orphans: the first said at once, the rest at most once an
 * interval, with how many since; none left: nothing due. */
static void a_count_is_said_at_once_then_once_an_interval(void **state)
{
	struct log_count c = { 0 };
	uint64_t n;
	(void)state;

	assert_int_equal(log_count_next(&c, 60000), UINT64_MAX);
	assert_false(log_count_due(&c, 100, 60000, &n));
	log_count_add(&c);
	assert_true(log_count_due(&c, 100, 60000, &n));
	assert_int_equal(n, 1);
	for (int i = 0; i < 2999; i++)
		log_count_add(&c);
	assert_int_equal(log_count_next(&c, 60000), 60100);
	assert_false(log_count_due(&c, 60099, 60000, &n));
	assert_true(log_count_due(&c, 60100, 60000, &n));
	assert_int_equal(n, 2999);
	assert_int_equal(c.total, 3000);
	assert_false(log_count_due(&c, 200000, 60000, &n));
	/* At shutdown: whatever is left, now. */
	log_count_add(&c);
	assert_true(log_count_due(&c, 60101, 0, &n));
	assert_int_equal(n, 1);
}

static off_t size_of(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? st.st_size : -1;
}

/* The file never passes LOG_FILE_MAX: it becomes FILE.1 (one kept) and a
 * new one starts, saying so. */
static void the_file_is_capped_and_rotated(void **state)
{
	char d[] = "/tmp/bulkhead-log-XXXXXX", path[64], old[68], line[900], first[256];
	(void)state;

	assert_non_null(mkdtemp(d));
	snprintf(path, sizeof(path), "%s/run/bulkhead.log", d);
	snprintf(old, sizeof(old), "%s.1", path);
	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	assert_int_equal(log_to_file(path), 0);
	off_t most = 0;
	for (unsigned i = 0; i < 3 * LOG_FILE_MAX / sizeof(line); i++) {
		log_info("test", "%06u %s", i, line);
		off_t now = size_of(path);
		assert_true(now > 0 && now <= (off_t)LOG_FILE_MAX);
		if (now > most)
			most = now;
	}
	log_to_stderr();
	assert_true(most > (off_t)(LOG_FILE_MAX - 2 * sizeof(line)));
	assert_true(size_of(old) > (off_t)(LOG_FILE_MAX - 2 * sizeof(line)));
	assert_true(size_of(old) <= (off_t)LOG_FILE_MAX);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(first, sizeof(first), f));
	fclose(f);
	assert_contains(first, "bulkhead: log: ");
	assert_contains(first, "bulkhead.log reached 4194304 bytes; the lines before are in the .1 file");
	/* No line lost at the turn: the new file's first line of ours comes
	 * right after the last of .1. */
	char second[1024], cmd[256];
	unsigned next, last = 0;
	f = fopen(path, "r");
	assert_non_null(fgets(first, sizeof(first), f));
	assert_non_null(fgets(second, sizeof(second), f));
	fclose(f);
	assert_int_equal(sscanf(strstr(second, "test: "), "test: %u", &next), 1);
	f = fopen(old, "r");
	while (fgets(second, sizeof(second), f))
		if (strstr(second, "test: "))
			assert_int_equal(sscanf(strstr(second, "test: "), "test: %u", &last), 1);
	fclose(f);
	assert_int_equal(next, last + 1);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", d);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_byte_is_printable_or_escaped),
		cmocka_unit_test(terminal_sequences_come_out_as_text),
		cmocka_unit_test(a_console_keeps_its_lines_only),
		cmocka_unit_test(a_line_end_split_between_reads_is_one),
		cmocka_unit_test(a_full_buffer_never_cuts_an_escape),
		cmocka_unit_test(log_lines_are_escaped),
		cmocka_unit_test(events_are_key_value_lines),
		cmocka_unit_test(events_reach_pid1s_console),
		cmocka_unit_test(shapes_ignore_numbers_only),
		cmocka_unit_test(repeats_pass_a_burst_then_are_counted),
		cmocka_unit_test(the_oldest_shape_makes_room),
		cmocka_unit_test(a_storm_of_lines_is_cut_and_counted),
		cmocka_unit_test(a_count_is_said_at_once_then_once_an_interval),
		cmocka_unit_test(the_file_is_capped_and_rotated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
