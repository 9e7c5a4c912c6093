/* The file-copy stream: its checks (proto/filecopy.h), and the unpacker
 * and packer on real files in a scratch directory (guest/filecopy.h). */
#include "tests/unit/test_helpers.h"

#include <dirent.h>
#include <ftw.h>
#include <sys/mman.h>

#include "guest/filecopy.h"
#include "lib/bytes.h"
#include "proto/filecopy.h"

#define NAME(s) fc_name_check((const uint8_t *)(s), sizeof(s) - 1)
#define LINK(s, d) fc_link_check((const uint8_t *)(s), sizeof(s) - 1, (d))

static void names(void **state)
{
	(void)state;
	assert_null(NAME("a"));
	assert_null(NAME(".hidden"));
	assert_null(NAME("...")); /* only "." and ".." are special */
	assert_null(NAME("-rf x"));
	assert_null(NAME("r\xc3\xa9sum\xc3\xa9"));
	assert_null(NAME("\xf0\x9f\x99\x82"));	/* U+1F642 */
	assert_null(NAME("\xe2\x80\xae"));	/* U+202E is not a control character */
	static const char *const bad[] = {
		"", ".", "..", "a/b", "/", "x\n", "\x7f", "\x1b[2J", "\xc2\x80", "\xc2\x9f",
		"\xff", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xe2\x82", "\xf4\x90\x80\x80",
		"\x80",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!fc_name_check((const uint8_t *)bad[i], strlen(bad[i])))
			fail_msg("name %zu was taken", i);
	assert_non_null(fc_name_check((const uint8_t *)"a\0b", 3));
	uint8_t longest[FILECOPY_NAME_MAX + 1];
	memset(longest, 'n', sizeof(longest));
	assert_null(fc_name_check(longest, FILECOPY_NAME_MAX));
	assert_non_null(fc_name_check(longest, FILECOPY_NAME_MAX + 1));
}

/* A link may point anywhere inside the top, from where it is. */
static void links(void **state)
{
	(void)state;
	assert_null(LINK("a", 0));
	assert_null(LINK("a/b/c", 0));
	assert_null(LINK("./a", 0));
	assert_null(LINK(".", 0));
	assert_null(LINK("./../x/./y", 1));
	assert_null(LINK("..", 1));
	assert_null(LINK("../x", 1));
	assert_null(LINK("../../x", 2));
	/* ".." after a name would climb from where that name leads: s -> ".",
	 * then s/.. is the top's parent. */
	assert_non_null(LINK("a/../b", 0));
	assert_non_null(LINK("a/../../x", 1));
	assert_non_null(LINK("s/..", 3));
	assert_non_null(LINK("..", 0));
	assert_non_null(LINK("../x", 0));
	assert_non_null(LINK("a/../../x", 0));
	assert_non_null(LINK("../../x", 1));
	assert_non_null(LINK("/etc/passwd", 5));
	assert_non_null(LINK("a//b", 0));
	assert_non_null(LINK("a/", 0));
	assert_non_null(LINK("", 0));
	assert_non_null(LINK("a/x\ny", 0));
	assert_non_null(fc_link_check((const uint8_t *)"a\0/b", 4, 0));
	uint8_t t[FILECOPY_LINK_MAX + 1];
	memset(t, 'a', sizeof(t));
	for (size_t i = 100; i < sizeof(t); i += 101)
		t[i] = '/';
	assert_null(fc_link_check(t, FILECOPY_LINK_MAX, 0));
	assert_non_null(fc_link_check(t, FILECOPY_LINK_MAX + 1, 0));
}

static void rec(uint8_t out[FC_RECORD_SIZE], enum fc_type t, uint16_t name_len, uint32_t mode,
		uint64_t size)
{
	struct fc_record r = { .type = t, .name_len = name_len, .mode = mode, .size = size,
			       .mtime_sec = 1700000000, .mtime_nsec = 5 };
	if (t == FC_END || t == FC_UP)
		r.mtime_sec = r.mtime_nsec = 0;	/* a directory's time is its DIR's */
	fc_record_encode(&r, out);
}

