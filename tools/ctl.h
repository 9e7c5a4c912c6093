/*
 * ctl.h - `bulkhead ctl': the command-line client of PID 1's control
 * socket (services, power) and of the domain manager's (domains), and the
 * reader of xenconsoled's console logs (`ctl console').  A process of its
 * own; uses nothing but libc.
 *
 * Exit status: 0 done, 1 the peer answered with an error (or no console
 * log), 2 usage, 3 cannot reach the peer or its answer is malformed.
 *
 * The commands are one table (ctl_commands): the usage text, the man page
 * and the shell completion are made from it.
 */
#ifndef BULKHEAD_CTL_H
#define BULKHEAD_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "lib/limits.h"
#include "proto/ctlproto.h"

#define CTL_DEFAULT_SOCKET CTL_INIT_SOCKET

/* Who answers a command: where its request goes. */
enum ctl_peer { CTL_PEER_PID1, CTL_PEER_DOMAINS, CTL_PEER_DESKTOP, CTL_PEER_NONE };

struct ctl_command {
	const char *name;
	const char *args;		/* what follows the name, as in the usage */
	const char *help;		/* what it does: lines of the usage text */
	enum ctl_peer peer;
	enum ctl_type request, reply;
	bool json;			/* takes --json */
	int min, max;			/* how many arguments; max -1: any */
	int op;				/* the domain operation or power action */
	/* The arguments into REQ; false when one is wrong (said on stderr). */
	bool (*parse)(const struct ctl_command *c, int argc, char **argv,
		      struct ctl_request *req);
	/* Or the command is done here, without a request. */
	int (*run)(int argc, char **argv);
};

int ctl_main(int argc, char **argv);

/* Every command, in the usage's order; *N of them. */
const struct ctl_command *ctl_commands(size_t *n);

/* The usage text, made from the table, with the exit statuses. */
void ctl_usage(FILE *f);

/*
 * REQ sent to the domain manager at PATH and its answer awaited: 0 when it
 * is of type WANT (*PAYLOAD, *PLEN: valid until the next request), 1 when
 * the manager refused (its words said on stderr), 3 when it cannot be
 * reached or answered nonsense (said).
 */
int ctl_ask(const char *path, const struct ctl_request *req, enum ctl_type want,
	    const uint8_t **payload, size_t *plen);

/* A device as `ctl usb list' and `ctl block list' name it, DOMAIN:NAME
 * (S), into DOMAIN and NAME (CAP bytes); false (said on stderr, naming
 * the command WHAT, NAME's word KIND and an EXAMPLE) when S has no ':',
 * DOMAIN is no domain's name or NAME is not VALID. */
bool ctl_device_arg(const char *s, bool (*valid)(const char *s, size_t len), const char *what,
		    const char *kind, const char *example, char domain[DOMAIN_NAME_MAX + 1],
		    char *name, size_t cap);

/* The words ARGV (ARGC of them, maybe 0) joined by spaces into OUT, as a
 * shell command line a domain runs; false (said on stderr) when they are
 * longer than DISPOSABLE_COMMAND_MAX or not printable ASCII. */
bool ctl_join_command(int argc, char **argv, char out[DISPOSABLE_COMMAND_MAX + 1]);

#endif
