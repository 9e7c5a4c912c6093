/* The input broker (input/broker.c) on a directory of plain files standing
 * for /dev/input, and the compositor's side of its socket (evdev.c's fed
 * mode) against malformed messages. */
#include "tests/unit/test_helpers.h"

#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "input/broker.h"
#include "input/evdev.h"

static char dir[64];

static int make_dir(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/bulkhead-broker-%d", getpid());
	return mkdir(dir, 0700);
}

static int remove_dir(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void touch(const char *name)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
}

/* The next device the broker passes: its name into NAME, and the inode of
 * its fd (closed), or 0 when none comes within a second. */
static ino_t next_device(int sock, char *name, size_t cap)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct pollfd pfd = { .fd = sock, .events = POLLIN };
	if (poll(&pfd, 1, 1000) <= 0)
		return 0;
	struct iovec iov = { name, cap - 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			    .msg_controllen = sizeof(ctl.buf) };
	ssize_t n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC);
	if (n <= 0)
		return 0;
	name[n] = '\0';
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	assert_non_null(c);
	assert_int_equal(c->cmsg_type, SCM_RIGHTS);
	int fd;
	memcpy(&fd, CMSG_DATA(c), sizeof(fd));
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	close(fd);
	return st.st_ino;
}

static ino_t inode_of(const char *name)
{
	char path[128];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(stat(path, &st), 0);
	return st.st_ino;
}

static char status_line[64];

/* FIELD's value in /proc/PID/status. */
static const char *status_of(pid_t pid, const char *field)
{
	char path[64], line[256];
	size_t len = strlen(field);
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	FILE *f = fopen(path, "re");
	assert_non_null(f);
	status_line[0] = '\0';
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, field, len) == 0 && line[len] == ':')
			sscanf(line + len + 1, "%63s", status_line);
	fclose(f);
	return status_line;
}

