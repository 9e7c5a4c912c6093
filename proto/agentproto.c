#include "proto/agentproto.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "config/firewall_rules.h"

static bool is_word(const char *untrusted, size_t len, const char *word)
{
	return len == strlen(word) && memcmp(untrusted, word, len) == 0;
}

int agent_status_parse(const char *untrusted, size_t len, struct agent_status *out)
{
	static const char exited[] = "exited ";
	const size_t prefix = sizeof(exited) - 1;
	if (len > AGENT_STATUS_MAX)
		return -1;
	if (is_word(untrusted, len, "ready") || is_word(untrusted, len, "running")) {
		out->state = untrusted[1] == 'e' ? AGENT_READY : AGENT_RUNNING;
		out->exit_status = 0;
		return 0;
	}
	/* "exited N": 1 to 3 digits, no leading zero, at most 255. */
	if (len <= prefix || len > prefix + 3 || memcmp(untrusted, exited, prefix) != 0)
		return -1;
	int n = 0;
	for (size_t i = prefix; i < len; i++) {
		if (untrusted[i] < '0' || untrusted[i] > '9')
			return -1;
		n = n * 10 + (untrusted[i] - '0');
	}
	if (n > 255 || (untrusted[prefix] == '0' && len > prefix + 1))
		return -1;
	out->state = AGENT_EXITED;
	out->exit_status = n;
	return 0;
}

size_t agent_status_format(const struct agent_status *st, char *buf, size_t cap)
{
	int n;
	switch (st->state) {
	case AGENT_READY:
		n = snprintf(buf, cap, "ready");
		break;
	case AGENT_RUNNING:
		n = snprintf(buf, cap, "running");
		break;
	default:
		n = snprintf(buf, cap, "exited %d", st->exit_status & 255);
		break;
	}
	return n < 0 ? 0 : (size_t)n;
}

void agent_firewall_key(uint32_t a, char buf[16])
{
	ipv4_format_sep(a, '-', buf);
}
