/*
 * fuzz_rpcproto - a domain's call request and a call's frames
 * (proto/rpcproto.h).  The first byte picks: a request (what dom0 reads
 * from a domain), or a stream of frames as the caller or the service reads
 * it.  Checked after each step: a request taken, written back, reads as
 * the same request; no frame is taken after EXIT, none of the wrong direction,
 * none of a stream after its end; a status taken is at most 255.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/rpcproto.h"

static void request(const uint8_t *data, size_t size)
{
	struct rpc_request r, again;
	char back[RPC_REQUEST_MAX + 1];
	if (rpc_request_parse((const char *)data, size, &r))
		return;
	/* "S+" is S with no argument, written back as "S". */
	size_t n = rpc_request_format(&r, back, sizeof(back));
	if (n == 0 || n > size || rpc_request_parse(back, n, &again) ||
	    memcmp(&r, &again, sizeof(r)) != 0)
		abort();
}

static void frames(enum rpc_end reader, const uint8_t *data, size_t size)
{
	struct rpc_seq s;
	rpc_seq_init(&s, reader);
	while (size >= RPC_FRAME_HEADER) {
		struct rpc_frame f;
		bool was_exited = s.exited;
		bool was_ended[RPC_EXIT];
		memcpy(was_ended, s.ended, sizeof(was_ended));
		if (rpc_frame_decode(data, &f))
			return;
		data += RPC_FRAME_HEADER;
		size -= RPC_FRAME_HEADER;
		if (f.len > RPC_FRAME_MAX || f.len > size)
			return;
		if (rpc_frame_check(&s, &f, data))
			return;
		if (was_exited || (f.type != RPC_EXIT && was_ended[f.type - 1]) ||
		    (f.type == RPC_STDIN) != (reader == RPC_SERVICE) || s.status > 255)
			abort();
		data += f.len;
		size -= f.len;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		request(data + 1, size - 1);
		break;
	case 1:
		frames(RPC_CALLER, data + 1, size - 1);
		break;
	default:
		frames(RPC_SERVICE, data + 1, size - 1);
		break;
	}
	return 0;
}