static void broker_passes_present_and_new_devices(void **state)
{
	int sv[2];
	char name[32];
	(void)state;
	touch("event0");
	touch("event12");
	touch("mouse0");	/* not an event device */
	touch("event1x");
	touch("event");
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(sv[0]);
		/* Raw: nothing of the sanitizers' at exit under seccomp. */
		syscall(SYS_exit_group, input_broker_run(sv[1], dir, geteuid() == 0) < 0 ? 1 : 0);
	}
	close(sv[1]);

	/* The two present, in the directory's order. */
	bool seen0 = false, seen12 = false;
	for (int i = 0; i < 2; i++) {
		ino_t ino = next_device(sv[0], name, sizeof(name));
		if (strcmp(name, "event0") == 0) {
			seen0 = true;
			assert_int_equal(ino, inode_of("event0"));
		} else {
			assert_string_equal(name, "event12");
			seen12 = true;
			assert_int_equal(ino, inode_of("event12"));
		}
	}
	assert_true(seen0 && seen12);

	/* Confined, with root's uid kept: what it needs and nothing more. */
	if (geteuid() == 0) {
		assert_string_equal(status_of(pid, "Uid"), "0");
		assert_string_equal(status_of(pid, "CapEff"), "0000000000000000");
		assert_string_equal(status_of(pid, "CapBnd"), "0000000000000000");
		assert_string_equal(status_of(pid, "NoNewPrivs"), "1");
		assert_string_equal(status_of(pid, "Seccomp"), "2");
	}

	/* One that comes; names that are not an event device's are not passed. */
	touch("js0");
	touch("event3");
	assert_int_equal(next_device(sv[0], name, sizeof(name)), inode_of("event3"));
	assert_string_equal(name, "event3");
	assert_int_equal(next_device(sv[0], name, sizeof(name)), 0);

	/* Anything the compositor writes is ignored; its end ends the broker. */
	assert_int_equal(send(sv[0], "x", 1, 0), 1);
	touch("event4");
	assert_int_equal(next_device(sv[0], name, sizeof(name)), inode_of("event4"));
	close(sv[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void broker_without_its_directory_fails(void **state)
{
	int sv[2];
	char missing[96];
	(void)state;
	snprintf(missing, sizeof(missing), "%s/none", dir);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	capture_begin();
	int rc = input_broker_run(sv[1], missing, false);
	const char *said = capture_end();
	assert_int_equal(rc, -ENOENT);
	assert_non_null(strstr(said, "cannot watch"));
	close(sv[0]);
	close(sv[1]);
}

static size_t open_fds(void)
{
	size_t n = 0;
	DIR *d = opendir("/proc/self/fd");
	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static void sends(int sock, const char *name, size_t len, const int *fds, size_t nfds)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(3 * sizeof(int))];
	} ctl;
	struct iovec iov = { (void *)name, len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (nfds) {
		m.msg_control = ctl.buf;
		m.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
	}
	assert_true(sendmsg(sock, &m, 0) >= 0);
}

static void no_key(void *ctx, uint32_t code, uint32_t value, uint64_t time_us)
{
	(void)ctx;
	(void)code;
	(void)value;
	(void)time_us;
	fail();
}

static void no_motion(void *ctx, int32_t dx, int32_t dy)
{
	(void)ctx;
	(void)dx;
	(void)dy;
	fail();
}

/* What poll says of the input's fds, handed to it. */
static void dispatch(struct input *in)
{
	struct pollfd pfd[1 + INPUT_DEVICES_MAX];
	size_t n = input_pollfds(in, pfd);
	poll(pfd, n, 100);
	input_dispatch(in, pfd, n);
}

static void fed_input_keeps_nothing_it_should_not(void **state)
{
	static const struct input_sink sink = { .key = no_key, .motion = no_motion };
	int sv[2];
	(void)state;
	touch("event0");
	char path[96];
	snprintf(path, sizeof(path), "%s/event0", dir);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	struct input *in = input_open_fed(sv[0], "/dev/input", &sink);
	assert_non_null(in);
	size_t before = open_fds();

	int fds[3];
	for (int i = 0; i < 3; i++)
		fds[i] = open(path, O_RDONLY | O_CLOEXEC);
	capture_begin();
	sends(sv[1], "event0", 6, NULL, 0);		/* no fd */
	sends(sv[1], "../../etc/x", 11, fds, 1);	/* not a device's name */
	sends(sv[1], "event0", 6, fds, 3);		/* three fds */
	sends(sv[1], "event01234567890123", 19, fds, 1);	/* longer than a name */
	sends(sv[1], "event0", 6, fds, 1);		/* a file, not a device */
	for (int i = 0; i < 3; i++)
		close(fds[i]);
	for (int i = 0; i < 5; i++)
		dispatch(in);
	const char *said = capture_end();
	assert_non_null(strstr(said, "malformed message (6 bytes, no fd)"));
	assert_non_null(strstr(said, "not an event device's name"));
	assert_non_null(strstr(said, "more than one fd"));
	/* Every fd that came is closed again, and none was kept. */
	assert_int_equal(open_fds(), before);
	assert_int_equal(input_count(in), 0);

	/* The broker gone: said once, and its socket out of the poll. */
	close(sv[1]);
	capture_begin();
	dispatch(in);
	dispatch(in);
	said = capture_end();
	assert_non_null(strstr(said, "the input broker is gone"));
	assert_null(strstr(strstr(said, "is gone") + 1, "is gone"));
	struct pollfd pfd[1 + INPUT_DEVICES_MAX];
	assert_int_equal(input_pollfds(in, pfd), 1);
	assert_int_equal(pfd[0].fd, -1);
	input_close(in);
}

static void device_names(void **state)
{
	(void)state;
	assert_true(input_device_name("event0"));
	assert_true(input_device_name("event123"));
	assert_false(input_device_name("event"));
	assert_false(input_device_name("event1x"));
	assert_false(input_device_name("mouse0"));
	assert_false(input_device_name("xevent1"));
	assert_true(input_device_name("event1234567890"));
	assert_false(input_device_name("event12345678901"));
	assert_false(input_device_name(""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(device_names),
		cmocka_unit_test_setup_teardown(broker_passes_present_and_new_devices, make_dir,
						remove_dir),
		cmocka_unit_test_setup_teardown(broker_without_its_directory_fails, make_dir,
						remove_dir),
		cmocka_unit_test_setup_teardown(fed_input_keeps_nothing_it_should_not, make_dir,
						remove_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