static void records(void **state)
{
	uint8_t b[FC_RECORD_SIZE];
	struct fc_record r;
	(void)state;
	rec(b, FC_FILE, 3, 0644, 10);
	assert_null(fc_record_decode(b, &r));
	assert_int_equal(r.type, FC_FILE);
	assert_int_equal(r.name_len, 3);
	assert_int_equal(r.mode, 0644);
	assert_int_equal(r.size, 10);
	assert_int_equal(r.mtime_sec, 1700000000);
	assert_int_equal(r.mtime_nsec, 5);
	rec(b, FC_FILE, 3, 04755, 10);
	assert_non_null(fc_record_decode(b, &r));
	rec(b, FC_FILE, 3, 0100644, 10);
	assert_non_null(fc_record_decode(b, &r));
	rec(b, FC_FILE, 0, 0644, 10);
	assert_non_null(fc_record_decode(b, &r));
	rec(b, FC_FILE, FILECOPY_NAME_MAX + 1, 0644, 10);
	assert_non_null(fc_record_decode(b, &r));
	rec(b, FC_DIR, 3, 0755, 1);
	assert_non_null(fc_record_decode(b, &r));
	rec(b, FC_LINK, 3, 0777, 4);
	assert_non_null(fc_record_decode(b, &r));
	rec(b, FC_LINK, 3, 0, 0);
	assert_non_null(fc_record_decode(b, &r));
	rec(b, FC_LINK, 3, 0, FILECOPY_LINK_MAX + 1);
	assert_non_null(fc_record_decode(b, &r));
	rec(b, FC_UP, 1, 0, 0);
	assert_non_null(fc_record_decode(b, &r));
	rec(b, FC_UP, 0, 0, 0);
	assert_null(fc_record_decode(b, &r));
	b[16] = 1;
	assert_non_null(fc_record_decode(b, &r));	/* UP carries no time */
	rec(b, FC_END, 0, 0, 0);
	assert_null(fc_record_decode(b, &r));
	b[16] = 1;
	assert_non_null(fc_record_decode(b, &r));
	rec(b, FC_FILE, 3, 0644, 10);
	put_u32(b + 24, 1000000000);
	assert_non_null(fc_record_decode(b, &r));
	for (int t = 0; t < 256; t += (t == 0 ? 6 : 1)) {
		rec(b, FC_FILE, 3, 0644, 10);
		b[0] = (uint8_t)t;
		assert_non_null(fc_record_decode(b, &r));
	}
	rec(b, FC_FILE, 3, 0644, 10);
	b[1] = 1;
	assert_non_null(fc_record_decode(b, &r));
	rec(b, FC_FILE, 3, 0644, 10);
	b[31] = 1;
	assert_non_null(fc_record_decode(b, &r));
	uint8_t h[FC_HEADER_SIZE];
	fc_header_encode(h);
	assert_null(fc_header_check(h));
	h[4] = 2;
	assert_non_null(fc_header_check(h));
	fc_header_encode(h);
	h[0] = 'b';
	assert_non_null(fc_header_check(h));
}

static void sequences(void **state)
{
	struct fc_seq s;
	struct fc_bounds b = { .entries = 3, .bytes = 10 };
	struct fc_record dir = { .type = FC_DIR, .name_len = 1 };
	struct fc_record up = { .type = FC_UP }, end = { .type = FC_END };
	struct fc_record file = { .type = FC_FILE, .name_len = 1, .size = 6 };
	(void)state;
	fc_seq_init(&s, &b);
	assert_non_null(fc_seq_step(&s, &up));
	assert_null(fc_seq_step(&s, &dir));
	assert_non_null(fc_seq_step(&s, &end));
	assert_null(fc_seq_step(&s, &file));
	assert_non_null(fc_seq_step(&s, &file)); /* 12 bytes > 10 */
	file.size = 4;
	assert_null(fc_seq_step(&s, &file));
	file.size = 0;
	assert_non_null(fc_seq_step(&s, &file)); /* a fourth entry */
	assert_null(fc_seq_step(&s, &up));
	assert_null(fc_seq_step(&s, &end));
	assert_non_null(fc_seq_step(&s, &up));
	fc_seq_init(&s, NULL);
	for (unsigned i = 0; i < FILECOPY_DEPTH_MAX; i++)
		assert_null(fc_seq_step(&s, &dir));
	assert_non_null(fc_seq_step(&s, &dir));
	assert_int_equal(fc_mode_made(FC_FILE, 0777), 0755);
	assert_int_equal(fc_mode_made(FC_FILE, 0), 0600);
	assert_int_equal(fc_mode_made(FC_FILE, 0640), 0640);
	assert_int_equal(fc_mode_made(FC_DIR, 0), 0700);
	assert_int_equal(fc_mode_made(FC_DIR, 0777), 0755);
}

