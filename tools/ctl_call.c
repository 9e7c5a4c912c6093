#include "tools/ctl_call.h"

#include <errno.h>
#include <fcntl.h>
#include <libxenvchan.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/bytes.h"
#include "lib/confine.h"
#include "lib/confine_profiles.h"
#include "lib/log_xtl.h"
#include "lib/util.h"
#include "proto/ctlproto.h"
#include "proto/rpc_relay.h"
#include "tools/ctl.h"

#define TAG "bulkhead ctl"
#define REFUSED 126
/* The manager answers once the target serves: a disposable that boots
 * for the call has 180 s, and the manager may build others first. */
#define CALL_TIMEOUT_MS 600000

/* A signal that ends us: the loop stops, our stdio is given back as it
 * was (a terminal left non-blocking ends the shell that reads it next). */
static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

struct call {
	const char *socket;
	struct ctl_request req;		/* CALL */
	bool run, pass_io;
	char command[DISPOSABLE_COMMAND_MAX + 1];	/* run's */
	char what[128];			/* "work test.Upper", for messages */
};

static void usage(void)
{
	fprintf(stderr, "usage: bulkhead ctl [--socket PATH] rpc TARGET SERVICE[+ARG]\n"
		"       bulkhead ctl [--socket PATH] run NAME [--pass-io] COMMAND...\n"
		"TARGET: a domain's name, @dispvm or @dispvm:TEMPLATE (a new disposable)\n");
}

/* TARGET and SERVICE[+ARG] as a request line, parsed as the manager will. */
static bool request(struct call *c, const char *target, const char *service)
{
	char line[RPC_REQUEST_MAX + 2];
	int n = snprintf(line, sizeof(line), "%s %s", target, service);
	const char *bad = n < 0 || (size_t)n >= sizeof(line) ?
			  "a request longer than 169 bytes" :
			  rpc_request_parse(line, (size_t)n, &c->req.call);
	if (bad) {
		fprintf(stderr, TAG ": %s: %s\n", line, bad);
		return false;
	}
	c->req.type = CTL_REQ_CALL;
	snprintf(c->what, sizeof(c->what), "%s %s", target, service);
	return true;
}

/* rpc TARGET SERVICE[+ARG] | run NAME [--pass-io] COMMAND... */
static bool parse(int argc, char **argv, struct call *c)
{
	int i = 1;
	c->socket = CTL_DOMAINS_SOCKET;
	if (i + 1 < argc && strcmp(argv[i], "--socket") == 0) {
		c->socket = argv[i + 1];
		i += 2;
	}
	if (i >= argc)
		return false;
	if (strcmp(argv[i], "rpc") == 0)
		return i + 3 == argc && request(c, argv[i + 1], argv[i + 2]);
	if (strcmp(argv[i], "run") != 0 || i + 2 >= argc)
		return false;
	const char *name = argv[i + 1];
	int first = i + 2, last = argc;
	c->run = true;
	/* --pass-io right after NAME, or last (qvm-run's and the order). */
	if (strcmp(argv[first], "--pass-io") == 0) {
		c->pass_io = true;
		first++;
	} else if (strcmp(argv[last - 1], "--pass-io") == 0) {
		c->pass_io = true;
		last--;
	}
	if (first >= last) {
		fprintf(stderr, TAG ": run: no command for %s\n", name);
		return false;
	}
	if (!ctl_join_command(last - first, argv + first, c->command) || !c->command[0])
		return false;
	return request(c, name, c->pass_io ? RPC_RUN_SERVICE : RPC_RUN_SERVICE "+" RPC_RUN_DETACHED);
}

/* The manager asked for the call: its connection (the call lasts while
 * it is open) and where the target serves, or -1 (said). */
static int ask_manager(struct call *c, struct ctl_call *out)
{
	static uint8_t buf[CTL_MSG_MAX];
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	enum ctl_type type;
	const uint8_t *payload;
	size_t plen;
	const char *why;
	if (!str_copy(addr.sun_path, c->socket, sizeof(addr.sun_path))) {
		fprintf(stderr, TAG ": socket path too long: %s\n", c->socket);
		return -1;
	}
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	size_t len = ctl_encode_request(&c->req, buf, sizeof(buf));
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		fprintf(stderr, TAG ": cannot reach the domain manager at %s: %s\n", c->socket,
			strerror(errno));
		goto fail;
	}
	if (send(fd, buf, len, MSG_NOSIGNAL) != (ssize_t)len) {
		fprintf(stderr, TAG ": send: %s\n", strerror(errno));
		goto fail;
	}
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	if (poll(&pfd, 1, CALL_TIMEOUT_MS) <= 0) {
		fprintf(stderr, TAG ": %s: the domain manager did not answer in %d s\n", c->what,
			CALL_TIMEOUT_MS / 1000);
		goto fail;
	}
	ssize_t n = recv(fd, buf, sizeof(buf), MSG_TRUNC);
	if (n <= 0 || (size_t)n > sizeof(buf) ||
	    ctl_decode_header(buf, (size_t)n, &type, &payload, &plen, &why) < 0) {
		fprintf(stderr, TAG ": %s: no answer from the domain manager\n", c->what);
		goto fail;
	}
	if (type == CTL_REP_ERROR) {
		char msg[CTL_ERROR_TEXT_MAX + 1];
		int code;
		if (ctl_decode_error(payload, plen, &code, msg, sizeof(msg), &why) == 0)
			fprintf(stderr, TAG ": %s: %s\n", c->what, msg);
		goto fail;
	}
	if (type != CTL_REP_CALL || ctl_decode_call(payload, plen, out, &why) < 0) {
		fprintf(stderr, TAG ": %s: a malformed answer from the domain manager\n", c->what);
		goto fail;
	}
	return fd;
