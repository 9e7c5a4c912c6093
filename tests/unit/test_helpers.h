/* Shared by the unit tests: cmocka's includes in the order it needs, and
 * a way to look at what a function logged. */
#ifndef BULKHEAD_TEST_HELPERS_H
#define BULKHEAD_TEST_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/util.h"

#include "lib/log.h"

/* Captures what is logged between capture_begin() and capture_end(); the
 * returned text is valid until the next capture.  fd 2 is left alone so
 * that a sanitizer's report is never swallowed. */
static FILE *capture_file;
static char capture_text[65536];

static inline void capture_begin(void)
{
	capture_file = tmpfile();
	assert_non_null(capture_file);
	log_set_stderr_fd(fileno(capture_file));
}

static inline const char *capture_end(void)
{
	log_set_stderr_fd(STDERR_FILENO);
	rewind(capture_file);
	size_t n = fread(capture_text, 1, sizeof(capture_text) - 1, capture_file);
	capture_text[n] = '\0';
	fclose(capture_file);
	return capture_text;
}

/* Writes TEXT to DIR/NAME (DIR must exist); returns the path (static). */
static inline const char *write_file(const char *dir, const char *name, const char *text)
{
	static char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/* A fresh config directory for each test: `dir', with one subdirectory
 * (services/ or domains/), removed after the test.  Use as cmocka setup
 * and teardown through a wrapper that names the subdirectory. */
static char dir[64];

static inline int config_dir_make(const char *sub)
{
	char path[128];
	strcpy(dir, "/tmp/bulkhead-test-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	return mkdir(path, 0755);
}

static inline int config_dir_remove(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A fake tree (a /sys) in `dir' for each test, as cmocka setup and
 * teardown; tree_put() writes TEXT to PATH in it, its directories made. */
static inline int tree_make(void **state)
{
	(void)state;
	return config_dir_make("tree");
}

static inline int tree_remove(void **state)
{
	(void)state;
	return config_dir_remove();
}

static inline void tree_put(const char *path, const char *text)
{
	char full[512];
	snprintf(full, sizeof(full), "%s/%s", dir, path);
	assert_int_equal(mkdir_parents(full, 0755), 0);
	write_file(dir, path, text);
}

#define assert_contains(haystack, needle) do { \
	const char *h_ = (haystack), *n_ = (needle); \
	if (!strstr(h_, n_)) \
		fail_msg("expected to find \"%s\" in:\n%s", n_, h_); \
} while (0)

#define assert_not_contains(haystack, needle) do { \
	const char *h_ = (haystack), *n_ = (needle); \
	if (strstr(h_, n_)) \
		fail_msg("did not expect \"%s\" in:\n%s", n_, h_); \
} while (0)

#endif
