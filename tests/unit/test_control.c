#include "tests/unit/test_helpers.h"

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "proto/control.h"

static struct control_server srv;
static char sock_path[108];
static char restarted[64];
static int powered;

static void fake_status(void *ctx, struct ctl_status *st)
{
	(void)ctx;
	memset(st, 0, sizeof(*st));
	st->pid = 1;
	st->nservices = 7;
	strcpy(st->version, "test");
}

static size_t fake_services(void *ctx, struct ctl_service_info *out, size_t max)
{
	(void)ctx;
	assert_true(max >= 1);
	memset(out, 0, sizeof(*out));
	strcpy(out[0].name, "only");
	out[0].pid = 77;
	return 1;
}

static int fake_restart(void *ctx, const char *name)
{
	(void)ctx;
	if (strcmp(name, "known") != 0)
		return -ENOENT;
	strcpy(restarted, name);
	return 0;
}

static int fake_power(void *ctx, enum ctl_power action)
{
	(void)ctx;
	powered = (int)action;
	return 0;
}

static int start_server(void **state)
{
	static const struct control_ops ops = { .status = fake_status,
						.services = fake_services,
						.restart = fake_restart, .power = fake_power };
	(void)state;
	snprintf(sock_path, sizeof(sock_path), "/tmp/bulkhead-ctl-%d/sub/control", getpid());
	restarted[0] = '\0';
	powered = 0;
	return control_listen(&srv, sock_path, &ops);
}

static size_t fake_domains(void *ctx, struct ctl_domain_info *out, size_t max)
{
	(void)ctx;
	assert_true(max >= 2);
	memset(out, 0, 2 * sizeof(*out));
	strcpy(out[0].name, "sys-net");
	out[0].domid = 3;
	strcpy(out[1].name, "work");
	out[1].domid = CTL_NO_DOMID;
	return 2;
}

/* The last request that waits taken: its waiter; what the op's own answer returned. */
static struct control_waiter waiter;
static bool answered_inside;

/* START_WAIT: "ghost" refused, "up" answered from inside (it runs), the
 * others to be answered. */
static int fake_domain_op(void *ctx, enum ctl_domain_op op, const char *name,
			  struct control_waiter w, char *msg, size_t cap)
{
	(void)ctx;
	if (op == CTL_DOMAIN_STOP && strcmp(name, "sys-net") == 0) {
		snprintf(msg, cap, "sys-net is the netvm of work: stop work first");
		return -EBUSY;
	}
	if (op == CTL_DOMAIN_START_WAIT && strcmp(name, "ghost") == 0) {
		snprintf(msg, cap, "no domain ghost is configured");
		return -ENOENT;
	}
	strcpy(restarted, name);
	powered = (int)op;
	waiter = w;
	if (op == CTL_DOMAIN_START_WAIT && strcmp(name, "up") == 0)
		answered_inside = control_answer_ok(&srv, w);
	return 0;
}

/* The last run-disposable request taken: its template, command. */
static char run_template[DOMAIN_NAME_MAX + 1], run_command[DISPOSABLE_COMMAND_MAX + 1];

static int fake_run_disposable(void *ctx, const char *template_name, const char *command,
			       struct control_waiter w, char *msg, size_t cap)
{
	(void)ctx;
	if (strcmp(template_name, "ghost") == 0) {
		snprintf(msg, cap, "no domain ghost is configured");
		return -ENOENT;
	}
	waiter = w;
	strcpy(run_template, template_name);
	strcpy(run_command, command);
	/* A preloaded disposable that is up, asked for no command: the
	 * manager answers before the op returns. */
	if (strcmp(template_name, "ready") == 0) {
		struct ctl_disposable disp = { .name = "disp3", .answer_ms = 2 };
		answered_inside = control_answer_disposable(&srv, w, &disp);
	}
	return 0;
}

/* The last call taken: its request. */
static struct rpc_request called;

static int fake_call(void *ctx, const struct rpc_request *req, struct control_waiter w,
		     char *msg, size_t cap)
{
	(void)ctx;
	if (strcmp(req->target, "ghost") == 0) {
		snprintf(msg, cap, "no domain is called ghost");
		return -ENOENT;
	}
	waiter = w;
	called = *req;
	return 0;
}

/* The last block attach or detach taken. */
static struct ctl_request block_req;

static int fake_block_change(void *ctx, const struct ctl_request *req, struct control_waiter w,
			     char *msg, size_t cap)
{
	(void)ctx;
	if (strcmp(req->name, "ghost") == 0) {
		snprintf(msg, cap, "ghost is no domain");
		return -ENOENT;
	}
	waiter = w;
	block_req = *req;
	return 0;
}

static void fake_reload(void *ctx, struct ctl_reload *rel)
{
	(void)ctx;
	rel->problems = 1;
	snprintf(rel->text, sizeof(rel->text), "bulkhead: config: a.cfg:3: wrong\n");
}

/* The domain manager's socket: domains only. */
/* The USB domains' devices: as many as the reply may carry. */
static size_t fake_usb(void *ctx, struct ctl_usb *out, size_t max)
{
	(void)ctx;
	assert_int_equal(max, CTL_USB_MAX);
	for (size_t i = 0; i < max; i++) {
		char busid[16], value[USB_VALUE_MAX + 1];
		snprintf(out[i].domain, sizeof(out[i].domain), "sys-usb%zu", i / USB_DEVICES_PER_DOMAIN);
		snprintf(busid, sizeof(busid), "1-%zu", i % USB_DEVICES_PER_DOMAIN + 1);
		snprintf(value, sizeof(value), "0627:%04zx 03 device %zu", i, i);
		assert_null(usb_device_parse(busid, strlen(busid), value, strlen(value), &out[i].dev));
	}
	return max;
}