fail:
	if (fd >= 0)
		close(fd);
	return -1;
}

/* The vchan OUT's target serves for domid 0, or NULL (said). */
static struct libxenvchan *connect_target(const struct call *c, const struct ctl_call *out)
{
	char k[RPC_CHAN_KEY_MAX], path[128];
	rpc_chan_key_format(0, out->id, k);
	snprintf(path, sizeof(path), "/local/domain/%u/" RPC_CHAN_DIR "/%s", out->domid, k);
	struct libxenvchan *vc = libxenvchan_client_init(log_xtl_logger(XTL_WARN),
							 (int)out->domid, path);
	if (!vc)
		fprintf(stderr, TAG ": %s: cannot connect to %s's channel at %s: %s\n", c->what,
			out->target, path, strerror(errno));
	return vc;
}

/* From here on the frames are a domain's: no root, no capability, no
 * file, a few system calls (lib/confine_profiles.c, "ctl-call"). */
static int give_up(void)
{
	struct confine cf;
	char err[256] = "";
	static const char *const nothing[] = { NULL };
	confine_init(&cf);
	cf.set_ids = confine_role_ids("ctl-call", "/etc/passwd", &cf.uid, &cf.gid) == 0;
	int rc = confine_drop(&cf, nothing, confine_profile("ctl-call"), err, sizeof(err));
	if (rc < 0)
		fprintf(stderr, TAG ": cannot give up its privileges: %s\n", err);
	return rc;
}

/* `run''s command, as the first line of the service's stdin: one frame,
 * in a ring that is empty yet. */
static bool send_command(const struct call *c, struct libxenvchan *vc)
{
	uint8_t frame[RPC_FRAME_HEADER + DISPOSABLE_COMMAND_MAX + 1];
	size_t n = strlen(c->command);
	rpc_frame_encode(RPC_STDIN, (uint32_t)n + 1, frame);
	memcpy(frame + RPC_FRAME_HEADER, c->command, n);
	frame[RPC_FRAME_HEADER + n] = '\n';
	size_t len = RPC_FRAME_HEADER + n + 1;
	if (libxenvchan_send(vc, frame, len) != (int)len) {
		fprintf(stderr, TAG ": %s: cannot send the command\n", c->what);
		return false;
	}
	return true;
}

/* The streams relayed until the service's EXIT (its status), the call
 * broken, or the manager ending it (the target gone): REFUSED. */
static int relay(const struct call *c, struct libxenvchan *vc, int ctl_fd, int in)
{
	struct rpc_relay *r = rpc_relay_caller(rpc_chan_vchan(vc), in, STDOUT_FILENO,
					       STDERR_FILENO);
	if (!r) {
		fprintf(stderr, TAG ": %s: out of memory\n", c->what);
		return REFUSED;
	}
	while (rpc_relay_state(r) == RPC_RELAY_RUNNING && !stop_signal) {
		struct pollfd pfd[RPC_RELAY_FDS + 1];
		size_t n = rpc_relay_fill(r, pfd);
		pfd[n++] = (struct pollfd){ .fd = ctl_fd, .events = POLLIN };
		if (poll(pfd, n, -1) < 0 && errno != EINTR)
			break;
		if (pfd[n - 1].revents)
			break;	/* the manager's word: the call ended there */
		rpc_relay_dispatch(r);
	}
	int status = REFUSED;
	if (rpc_relay_state(r) == RPC_RELAY_DONE) {
		status = rpc_relay_status(r);
	} else if (stop_signal) {
		status = 128 + stop_signal;
	} else if (rpc_relay_state(r) == RPC_RELAY_BROKEN) {
		fprintf(stderr, TAG ": %s: the call broke: %s\n", c->what, rpc_relay_why(r));
	} else {
		static uint8_t buf[CTL_MSG_MAX];
		char msg[CTL_ERROR_TEXT_MAX + 1] = "the domain manager ended it";
		enum ctl_type type;
		const uint8_t *payload;
		size_t plen;
		const char *why;
		int code;
		ssize_t k = recv(ctl_fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (k > 0 && ctl_decode_header(buf, (size_t)k, &type, &payload, &plen, &why) == 0 &&
		    type == CTL_REP_ERROR)
			ctl_decode_error(payload, plen, &code, msg, sizeof(msg), &why);
		fprintf(stderr, TAG ": %s: the call ended: %s\n", c->what, msg);
	}
	rpc_relay_free(r);	/* our stdio given back as it was */
	return status;
}

int ctl_call_main(int argc, char **argv)
{
	static struct call c;
	struct ctl_call where;
	struct libxenvchan *vc = NULL;
	int ctl_fd = -1, in = STDIN_FILENO, status = REFUSED;

	if (!parse(argc, argv, &c)) {
		usage();
		return 2;
	}
	/* A reader of our stdout gone is the call's end for us, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	struct sigaction sa = { .sa_handler = on_stop };	/* no SA_RESTART: poll ends */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (c.run && !c.pass_io && (in = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
		fprintf(stderr, TAG ": /dev/null: %s\n", strerror(errno));
		return REFUSED;
	}
	if ((ctl_fd = ask_manager(&c, &where)) < 0 || !(vc = connect_target(&c, &where)) ||
	    (c.run && !send_command(&c, vc)) || give_up() < 0)
		goto out;
	/* The relay owns IN from here (its flags given back at its end). */
	status = relay(&c, vc, ctl_fd, in);
	in = -1;
out:
	if (vc)
		libxenvchan_close(vc);
	if (ctl_fd >= 0)
		close(ctl_fd);
	if (in > STDIN_FILENO)
		close(in);
	return status;
}
