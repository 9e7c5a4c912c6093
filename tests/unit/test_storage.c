/* Releasing a domain's scratch files (domains/storage.h): what it wrote is
 * freed from the pool, not only unlinked; a pool whose file system cannot
 * free it says so once.  On real files in a temporary directory. */
#include "tests/unit/test_helpers.h"

#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>

#include "domains/loopdev.h"
#include "domains/storage.h"

#include <errno.h>
#include <linux/fs.h>
#include <sys/ioctl.h>

static char tmp[64];

static int make_tmp(void **state)
{
	(void)state;
	strcpy(tmp, "/tmp/bulkhead-storage-XXXXXX");
	return mkdtemp(tmp) ? 0 : -1;
}

static int remove_tmp(void **state)
{
	char cmd[96];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	return system(cmd) == 0 ? 0 : -1;
}

/* A domain's writes: SIZE bytes of data in DIR/NAME (no holes). */
static const char *written(const char *dir, const char *name, size_t size)
{
	static char path[128];
	char block[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	memset(block, 0x5a, sizeof(block));
	for (size_t at = 0; at < size; at += sizeof(block))
		assert_int_equal(write(fd, block, sizeof(block)), (ssize_t)sizeof(block));
	assert_int_equal(fsync(fd), 0);
	close(fd);
	return path;
}

/* The file is gone, and so are its blocks: a second link to it (as a
 * loop device's open file, or someone who kept a link) sees a file of the
 * same size holding nothing, all zeros. */
static void a_scratch_file_goes_with_its_blocks(void **state)
{
	char link_path[160], buf[4096];
	struct stat st;
	(void)state;

	const char *path = written(tmp, "root-cow.img", 1024 * 1024);
	snprintf(link_path, sizeof(link_path), "%s/kept-link", tmp);
	assert_int_equal(link(path, link_path), 0);
	int fd = open(link_path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(st.st_blocks >= 2048);

	assert_int_equal(storage_remove_scratch(path), 0);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_blocks, 0);
	assert_int_equal(st.st_size, 1024 * 1024);
	assert_int_equal(pread(fd, buf, sizeof(buf), 4096), (ssize_t)sizeof(buf));
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0);
	close(fd);
	/* Gone already: nothing to do, no error. */
	assert_int_equal(storage_remove_scratch(path), 0);
}

/* In a child, a mount namespace of its own with ramfs (which cannot punch
 * holes) on DIR: two scratch files removed, one line said.  Exit status 0
 * when that holds. */
static int on_ramfs(const char *dir)
{
	char out[4096] = "";
	FILE *log = tmpfile();
	if (!log || unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("ramfs", dir, "ramfs", 0, NULL) < 0)
		return 2;
	char a[128], b[128];
	strcpy(a, written(dir, "volatile.img", 65536));
	strcpy(b, written(dir, "private-cow.img", 65536));
	log_set_stderr_fd(fileno(log));
	int ra = storage_remove_scratch(a), rb = storage_remove_scratch(b);
	rewind(log);
	size_t n = fread(out, 1, sizeof(out) - 1, log);
	out[n] = '\0';
	const char *said = strstr(out, "bulkhead: storage: cannot punch holes in ");
	if (ra || rb || access(a, F_OK) == 0 || access(b, F_OK) == 0)
		return 3;
	if (!said || strstr(said + 1, "bulkhead: storage: ") || !strstr(out, "unlinked only"))
		return 4;
	return 0;
}

static void a_pool_that_cannot_punch_says_so_once(void **state)
{
	int status;
	(void)state;

	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(on_ramfs(tmp));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* A spare keeps its scratch file's loop device (domains/storage.c): found
 * again by its number only if it is that file's, and sized to the file
 * once the file is.  On a real loop device: root, and the loop driver. */
static void a_spares_loop_device_is_its_files_only(void **state)
{
	char path[128], other[128], devno[32];
	uint64_t bytes = 0;
	(void)state;

	if (access("/dev/loop-control", W_OK) != 0) {
		print_message("no loop devices here (%s): not tested\n", strerror(errno));
		skip();
	}
	snprintf(path, sizeof(path), "%s/volatile.img", tmp);
	snprintf(other, sizeof(other), "%s/private-cow.img", tmp);
	assert_int_equal(truncate(written(tmp, "volatile.img", 65536), 1 << 20), 0);
	written(tmp, "private-cow.img", 4096);
	int fd = loop_attach(path, false, devno, sizeof(devno));
	assert_true(fd >= 0);
	int again = loop_open(devno, path);
	assert_true(again >= 0);
	assert_int_equal(ioctl(again, BLKGETSIZE64, &bytes), 0);
	assert_int_equal(bytes, 1 << 20);
	/* Another file's, or no loop device's number: refused. */
	assert_int_equal(loop_open(devno, other), -ENODEV);
	assert_int_equal(loop_open("8:0", path), -ENODEV);
	assert_int_equal(loop_open("7", path), -ENODEV);
	/* The file grown: the device follows once told. */
	assert_int_equal(truncate(path, 3 << 20), 0);
	assert_int_equal(loop_resize(fd), 0);
	assert_int_equal(ioctl(again, BLKGETSIZE64, &bytes), 0);
	assert_int_equal(bytes, 3 << 20);
	close(again);
	close(fd);
}

/* A shared file (a template's root) has one loop device, whoever asks for
 * it, however often; a file made just now gets its own without a search. */
static void a_shared_file_has_one_loop_device(void **state)
{
	char path[128], first[32], second[32], fresh[32];
	(void)state;

	if (access("/dev/loop-control", W_OK) != 0) {
		print_message("no loop devices here (%s): not tested\n", strerror(errno));
		skip();
	}
	snprintf(path, sizeof(path), "%s/root.img", tmp);
	written(tmp, "root.img", 65536);
	int a = loop_attach(path, true, first, sizeof(first));
	assert_true(a >= 0);
	for (int i = 0; i < 3; i++) {
		int b = loop_attach(path, true, second, sizeof(second));
		assert_true(b >= 0);
		assert_string_equal(first, second);
		close(b);
	}
	int c = loop_attach(path, false, fresh, sizeof(fresh));
	assert_true(c >= 0);
	assert_string_not_equal(first, fresh);
	close(c);
	close(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(a_scratch_file_goes_with_its_blocks, make_tmp,
						remove_tmp),
		cmocka_unit_test_setup_teardown(a_pool_that_cannot_punch_says_so_once, make_tmp,
						remove_tmp),
		cmocka_unit_test_setup_teardown(a_spares_loop_device_is_its_files_only, make_tmp,
						remove_tmp),
		cmocka_unit_test_setup_teardown(a_shared_file_has_one_loop_device, make_tmp,
						remove_tmp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