/* --- on real files ----------------------------------------------------------- */

static char scratch[64];

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	(void)state;
	snprintf(scratch, sizeof(scratch), "/tmp/test-filecopy.XXXXXX");
	assert_non_null(mkdtemp(scratch));
	char p[128];
	snprintf(p, sizeof(p), "%s/dest", scratch);
	assert_int_equal(mkdir(p, 0755), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	nftw(scratch, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

/* A stream in memory, appended to record by record. */
struct stream {
	uint8_t b[8192];
	size_t n;
};

static void put(struct stream *s, const void *p, size_t n)
{
	assert_true(s->n + n <= sizeof(s->b));
	if (n)
		memcpy(s->b + s->n, p, n);
	s->n += n;
}

static void start(struct stream *s)
{
	s->n = 0;
	uint8_t h[FC_HEADER_SIZE];
	fc_header_encode(h);
	put(s, h, sizeof(h));
}

static void entry(struct stream *s, enum fc_type t, const char *name, uint32_t mode,
		  const char *content)
{
	uint8_t r[FC_RECORD_SIZE];
	size_t clen = content ? strlen(content) : 0;
	rec(r, t, (uint16_t)strlen(name), mode, clen);
	put(s, r, sizeof(r));
	put(s, name, strlen(name));
	put(s, content, clen);
}

static int unpack(const struct stream *s, char *err, size_t errlen)
{
	char p[128];
	snprintf(p, sizeof(p), "%s/dest", scratch);
	int dirfd = open(p, O_RDONLY | O_DIRECTORY);
	int in = memfd_create("stream", 0);
	assert_true(dirfd >= 0 && in >= 0);
	assert_int_equal(write(in, s->b, s->n), (ssize_t)s->n);
	lseek(in, 0, SEEK_SET);
	err[0] = '\0';
	int rc = filecopy_unpack(dirfd, in, NULL, err, errlen);
	close(in);
	close(dirfd);
	return rc;
}

/* The entries of DIR (relative to scratch), "." and ".." not counted. */
static int entries(const char *dir)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/%s", scratch, dir);
	DIR *d = opendir(p);
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

static struct stat stat_of(const char *rel)
{
	char p[512];
	struct stat st;
	snprintf(p, sizeof(p), "%s/%s", scratch, rel);
	assert_int_equal(lstat(p, &st), 0);
	return st;
}

static void a_tree_is_made(void **state)
{
	struct stream s;
	char err[1024];
	(void)state;
	start(&s);
	entry(&s, FC_DIR, "d", 0777, NULL);
	entry(&s, FC_FILE, "f", 0777, "hello");
	entry(&s, FC_LINK, "l", 0, "../d/f");
	entry(&s, FC_UP, "", 0, NULL);
	entry(&s, FC_END, "", 0, NULL);
	assert_int_equal(unpack(&s, err, sizeof(err)), 0);
	assert_int_equal(entries("dest"), 1);
	assert_int_equal(stat_of("dest/d").st_mode & 07777, 0755);
	struct stat f = stat_of("dest/d/f");
	assert_int_equal(f.st_mode & 07777, 0755);
	assert_int_equal(f.st_size, 5);
	assert_int_equal(f.st_mtim.tv_sec, 1700000000);
	assert_int_equal(f.st_mtim.tv_nsec, 5);
	assert_int_equal(stat_of("dest/d").st_mtim.tv_sec, 1700000000);
	assert_true(S_ISLNK(stat_of("dest/d/l").st_mode));
	/* The same again: refused, the first copy untouched, nothing left over. */
	assert_int_equal(unpack(&s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "\"d\" is there already"));
	assert_int_equal(entries("dest"), 1);
	assert_int_equal(entries("dest/d"), 2);
}

/* Whatever went wrong, and however far the stream got, nothing stays. */
static void a_refused_stream_leaves_nothing(void **state)
{
	struct stream s;
	char err[1024];
	(void)state;
	start(&s);
	entry(&s, FC_FILE, "kept-if-wrong", 0644, "data");
	entry(&s, FC_DIR, "d", 0755, NULL);
	entry(&s, FC_DIR, "e", 0755, NULL);
	entry(&s, FC_FILE, "f", 0644, "more");
	size_t good = s.n;
	static const struct {
		enum fc_type t;
		const char *name, *content, *why;
	} bad[] = {
		{ FC_LINK, "l", "../../../x", "climbs above" },
		{ FC_LINK, "l", "/etc/passwd", "absolute" },
		{ FC_FILE, "..", "", "\".\" or \"..\"" },
		{ FC_FILE, "f", "", "appears twice" },
		{ FC_DIR, "f", NULL, "appears twice" },
		{ FC_FILE, "a/b", "", "'/'" },
		{ FC_FILE, "x\x1b", "", "control character" },
		{ FC_END, "", NULL, "inside a directory" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s.n = good;
		entry(&s, bad[i].t, bad[i].name, 0, bad[i].content);
		entry(&s, FC_UP, "", 0, NULL);
		entry(&s, FC_UP, "", 0, NULL);
		entry(&s, FC_END, "", 0, NULL);
		assert_int_equal(unpack(&s, err, sizeof(err)), -1);
		if (!strstr(err, bad[i].why))
			fail_msg("case %zu: \"%s\" does not say \"%s\"", i, err, bad[i].why);
		assert_int_equal(entries("dest"), 0);
	}
	/* Cut anywhere: refused, nothing left. */
	s.n = good;
	entry(&s, FC_UP, "", 0, NULL);
	entry(&s, FC_UP, "", 0, NULL);
	entry(&s, FC_END, "", 0, NULL);
	size_t whole = s.n;
	for (size_t cut = 0; cut < whole; cut++) {
		s.n = cut;
		assert_int_equal(unpack(&s, err, sizeof(err)), -1);
		assert_int_equal(entries("dest"), 0);
	}
	/* A byte too many. */
	s.n = whole;
	put(&s, "", 1);
	assert_int_equal(unpack(&s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "after the END"));
	assert_int_equal(entries("dest"), 0);
	s.n = whole;
	assert_int_equal(unpack(&s, err, sizeof(err)), 0);
	assert_int_equal(entries("dest"), 2);
}

/* The packer's stream of a tree, unpacked: the same tree. */
static void pack_then_unpack(void **state)
{
	char p[256], err[1024];
	(void)state;
	snprintf(p, sizeof(p), "%s/src", scratch);
	assert_int_equal(mkdir(p, 0750), 0);
	snprintf(p, sizeof(p), "%s/src/sub", scratch);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/src", scratch);
	write_file(p, "a", "alpha");
	snprintf(p, sizeof(p), "%s/src/sub", scratch);
	write_file(p, "\xc3\xa9t\xc3\xa9", "");
	snprintf(p, sizeof(p), "%s/src/sub/up", scratch);
	assert_int_equal(symlink("../a", p), 0);
	snprintf(p, sizeof(p), "%s/src", scratch);
	char *paths[] = { p };
	int out = memfd_create("stream", 0);
	if (filecopy_pack(paths, 1, out, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	struct stream s;
	s.n = (size_t)lseek(out, 0, SEEK_CUR);
	assert_true(s.n <= sizeof(s.b));
	assert_int_equal(pread(out, s.b, s.n, 0), (ssize_t)s.n);
	close(out);
	assert_int_equal(unpack(&s, err, sizeof(err)), 0);
	assert_int_equal(stat_of("dest/src").st_mode & 07777, 0750);
	assert_int_equal(stat_of("dest/src/sub").st_mode & 07777, 0700);
	assert_int_equal(stat_of("dest/src/a").st_size, 5);
	assert_int_equal(stat_of("dest/src/sub/\xc3\xa9t\xc3\xa9").st_size, 0);
	assert_true(S_ISLNK(stat_of("dest/src/sub/up").st_mode));
	/* A link that leaves what is copied is refused by the packer. */
	snprintf(p, sizeof(p), "%s/src/sub/out", scratch);
	assert_int_equal(symlink("../../../x", p), 0);
	snprintf(p, sizeof(p), "%s/src", scratch);
	out = memfd_create("stream", 0);
	assert_int_equal(filecopy_pack(paths, 1, out, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "src/sub/out: a link's target climbs above"));
	close(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names),
		cmocka_unit_test(links),
		cmocka_unit_test(records),
		cmocka_unit_test(sequences),
		cmocka_unit_test_setup_teardown(a_tree_is_made, setup, teardown),
		cmocka_unit_test_setup_teardown(a_refused_stream_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(pack_then_unpack, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
