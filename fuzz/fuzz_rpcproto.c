/*
 * fuzz_rpcproto - a domain's call request and a call's frames
 * (proto/rpcproto.h).  The first byte picks: a request (what dom0 reads
 * from a domain), a stream of frames as the caller or the service reads
 * it, dom0's answer or call to serve (what an agent reads), a call's id or
 * a served call's key name (key names a domain writes).  Checked after each
 * step: what is taken, written back, reads as the same; no frame is taken
 * after EXIT, none of the wrong direction, none of a stream after its end;
 * a status taken is at most 255; an id or key is the decimal it was.
 */
#include <stdint.h>
#include <stdio.h>
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

static void answer(const uint8_t *data, size_t size)
{
	struct rpc_answer_msg m, again;
	char back[RPC_WHY_MAX + 16];
	if (rpc_answer_parse((const char *)data, size, &m))
		return;
	size_t n = rpc_answer_format(&m, back, sizeof(back));
	if (n != size || memcmp(back, data, n) != 0 || rpc_answer_parse(back, n, &again) ||
	    memcmp(&m, &again, sizeof(m)) != 0 || (m.connect && m.domid > 0x7fef))
		abort();
}

static void serve(const uint8_t *data, size_t size)
{
	struct rpc_serve_msg m, again;
	char back[RPC_REQUEST_MAX + 1];
	if (rpc_serve_parse((const char *)data, size, &m))
		return;
	size_t n = rpc_serve_format(&m, back, sizeof(back));
	if (n == 0 || n > size || rpc_serve_parse(back, n, &again) ||
	    memcmp(&m, &again, sizeof(m)) != 0)
		abort();
}

static void key_names(const uint8_t *data, size_t size)
{
	char back[RPC_CHAN_KEY_MAX];
	uint32_t id, domid;
	if (rpc_id_parse((const char *)data, size, &id)) {
		snprintf(back, sizeof(back), "%u", id);
		if (strlen(back) != size || memcmp(back, data, size) != 0)
			abort();
	}
	if (rpc_chan_key_parse((const char *)data, size, &domid, &id)) {
		rpc_chan_key_format(domid, id, back);
		if (strlen(back) != size || memcmp(back, data, size) != 0 || domid > 0x7fef)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 6) {
	case 0:
		request(data + 1, size - 1);
		break;
	case 1:
		frames(RPC_CALLER, data + 1, size - 1);
		break;
	case 2:
		frames(RPC_SERVICE, data + 1, size - 1);
		break;
	case 3:
		answer(data + 1, size - 1);
		break;
	case 4:
		serve(data + 1, size - 1);
		break;
	default:
		key_names(data + 1, size - 1);
		break;
	}
	return 0;
}
