/*
 * agentproto.h - what dom0 and the agent in a domain (guest/agent.h) say
 * to each other through xenstore, in the domain's own directory
 * /local/domain/DOMID:
 *
 *   bulkhead/run          written by dom0, read-only for the domain: the
 *                         command to run (a shell command line, at most
 *                         DISPOSABLE_COMMAND_MAX bytes of printable ASCII);
 *                         written once, before or after the agent is up
 *   data/bulkhead-agent   written by the domain: the agent's status,
 *                         "ready" (up, waiting for a command), "running"
 *                         (the command was started), "exited N" (it ended
 *                         with status N, 0..255; a signal is 128 + its
 *                         number, as shells say)
 *
 *   bulkhead/net/address  written by dom0, read-only for the domain: its
 *                         IPv4 address (A.B.C.D), for a domain behind a
 *                         netvm and for a net domain (whose vifs it is on)
 *   bulkhead/net/gateway  written by dom0, read-only: the netvm's address,
 *                         the domain's default route
 *   bulkhead/firewall/A-B-C-D/policy, .../rules/N
 *                         written by dom0 in a net domain's directory, one
 *                         subdirectory for each domain behind it, by its
 *                         address A.B.C.D (xenstore has no dots in names:
 *                         agent_firewall_key()): the policy ("allow"/"deny") and its
 *                         rules in order, N = 0, 1, ..., each in the
 *                         canonical text of config/firewall_rules.h;
 *                         written in one transaction before that domain is
 *                         created, and again whenever the net domain is
 *                         (re)created
 *
 * dom0 reads the status as hostile bytes: agent_status_parse() is the one
 * place that looks at them.  Pure functions, safe anywhere.
 */
#ifndef BULKHEAD_AGENTPROTO_H
#define BULKHEAD_AGENTPROTO_H

#include <stddef.h>
#include <stdint.h>

#include "lib/limits.h"

#define AGENT_RUN_KEY    "bulkhead/run"
#define AGENT_STATUS_KEY "data/bulkhead-agent"
#define AGENT_ADDRESS_KEY  "bulkhead/net/address"
#define AGENT_GATEWAY_KEY  "bulkhead/net/gateway"
#define AGENT_FIREWALL_DIR "bulkhead/firewall"
/* "1" when the domain's config says xwayland = 1: its agent, the domain's
 * Wayland compositor, runs X11 programs too (guest/xwayland.h).  dom0
 * writes it before the domain runs; the domain may read it, not write. */
#define AGENT_XWAYLAND_KEY "bulkhead/features/xwayland"

enum agent_state { AGENT_READY, AGENT_RUNNING, AGENT_EXITED };

struct agent_status {
	enum agent_state state;
	int exit_status;	/* AGENT_EXITED: 0..255 */
};

/* Reads LEN bytes of a status as the domain wrote them (not NUL-ended):
 * 0, or -1 when they are not one of the statuses above. */
int agent_status_parse(const char *untrusted, size_t len, struct agent_status *out);

/* The status as the agent writes it, NUL-ended, into BUF (at least
 * AGENT_STATUS_MAX + 1 bytes); returns its length. */
/* The name of the subdirectory of AGENT_FIREWALL_DIR for ADDRESS (IPv4,
 * host order): "A-B-C-D". */
void agent_firewall_key(uint32_t address, char buf[16]);

size_t agent_status_format(const struct agent_status *st, char *buf, size_t cap);

#endif