static int start_domain_server(void **state)
{
	static const struct control_ops ops = { .domains = fake_domains,
						.domain_op = fake_domain_op,
						.run_disposable = fake_run_disposable,
						.reload = fake_reload, .call = fake_call,
						.usb = fake_usb,
						.block_change = fake_block_change };
	(void)state;
	snprintf(sock_path, sizeof(sock_path), "/tmp/bulkhead-ctl-%d/domains", getpid());
	restarted[0] = '\0';
	powered = 0;
	return control_listen(&srv, sock_path, &ops);
}

static int stop_server(void **state)
{
	char cmd[160];
	(void)state;
	control_close(&srv);
	snprintf(cmd, sizeof(cmd), "rm -rf /tmp/bulkhead-ctl-%d", getpid());
	return system(cmd) == 0 ? 0 : -1;
}

static int client(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	strcpy(addr.sun_path, sock_path);
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	return fd;
}

/* Lets the server handle whatever is pending, as PID 1's loop would. */
static void serve(void)
{
	for (int round = 0; round < 4; round++) {
		struct pollfd pfd[1 + CTL_CLIENTS_MAX];
		size_t n = control_pollfds(&srv, pfd);
		if (poll(pfd, n, 20) <= 0)
			return;
		control_dispatch(&srv, pfd, n);
	}
}

/* Sends LEN bytes, serves, and returns the reply's type (or -1: closed). */
static int ask(int fd, const uint8_t *msg, size_t len, uint8_t *reply, size_t *rlen)
{
	assert_int_equal(send(fd, msg, len, MSG_NOSIGNAL), (ssize_t)len);
	serve();
	ssize_t n = recv(fd, reply, CTL_MSG_MAX, MSG_DONTWAIT);
	if (n <= 0)
		return -1;
	*rlen = (size_t)n;
	enum ctl_type type;
	const uint8_t *payload;
	size_t plen;
	const char *why;
	assert_int_equal(ctl_decode_header(reply, (size_t)n, &type, &payload, &plen, &why), 0);
	return (int)type;
}

static int get_type(const uint8_t *reply)
{
	return reply[6] | reply[7] << 8;
}

static int error_code(const uint8_t *reply, size_t len)
{
	int code;
	char msg[CTL_ERROR_TEXT_MAX + 1];
	const char *why;
	assert_int_equal(ctl_decode_error(reply + CTL_HEADER_SIZE, len - CTL_HEADER_SIZE, &code,
					  msg, sizeof(msg), &why), 0);
	return code;
}

static bool closed_by_server(int fd)
{
	uint8_t b[16];
	serve();
	return recv(fd, b, sizeof(b), MSG_DONTWAIT) == 0;
}

