/* libFuzzer target: the status a domain's agent writes to xenstore, as
 * the domain manager reads it (proto/agentproto.h).  A domain may write
 * any bytes there. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "proto/agentproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct agent_status st, again;
	char buf[AGENT_STATUS_MAX + 1];

	if (agent_status_parse((const char *)data, size, &st) < 0)
		return 0;
	if (st.state == AGENT_EXITED && (st.exit_status < 0 || st.exit_status > 255))
		__builtin_trap();
	/* What is taken is exactly what the agent would have written. */
	size_t len = agent_status_format(&st, buf, sizeof(buf));
	if (len != size || memcmp(buf, data, size) != 0)
		__builtin_trap();
	if (agent_status_parse(buf, len, &again) < 0 || again.state != st.state ||
	    again.exit_status != st.exit_status)
		__builtin_trap();
	return 0;
}
