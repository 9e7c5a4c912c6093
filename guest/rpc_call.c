/*
 * rpc_call.c - the programs of a domain that call another (docs/RPC.md):
 *
 *   bulkhead rpc-call TARGET SERVICE[+ARG]   its stdin, stdout and stderr
 *                                            are the service's; it exits
 *                                            with the service's status
 *   bulkhead copy-to TARGET PATH...          the files, through the
 *   bulkhead copy PATH...                    service bulkhead.Filecopy
 *                                            (copy: to @default, the
 *                                            target dom0's policy names)
 *
 * They hand the call to the domain's agent (guest/rpc_local.h) and wait
 * for its end.  A call dom0 refused, or that broke, exits
 * RPC_LOCAL_REFUSED with the reason on stderr.
 */
#include "guest/rpc_call.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest/rpc_local.h"
#include "lib/util.h"

/* The agent's relay makes the fds it is given non-blocking: the same open
 * files as the caller's shell's, which must find them as they were. */
struct saved_flags {
	int fl[3];
};

static void save_flags(struct saved_flags *s)
{
	for (int i = 0; i < 3; i++)
		s->fl[i] = fcntl(i, F_GETFL);
}

static void restore_flags(const struct saved_flags *s)
{
	for (int i = 0; i < 3; i++)
		if (s->fl[i] >= 0)
			fcntl(i, F_SETFL, s->fl[i]);
}

int rpc_call_begin(const char *prog, const char *line, const int fds[3])
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	str_copy(sa.sun_path, RPC_LOCAL_SOCKET, sizeof(sa.sun_path));
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "%s: cannot reach this domain's agent at %s: %s (is `bulkhead "
				"agent' running?)\n", prog, RPC_LOCAL_SOCKET, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	int rc = rpc_local_send(fd, line, fds);
	if (rc < 0) {
		fprintf(stderr, "%s: cannot hand the call to the agent: %s\n", prog, strerror(-rc));
		close(fd);
		return -1;
	}
	return fd;
}

int rpc_call_end(const char *prog, int fd, const char *line)
{
	char reply[RPC_LOCAL_REPLY_MAX + 1], why[RPC_WHY_MAX + 1];
	int status;
	ssize_t n;
	do
		n = recv(fd, reply, sizeof(reply) - 1, 0);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n <= 0 || !rpc_local_reply_parse(reply, (size_t)n, &status, why, sizeof(why))) {
		fprintf(stderr, "%s: the agent ended without saying how the call ended\n", prog);
		return RPC_LOCAL_REFUSED;
	}
	if (status < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, line, why);
		return RPC_LOCAL_REFUSED;
	}
	return status;
}

/* LINE called with FDS; the status to exit with. */
static int call(const char *prog, const char *line, const int fds[3])
{
	int fd = rpc_call_begin(prog, line, fds);
	return fd < 0 ? RPC_LOCAL_REFUSED : rpc_call_end(prog, fd, line);
}

int rpc_call_line(const char *prog, const char *target, const char *service, char *out,
		  size_t cap)
{
	struct rpc_request r;
	int n = snprintf(out, cap, "%s %s", target, service);
	const char *bad = n < 0 || (size_t)n >= cap ? "it is too long"
						    : rpc_request_parse(out, (size_t)n, &r);
	if (bad) {
		fprintf(stderr, "%s: \"%s %s\" is not a call: %s\n", prog, target, service, bad);
		return -1;
	}
	return 0;
}

int rpc_call_main(int argc, char **argv)
{
	char line[RPC_REQUEST_MAX + 2];
	struct saved_flags saved;
	if (argc != 3 || argv[1][0] == '-') {
		fprintf(stderr, "usage: bulkhead rpc-call TARGET SERVICE[+ARG]\n"
				"  TARGET: a domain's name, @default, @dispvm or @dispvm:TEMPLATE\n");
		return 2;
	}
	if (rpc_call_line("bulkhead rpc-call", argv[1], argv[2], line, sizeof(line)) < 0)
		return 2;
	save_flags(&saved);
	int status = call("bulkhead rpc-call", line, (int[3]){ 0, 1, 2 });
	restore_flags(&saved);
	return status;
}

/* `copy-to TARGET PATH...' and `copy PATH...': the packer in a process of
 * its own (it confines itself), its stream the call's stdin. */
static int copy(const char *prog, const char *target, char **paths, int npaths)
{
	char line[RPC_REQUEST_MAX + 2];
	struct saved_flags saved;
	int p[2], wstatus;
	if (rpc_call_line(prog, target, "bulkhead.Filecopy", line, sizeof(line)) < 0)
		return 2;
	if (pipe2(p, O_CLOEXEC) < 0) {
		fprintf(stderr, "%s: pipe: %s\n", prog, strerror(errno));
		return 1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "%s: fork: %s\n", prog, strerror(errno));
		return 1;
	}
	if (pid == 0) {
		char **argv = calloc((size_t)npaths + 4, sizeof(*argv));
		if (!argv || dup2(p[1], STDOUT_FILENO) < 0)
			_exit(1);
		argv[0] = "bulkhead";
		argv[1] = "filecopy-pack";
		argv[2] = "--";
		memcpy(argv + 3, paths, (size_t)npaths * sizeof(*argv));
		execv("/proc/self/exe", argv);
		fprintf(stderr, "%s: cannot run filecopy-pack: %s\n", prog, strerror(errno));
		_exit(1);
	}
	close(p[1]);
	save_flags(&saved);
	int status = call(prog, line, (int[3]){ p[0], 1, 2 });
	restore_flags(&saved);
	close(p[0]);
	while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
		;
	bool packed = WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0;
	/* A receiver that stopped reading ends the packer by SIGPIPE: its
	 * status says more. */
	bool cut = WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGPIPE;
	if (!packed && !cut) {
		if (WIFSIGNALED(wstatus))
			fprintf(stderr, "%s: filecopy-pack was killed by signal %d\n", prog,
				WTERMSIG(wstatus));
		return 1;	/* else the packer said why; the receiver refused the cut stream */
	}
	if (status != 0)
		fprintf(stderr, "%s: %s did not take the files (status %d)\n", prog, target, status);
	else if (cut)
		fprintf(stderr, "%s: %s stopped reading before the end of the files\n", prog, target);
	return status ? status : packed ? 0 : 1;
}

int copy_to_main(int argc, char **argv)
{
	if (argc < 3 || argv[1][0] == '-') {
		fprintf(stderr, "usage: bulkhead copy-to TARGET PATH...\n");
		return 2;
	}
	return copy("bulkhead copy-to", argv[1], argv + 2, argc - 2);
}

int copy_main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bulkhead copy PATH...\n");
		return 2;
	}
	return copy("bulkhead copy", "@default", argv + 1, argc - 1);
}