static void socket_is_private(void **state)
{
	struct stat st;
	(void)state;
	assert_int_equal(stat(sock_path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
}

static void requests_are_answered(void **state)
{
	static uint8_t msg[64], reply[CTL_MSG_MAX];
	struct ctl_request req = { .type = CTL_REQ_STATUS };
	size_t rlen;
	(void)state;
	int fd = client();
	assert_int_equal(ask(fd, msg, ctl_encode_request(&req, msg, sizeof(msg)), reply, &rlen),
			 CTL_REP_STATUS);
	req.type = CTL_REQ_SERVICES;
	assert_int_equal(ask(fd, msg, ctl_encode_request(&req, msg, sizeof(msg)), reply, &rlen),
			 CTL_REP_SERVICES);
	req = (struct ctl_request){ .type = CTL_REQ_RESTART, .name = "known" };
	assert_int_equal(ask(fd, msg, ctl_encode_request(&req, msg, sizeof(msg)), reply, &rlen),
			 CTL_REP_OK);
	assert_string_equal(restarted, "known");
	req = (struct ctl_request){ .type = CTL_REQ_RESTART, .name = "ghost" };
	assert_int_equal(ask(fd, msg, ctl_encode_request(&req, msg, sizeof(msg)), reply, &rlen),
			 CTL_REP_ERROR);
	assert_int_equal(error_code(reply, rlen), ENOENT);
	req = (struct ctl_request){ .type = CTL_REQ_POWER, .power = CTL_POWER_REBOOT };
	assert_int_equal(ask(fd, msg, ctl_encode_request(&req, msg, sizeof(msg)), reply, &rlen),
			 CTL_REP_OK);
	assert_int_equal(powered, CTL_POWER_REBOOT);
	close(fd);
}

static int error_text(const uint8_t *reply, size_t len, char *msg)
{
	int code;
	const char *why;
	assert_int_equal(ctl_decode_error(reply + CTL_HEADER_SIZE, len - CTL_HEADER_SIZE, &code,
					  msg, CTL_ERROR_TEXT_MAX + 1, &why), 0);
	return code;
}

static void each_socket_serves_its_own_requests(void **state)
{
	static uint8_t msg[64], reply[CTL_MSG_MAX];
	char text[CTL_ERROR_TEXT_MAX + 1];
	struct ctl_request req = { .type = CTL_REQ_DOMAINS };
	size_t rlen;
	(void)state;
	int fd = client();
	assert_int_equal(ask(fd, msg, ctl_encode_request(&req, msg, sizeof(msg)), reply, &rlen),
			 CTL_REP_ERROR);
	assert_int_equal(error_text(reply, rlen, text), EOPNOTSUPP);
	assert_string_equal(text, "this is PID 1's socket: it serves services and power only");
	/* A reload and the USB devices are the domain manager's too. */
	req.type = CTL_REQ_RELOAD;
	assert_int_equal(ask(fd, msg, ctl_encode_request(&req, msg, sizeof(msg)), reply, &rlen),
			 CTL_REP_ERROR);
	assert_int_equal(error_text(reply, rlen, text), EOPNOTSUPP);
	req.type = CTL_REQ_USB;
	assert_int_equal(ask(fd, msg, ctl_encode_request(&req, msg, sizeof(msg)), reply, &rlen),
			 CTL_REP_ERROR);
	assert_int_equal(error_text(reply, rlen, text), EOPNOTSUPP);
	close(fd);
}

/* USB is answered with every device the op gives, the most there may be
 * in one reply; PID 1's socket does not serve it. */
static void usb_is_answered(void **state)
{
	static uint8_t msg[64], reply[CTL_MSG_MAX];
	static struct ctl_usb got[CTL_USB_MAX];
	struct ctl_request req = { .type = CTL_REQ_USB };
	size_t rlen, n;
	const char *why;
	(void)state;
	int fd = client();
	assert_int_equal(ask(fd, msg, ctl_encode_request(&req, msg, sizeof(msg)), reply, &rlen),
			 CTL_REP_USB);
	assert_int_equal(ctl_decode_usb(reply + CTL_HEADER_SIZE, rlen - CTL_HEADER_SIZE, got,
					CTL_USB_MAX, &n, &why), 0);
	assert_int_equal(n, CTL_USB_MAX);
	assert_string_equal(got[CTL_USB_MAX - 1].domain, "sys-usb7");
	assert_string_equal(got[CTL_USB_MAX - 1].dev.busid, "1-32");
	assert_string_equal(got[CTL_USB_MAX - 1].dev.name, "device 255");
	close(fd);
}

/* RELOAD is answered with what the op said, problems and text. */
static void reload_is_answered(void **state)
{
	static uint8_t msg[64], reply[CTL_MSG_MAX];
	static struct ctl_reload got;
	struct ctl_request req = { .type = CTL_REQ_RELOAD };
	size_t rlen;
	const char *why;
	(void)state;
	int fd = client();
	assert_int_equal(ask(fd, msg, ctl_encode_request(&req, msg, sizeof(msg)), reply, &rlen),
			 CTL_REP_RELOAD);
	assert_int_equal(ctl_decode_reload(reply + CTL_HEADER_SIZE, rlen - CTL_HEADER_SIZE, &got,
					   &why), 0);
	assert_int_equal(got.problems, 1);
	assert_string_equal(got.text, "bulkhead: config: a.cfg:3: wrong\n");
	close(fd);
}

static void domain_requests_are_answered(void **state)
{
	static uint8_t msg[64], reply[CTL_MSG_MAX];
	static struct ctl_domain_info doms[DOMAINS_MAX];
	char text[CTL_ERROR_TEXT_MAX + 1];
	struct ctl_request req = { .type = CTL_REQ_DOMAINS };
	size_t rlen, n;
	const char *why;
	(void)state;
	int fd = client();
	assert_int_equal(ask(fd, msg, ctl_encode_request(&req, msg, sizeof(msg)), reply, &rlen),
			 CTL_REP_DOMAINS);
	assert_int_equal(ctl_decode_domains(reply + CTL_HEADER_SIZE, rlen - CTL_HEADER_SIZE, doms,
					    DOMAINS_MAX, &n, &why), 0);
	assert_int_equal(n, 2);
	assert_string_equal(doms[0].name, "sys-net");
	assert_int_equal(doms[1].domid, CTL_NO_DOMID);

	/* The compositor keeps one connection and asks every second. */
	for (int i = 0; i < 300; i++)
		assert_int_equal(ask(fd, msg, ctl_encode_request(&req, msg, sizeof(msg)), reply,
				     &rlen), CTL_REP_DOMAINS);

	req = (struct ctl_request){ .type = CTL_REQ_DOMAIN, .op = CTL_DOMAIN_KILL, .name = "work" };
	assert_int_equal(ask(fd, msg, ctl_encode_request(&req, msg, sizeof(msg)), reply, &rlen),
			 CTL_REP_OK);
	assert_string_equal(restarted, "work");
	assert_int_equal(powered, CTL_DOMAIN_KILL);

	/* The manager's own words reach the user. */
	req = (struct ctl_request){ .type = CTL_REQ_DOMAIN, .op = CTL_DOMAIN_STOP,
				    .name = "sys-net" };
	assert_int_equal(ask(fd, msg, ctl_encode_request(&req, msg, sizeof(msg)), reply, &rlen),
			 CTL_REP_ERROR);
	assert_int_equal(error_text(reply, rlen, text), EBUSY);
	assert_string_equal(text, "sys-net is the netvm of work: stop work first");

	req = (struct ctl_request){ .type = CTL_REQ_STATUS };
	assert_int_equal(ask(fd, msg, ctl_encode_request(&req, msg, sizeof(msg)), reply, &rlen),
			 CTL_REP_ERROR);
	assert_int_equal(error_text(reply, rlen, text), EOPNOTSUPP);
	assert_string_equal(text, "this is the domain manager's socket: it serves domains only");
	close(fd);
}

/* The compositor's uid (not root) may list the domains and the calls'
 * questions and answer them, and nothing else; another uid may not even
 * list. */
#define LISTER 900
static char answered[64];

static size_t fake_asks(void *ctx, struct ctl_ask *out, size_t max)
{
	(void)ctx;
	assert_true(max >= 1);
	out[0] = (struct ctl_ask){ .id = 9, .source = "work", .service = "s", .nchoices = 1,
				   .choices = { "vault" } };
	return 1;
}

static int fake_answer(void *ctx, uint32_t id, const char *choice, char *msg, size_t cap)
{
	(void)ctx;
	if (strcmp(choice, "vault") != 0 && choice[0]) {
		snprintf(msg, cap, "%s is not one of the choices", choice);
		return -EINVAL;
	}
	snprintf(answered, sizeof(answered), "%u %s", id, choice);
	return 0;
}

static int start_lister_server(void **state)
{
	static const struct control_ops ops = { .domains = fake_domains,
						.domain_op = fake_domain_op,
						.asks = fake_asks, .answer = fake_answer,
						.run_disposable = fake_run_disposable,
						.lister_uid = LISTER, .lister_gid = LISTER,
						.lister_requests = CTL_BIT(CTL_REQ_DOMAINS) |
							CTL_BIT(CTL_REQ_DOMAIN) |
							CTL_BIT(CTL_REQ_ASKS) |
							CTL_BIT(CTL_REQ_ANSWER) |
							CTL_BIT(CTL_REQ_RUN_DISPOSABLE),
						.lister_domain_ops = CTL_BIT(CTL_DOMAIN_START) |
							CTL_BIT(CTL_DOMAIN_KILL) };
	(void)state;
	snprintf(sock_path, sizeof(sock_path), "/tmp/bulkhead-ctl-%d/domains", getpid());
	restarted[0] = '\0';
	return control_listen(&srv, sock_path, &ops);
}

/* A connection made as UID and GID (effective: what SO_PEERCRED says). */
static int client_as(uid_t uid, gid_t gid)
{
	assert_int_equal(setresgid((gid_t)-1, gid, (gid_t)-1), 0);
	assert_int_equal(setresuid((uid_t)-1, uid, (uid_t)-1), 0);
	int fd = client();
	assert_int_equal(setresuid((uid_t)-1, 0, (uid_t)-1), 0);
	assert_int_equal(setresgid((gid_t)-1, 0, (gid_t)-1), 0);
	return fd;
}

static size_t call_request(const char *target, const char *service, uint8_t *msg, size_t cap)
{
	struct ctl_request req = { .type = CTL_REQ_CALL };
	strcpy(req.call.target, target);
	strcpy(req.call.service, service);
	return ctl_encode_request(&req, msg, cap);
}

/* The lister's domain OP on work: refused, its connection closed, and
 * nothing done. */
static void lister_refused_op(enum ctl_domain_op op)
{
	static uint8_t msg[64], reply[CTL_MSG_MAX];
	size_t rlen;
	int fd = client_as(LISTER, LISTER);
	struct ctl_request req = { .type = CTL_REQ_DOMAIN, .op = op, .name = "work" };
	assert_int_equal(ask(fd, msg, ctl_encode_request(&req, msg, sizeof(msg)), reply, &rlen),
			 CTL_REP_ERROR);
	assert_int_equal(error_code(reply, rlen), EACCES);
	assert_string_equal(restarted, "");
	assert_true(closed_by_server(fd));
	close(fd);
}

static void lister_may_only_list(void **state)
{
	static uint8_t msg[64], reply[CTL_MSG_MAX];
	struct ctl_request req = { .type = CTL_REQ_DOMAINS };
	struct stat st;
	size_t rlen;
	(void)state;
	if (geteuid() != 0)
		skip();
	assert_int_equal(stat(sock_path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0660);
	assert_int_equal(st.st_uid, 0);
	assert_int_equal(st.st_gid, LISTER);

	int fd = client_as(LISTER, LISTER);
	for (int i = 0; i < 3; i++)
		assert_int_equal(ask(fd, msg, ctl_encode_request(&req, msg, sizeof(msg)), reply,
				     &rlen), CTL_REP_DOMAINS);
	req = (struct ctl_request){ .type = CTL_REQ_ASKS };
	assert_int_equal(ask(fd, msg, ctl_encode_request(&req, msg, sizeof(msg)), reply, &rlen),
			 CTL_REP_ASKS);
	req = (struct ctl_request){ .type = CTL_REQ_ANSWER, .ask_id = 9, .choice = "nosuch" };
	assert_int_equal(ask(fd, msg, ctl_encode_request(&req, msg, sizeof(msg)), reply, &rlen),
			 CTL_REP_ERROR);
	assert_int_equal(error_code(reply, rlen), EINVAL);
	req = (struct ctl_request){ .type = CTL_REQ_ANSWER, .ask_id = 9, .choice = "vault" };
	assert_int_equal(ask(fd, msg, ctl_encode_request(&req, msg, sizeof(msg)), reply, &rlen),
			 CTL_REP_OK);
	assert_string_equal(answered, "9 vault");
	/* The launcher's "@dispvm foot": a disposable asked for, answered. */
	static uint8_t big[CTL_MSG_MAX];
	req = (struct ctl_request){ .type = CTL_REQ_RUN_DISPOSABLE, .name = "ready",
				    .command = "foot" };
	assert_int_equal(ask(fd, big, ctl_encode_request(&req, big, sizeof(big)), reply, &rlen),
			 CTL_REP_DISPOSABLE);
	assert_string_equal(run_command, "foot");
	/* The launcher's "work foot" for a stopped work: started. */
	req = (struct ctl_request){ .type = CTL_REQ_DOMAIN, .op = CTL_DOMAIN_START, .name = "work" };
	assert_int_equal(ask(fd, msg, ctl_encode_request(&req, msg, sizeof(msg)), reply, &rlen),
			 CTL_REP_OK);
	assert_string_equal(restarted, "work");
	assert_int_equal(powered, CTL_DOMAIN_START);
	restarted[0] = '\0';
	/* The menu's kill: an op the ops allow. */
	req = (struct ctl_request){ .type = CTL_REQ_DOMAIN, .op = CTL_DOMAIN_KILL, .name = "work" };
	assert_int_equal(ask(fd, msg, ctl_encode_request(&req, msg, sizeof(msg)), reply, &rlen),
			 CTL_REP_OK);
	assert_int_equal(powered, CTL_DOMAIN_KILL);
	restarted[0] = '\0';
	/* One they do not (pausing), nor a request they do not name. */
	req = (struct ctl_request){ .type = CTL_REQ_POWER, .power = CTL_POWER_POWEROFF };
	assert_int_equal(ask(fd, msg, ctl_encode_request(&req, msg, sizeof(msg)), reply, &rlen),
			 CTL_REP_ERROR);
	assert_int_equal(error_code(reply, rlen), EACCES);
	assert_true(closed_by_server(fd));
	close(fd);
	lister_refused_op(CTL_DOMAIN_PAUSE);
	/* Nor a start that waits: the desktop shows the state itself. */
	lister_refused_op(CTL_DOMAIN_START_WAIT);

	/* The lister makes no call: that is root's. */
	fd = client_as(LISTER, LISTER);
	assert_int_equal(ask(fd, msg, call_request("work", "test.Upper", msg, sizeof(msg)), reply,
			     &rlen), CTL_REP_ERROR);
	assert_int_equal(error_code(reply, rlen), EACCES);
	close(fd);

	/* Another uid in the socket's group: refused before anything. */
	fd = client_as(LISTER + 1, LISTER);
	req = (struct ctl_request){ .type = CTL_REQ_DOMAINS };
	assert_int_equal(ask(fd, msg, ctl_encode_request(&req, msg, sizeof(msg)), reply, &rlen),
			 CTL_REP_ERROR);
	assert_int_equal(error_code(reply, rlen), EACCES);
	close(fd);

	/* Root still may do everything. */
	fd = client();
	req = (struct ctl_request){ .type = CTL_REQ_DOMAIN, .op = CTL_DOMAIN_KILL, .name = "work" };
	assert_int_equal(ask(fd, msg, ctl_encode_request(&req, msg, sizeof(msg)), reply, &rlen),
			 CTL_REP_OK);
	assert_string_equal(restarted, "work");
	close(fd);
}

static void malformed_request_gets_an_error_and_is_dropped(void **state)
{
	static uint8_t reply[CTL_MSG_MAX];
	const uint8_t garbage[] = { 0xde, 0xad, 0xbe, 0xef, 1, 0, 1, 0, 9 };
	size_t rlen;
	(void)state;
	capture_begin();
	int fd = client();
	int type = ask(fd, garbage, sizeof(garbage), reply, &rlen);
	const char *log = capture_end();
	assert_int_equal(type, CTL_REP_ERROR);
	assert_int_equal(error_code(reply, rlen), EINVAL);
	assert_true(closed_by_server(fd));
	assert_contains(log, "malformed control request (9 bytes): length field does not match");
	close(fd);

	/* The server goes on for the next client. */
	uint8_t msg[16];
	struct ctl_request req = { .type = CTL_REQ_STATUS };
	fd = client();
	assert_int_equal(ask(fd, msg, ctl_encode_request(&req, msg, sizeof(msg)), reply, &rlen),
			 CTL_REP_STATUS);
	close(fd);
}

static void oversized_request_is_refused(void **state)
{
	static uint8_t big[CTL_MSG_MAX + 4096], reply[CTL_MSG_MAX];
	size_t rlen;
	(void)state;
	memset(big, 'x', sizeof(big));
	capture_begin();
	int fd = client();
	int type = ask(fd, big, sizeof(big), reply, &rlen);
	const char *log = capture_end();
	assert_int_equal(type, CTL_REP_ERROR);
	assert_true(closed_by_server(fd));
	assert_contains(log, "message larger than the limit");
	close(fd);
}

static void empty_packet_and_hangup_are_harmless(void **state)
{
	(void)state;
	int fd = client();
	assert_int_equal(send(fd, "", 0, MSG_NOSIGNAL), 0);
	serve();
	close(fd);
	fd = client();
	close(fd);
	serve();
	for (size_t i = 0; i < CTL_CLIENTS_MAX; i++)
		assert_int_equal(srv.clients[i].fd, -1);
}

static void client_flood_is_bounded(void **state)
{
	int fds[CTL_CLIENTS_MAX + 1];
	uint8_t reply[CTL_MSG_MAX];
	(void)state;
	for (size_t i = 0; i < CTL_CLIENTS_MAX + 1; i++) {
		fds[i] = client();
		serve();
	}
	ssize_t n = recv(fds[CTL_CLIENTS_MAX], reply, sizeof(reply), MSG_DONTWAIT);
	assert_true(n > CTL_HEADER_SIZE);
	assert_int_equal(error_code(reply, (size_t)n), EBUSY);
	for (size_t i = 0; i < CTL_CLIENTS_MAX + 1; i++)
		close(fds[i]);
	serve();
}

static size_t run_request(const char *template_name, const char *command, uint8_t *msg,
			  size_t cap)
{
	struct ctl_request req = { .type = CTL_REQ_RUN_DISPOSABLE };
	strcpy(req.name, template_name);
	strcpy(req.command, command);
	return ctl_encode_request(&req, msg, cap);
}

/* RUN_DISPOSABLE is answered when the manager says, to the one who asked;
 * an answer for a client that left goes nowhere. */
static void run_disposable_is_answered_late(void **state)
{
	static uint8_t msg[CTL_HEADER_SIZE + 1 + DOMAIN_NAME_MAX + DISPOSABLE_COMMAND_MAX];
	static uint8_t reply[CTL_MSG_MAX];
	struct ctl_disposable disp = { .name = "disp7", .answer_ms = 1234 }, got;
	size_t rlen;
	const char *why;
	char text[CTL_ERROR_TEXT_MAX + 1];
	(void)state;
	int fd = client();
	assert_int_equal(ask(fd, msg, run_request("dvm", "echo hi > /tmp/x", msg, sizeof(msg)),
			     reply, &rlen), -1);	/* nothing yet */
	assert_string_equal(run_template, "dvm");
	assert_string_equal(run_command, "echo hi > /tmp/x");
	assert_true(control_answer_disposable(&srv, waiter, &disp));
	ssize_t n = recv(fd, reply, sizeof(reply), MSG_DONTWAIT);
	assert_true(n > CTL_HEADER_SIZE);
	assert_int_equal(get_type(reply), CTL_REP_DISPOSABLE);
	assert_int_equal(ctl_decode_disposable(reply + CTL_HEADER_SIZE, (size_t)n - CTL_HEADER_SIZE,
					       &got, &why), 0);
	assert_string_equal(got.name, "disp7");
	assert_int_equal(got.answer_ms, 1234);
	/* Answered once: the same waiter again goes nowhere. */
	assert_false(control_answer_disposable(&srv, waiter, &disp));

	/* The client may ask again once answered; a refusal comes at once. */
	assert_int_equal(ask(fd, msg, run_request("ghost", "", msg, sizeof(msg)), reply, &rlen),
			 CTL_REP_ERROR);
	assert_int_equal(error_text(reply, rlen, text), ENOENT);
	assert_string_equal(text, "no domain ghost is configured");

	/* A client that leaves while waiting: its answer goes nowhere, and
	 * its slot is not someone else's answer. */
	assert_int_equal(ask(fd, msg, run_request("", "", msg, sizeof(msg)), reply, &rlen), -1);
	assert_string_equal(run_template, "");
	struct control_waiter gone = waiter;
	close(fd);
	serve();
	fd = client();
	serve();
	assert_false(control_answer_error(&srv, gone, EIO, "it died"));
	assert_int_equal(recv(fd, reply, sizeof(reply), MSG_DONTWAIT), -1);
	close(fd);
}

/* BLOCK_ATTACH and BLOCK_DETACH are answered once libxl is done: the
 * client waits (its connection kept), then gets OK or the error. */
static void block_changes_are_answered_late(void **state)
{
	static uint8_t msg[CTL_HEADER_SIZE + 128], reply[CTL_MSG_MAX];
	struct ctl_request req = { .type = CTL_REQ_BLOCK_ATTACH, .name = "sys-storage",
				   .device = "loop0", .target = "beta", .read_only = true };
	size_t rlen;
	char text[CTL_ERROR_TEXT_MAX + 1];
	(void)state;
	int fd = client();
	assert_int_equal(ask(fd, msg, ctl_encode_request(&req, msg, sizeof(msg)), reply, &rlen),
			 -1);	/* nothing yet, and not dropped */
	assert_string_equal(block_req.target, "beta");
	assert_true(block_req.read_only);
	assert_true(control_answer_ok(&srv, waiter));
	ssize_t n = recv(fd, reply, sizeof(reply), MSG_DONTWAIT);
	assert_int_equal(n, CTL_HEADER_SIZE);
	assert_int_equal(get_type(reply), CTL_REP_OK);
	assert_false(control_answer_ok(&srv, waiter));	/* once */

	req.type = CTL_REQ_BLOCK_DETACH;
	assert_int_equal(ask(fd, msg, ctl_encode_request(&req, msg, sizeof(msg)), reply, &rlen),
			 -1);
	assert_int_equal(block_req.type, CTL_REQ_BLOCK_DETACH);
	assert_true(control_answer_error(&srv, waiter, EIO, "libxl error -3"));
	n = recv(fd, reply, sizeof(reply), MSG_DONTWAIT);
	assert_true(n > CTL_HEADER_SIZE);
	assert_int_equal(error_text(reply, (size_t)n, text), EIO);
	assert_string_equal(text, "libxl error -3");
	/* A refusal comes at once. */
	strcpy(req.name, "ghost");
	assert_int_equal(ask(fd, msg, ctl_encode_request(&req, msg, sizeof(msg)), reply, &rlen),
			 CTL_REP_ERROR);
	assert_int_equal(error_text(reply, rlen, text), ENOENT);
	assert_string_equal(text, "ghost is no domain");
	close(fd);
}

static size_t domain_request(enum ctl_domain_op op, const char *name, uint8_t *msg, size_t cap)
{
	struct ctl_request req = { .type = CTL_REQ_DOMAIN, .op = op };
	strcpy(req.name, name);
	return ctl_encode_request(&req, msg, cap);
}

/* DOMAIN's START_WAIT is answered when the manager says (OK: it runs, or
 * ERROR: why not), at once when it runs already or is refused; the other
 * ops at once, their waiter never answered. */
static void start_wait_is_answered_late(void **state)
{
	static uint8_t msg[64], reply[CTL_MSG_MAX];
	char text[CTL_ERROR_TEXT_MAX + 1];
	size_t rlen;
	(void)state;
	int fd = client();
	assert_int_equal(ask(fd, msg, domain_request(CTL_DOMAIN_START_WAIT, "work", msg,
						     sizeof(msg)), reply, &rlen), -1);
	assert_string_equal(restarted, "work");
	assert_int_equal(powered, CTL_DOMAIN_START_WAIT);
	assert_true(control_present(&srv, waiter));
	assert_true(control_answer_ok(&srv, waiter));
	ssize_t n = recv(fd, reply, sizeof(reply), MSG_DONTWAIT);
	assert_int_equal(n, CTL_HEADER_SIZE);
	assert_int_equal(get_type(reply), CTL_REP_OK);
	assert_false(control_answer_ok(&srv, waiter));	/* once */

	assert_int_equal(ask(fd, msg, domain_request(CTL_DOMAIN_START_WAIT, "work", msg,
						     sizeof(msg)), reply, &rlen), -1);
	assert_true(control_answer_error(&srv, waiter, EIO, "work did not start: libxl error -3"));
	n = recv(fd, reply, sizeof(reply), MSG_DONTWAIT);
	assert_true(n > CTL_HEADER_SIZE);
	assert_int_equal(error_text(reply, (size_t)n, text), EIO);
	assert_string_equal(text, "work did not start: libxl error -3");

	/* A refusal, and a domain that runs: answered at once, not left waiting. */
	assert_int_equal(ask(fd, msg, domain_request(CTL_DOMAIN_START_WAIT, "ghost", msg,
						     sizeof(msg)), reply, &rlen), CTL_REP_ERROR);
	assert_int_equal(error_text(reply, rlen, text), ENOENT);
	assert_string_equal(text, "no domain ghost is configured");
	answered_inside = false;
	assert_int_equal(ask(fd, msg, domain_request(CTL_DOMAIN_START_WAIT, "up", msg,
						     sizeof(msg)), reply, &rlen), CTL_REP_OK);
	assert_true(answered_inside);
	assert_int_equal(recv(fd, reply, sizeof(reply), MSG_DONTWAIT), -1);

	/* A plain START is answered now; its op gets no waiter. */
	assert_int_equal(ask(fd, msg, domain_request(CTL_DOMAIN_START, "work", msg, sizeof(msg)),
			     reply, &rlen), CTL_REP_OK);
	assert_int_equal(powered, CTL_DOMAIN_START);
	assert_int_equal(waiter.serial, 0);
	assert_false(control_answer_error(&srv, waiter, EIO, "late"));
	assert_int_equal(recv(fd, reply, sizeof(reply), MSG_DONTWAIT), -1);

	/* A waiter that leaves: its answer goes nowhere. */
	assert_int_equal(ask(fd, msg, domain_request(CTL_DOMAIN_START_WAIT, "work", msg,
						     sizeof(msg)), reply, &rlen), -1);
	struct control_waiter gone = waiter;
	close(fd);
	serve();
	assert_false(control_present(&srv, gone));
	assert_false(control_answer_ok(&srv, gone));
	assert_false(control_present(&srv, CONTROL_NO_WAITER));
}

/* The answer may be there before the op returns (a preloaded disposable,
 * no command): the client gets it at once, once, and may ask again. */
static void run_disposable_answered_inside_the_op(void **state)
{
	static uint8_t msg[CTL_HEADER_SIZE + 1 + DOMAIN_NAME_MAX + DISPOSABLE_COMMAND_MAX];
	static uint8_t reply[CTL_MSG_MAX];
	struct ctl_disposable got;
	struct ctl_request req = { .type = CTL_REQ_DOMAINS };
	size_t rlen;
	const char *why;
	(void)state;
	answered_inside = false;
	int fd = client();
	assert_int_equal(ask(fd, msg, run_request("ready", "", msg, sizeof(msg)), reply, &rlen),
			 CTL_REP_DISPOSABLE);
	assert_true(answered_inside);
	assert_int_equal(ctl_decode_disposable(reply + CTL_HEADER_SIZE, rlen - CTL_HEADER_SIZE,
					       &got, &why), 0);
	assert_string_equal(got.name, "disp3");
	/* Nothing more comes, and the same waiter is not answered twice. */
	assert_int_equal(recv(fd, reply, sizeof(reply), MSG_DONTWAIT), -1);
	assert_false(control_answer_error(&srv, waiter, EIO, "late"));
	/* Not left waiting: its next request is served, not dropped. */
	assert_int_equal(ask(fd, msg, ctl_encode_request(&req, msg, sizeof(msg)), reply, &rlen),
			 CTL_REP_DOMAINS);
	close(fd);
}

/* While its answer is pending, a client has nothing else to ask. */
static void waiting_client_that_asks_again_is_dropped(void **state)
{
	static uint8_t msg[CTL_HEADER_SIZE + 1 + DOMAIN_NAME_MAX + DISPOSABLE_COMMAND_MAX];
	static uint8_t reply[CTL_MSG_MAX];
	struct ctl_request req = { .type = CTL_REQ_DOMAINS };
	size_t rlen;
	(void)state;
	int fd = client();
	assert_int_equal(ask(fd, msg, run_request("dvm", "", msg, sizeof(msg)), reply, &rlen), -1);
	capture_begin();
	assert_int_equal(ask(fd, msg, ctl_encode_request(&req, msg, sizeof(msg)), reply, &rlen),
			 -1);
	const char *log = capture_end();
	assert_contains(log, "before its last was answered; dropped");
	assert_true(closed_by_server(fd));
	assert_false(control_answer_error(&srv, waiter, EIO, "late"));
	close(fd);
}

/* dom0's CALL: answered when its target serves, the connection then the
 * call (present while it is open, nothing more asked on it, ended by
 * either side); a refusal at once. */
static void call_is_answered_late_and_lasts_with_its_connection(void **state)
{
	static uint8_t msg[CTL_MSG_MAX], reply[CTL_MSG_MAX];
	struct ctl_call in = { .domid = 12, .id = 3, .target = "work" }, got;
	struct ctl_request req = { .type = CTL_REQ_DOMAINS };
	size_t rlen;
	const char *why;
	char text[CTL_ERROR_TEXT_MAX + 1];
	(void)state;
	int fd = client();
	assert_int_equal(ask(fd, msg, call_request("ghost", "test.X", msg, sizeof(msg)), reply,
			     &rlen), CTL_REP_ERROR);
	assert_int_equal(error_text(reply, rlen, text), ENOENT);
	assert_string_equal(text, "no domain is called ghost");

	assert_int_equal(ask(fd, msg, call_request("work", "test.Upper", msg, sizeof(msg)), reply,
			     &rlen), -1);
	assert_string_equal(called.target, "work");
	assert_string_equal(called.service, "test.Upper");
	struct control_waiter w = waiter;
	assert_true(control_present(&srv, w));
	assert_true(control_answer_call(&srv, w, &in));
	ssize_t n = recv(fd, reply, sizeof(reply), MSG_DONTWAIT);
	assert_true(n > CTL_HEADER_SIZE);
	assert_int_equal(get_type(reply), CTL_REP_CALL);
	assert_int_equal(ctl_decode_call(reply + CTL_HEADER_SIZE, (size_t)n - CTL_HEADER_SIZE,
					 &got, &why), 0);
	assert_int_equal(got.domid, 12);
	assert_int_equal(got.id, 3);
	assert_string_equal(got.target, "work");
	assert_false(control_answer_call(&srv, w, &in));	/* once */
	serve();
	assert_true(control_present(&srv, w));

	/* The manager ends it: ERROR, then the connection closed. */
	control_hang_up(&srv, w, EPIPE, "work is gone");
	assert_false(control_present(&srv, w));
	n = recv(fd, reply, sizeof(reply), MSG_DONTWAIT);
	assert_true(n > CTL_HEADER_SIZE);
	assert_int_equal(error_text(reply, (size_t)n, text), EPIPE);
	assert_string_equal(text, "work is gone");
	assert_int_equal(recv(fd, reply, sizeof(reply), MSG_DONTWAIT), 0);
	close(fd);

	/* The caller ends it: its connection closed. */
	fd = client();
	assert_int_equal(ask(fd, msg, call_request("work", "test.Upper", msg, sizeof(msg)), reply,
			     &rlen), -1);
	w = waiter;
	assert_true(control_answer_call(&srv, w, &in));
	close(fd);
	serve();
	assert_false(control_present(&srv, w));
	control_hang_up(&srv, w, EPIPE, "nobody");	/* harmless */

	/* A request on a call's connection drops it: the call is over. */
	fd = client();
	assert_int_equal(ask(fd, msg, call_request("work", "test.Upper", msg, sizeof(msg)), reply,
			     &rlen), -1);
	w = waiter;
	assert_true(control_answer_call(&srv, w, &in));
	assert_true(recv(fd, reply, sizeof(reply), MSG_DONTWAIT) > 0);
	capture_begin();
	assert_int_equal(ask(fd, msg, ctl_encode_request(&req, msg, sizeof(msg)), reply, &rlen),
			 -1);
	assert_contains(capture_end(), "on its call's connection; dropped");
	assert_false(control_present(&srv, w));
	close(fd);

	/* A slot taken again is another connection: the old waiter names nothing. */
	fd = client();
	serve();
	assert_false(control_present(&srv, w));
	close(fd);
	serve();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(socket_is_private, start_server, stop_server),
		cmocka_unit_test_setup_teardown(requests_are_answered, start_server, stop_server),
		cmocka_unit_test_setup_teardown(malformed_request_gets_an_error_and_is_dropped,
						start_server, stop_server),
		cmocka_unit_test_setup_teardown(oversized_request_is_refused, start_server, stop_server),
		cmocka_unit_test_setup_teardown(empty_packet_and_hangup_are_harmless,
						start_server, stop_server),
		cmocka_unit_test_setup_teardown(client_flood_is_bounded, start_server, stop_server),
		cmocka_unit_test_setup_teardown(each_socket_serves_its_own_requests, start_server,
						stop_server),
		cmocka_unit_test_setup_teardown(domain_requests_are_answered, start_domain_server,
						stop_server),
		cmocka_unit_test_setup_teardown(run_disposable_is_answered_late, start_domain_server,
						stop_server),
		cmocka_unit_test_setup_teardown(reload_is_answered, start_domain_server, stop_server),
		cmocka_unit_test_setup_teardown(usb_is_answered, start_domain_server, stop_server),
		cmocka_unit_test_setup_teardown(lister_may_only_list, start_lister_server,
						stop_server),
		cmocka_unit_test_setup_teardown(block_changes_are_answered_late, start_domain_server,
						stop_server),
		cmocka_unit_test_setup_teardown(run_disposable_answered_inside_the_op,
						start_domain_server, stop_server),
		cmocka_unit_test_setup_teardown(call_is_answered_late_and_lasts_with_its_connection,
						start_domain_server, stop_server),
		cmocka_unit_test_setup_teardown(waiting_client_that_asks_again_is_dropped,
						start_domain_server, stop_server),
		cmocka_unit_test_setup_teardown(start_wait_is_answered_late, start_domain_server,
						stop_server),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
