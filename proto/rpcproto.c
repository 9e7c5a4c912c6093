#include "proto/rpcproto.h"

#include <stdio.h>
#include <string.h>

#include "lib/bytes.h"
#include "lib/util.h"

/* The messages say the bounds as numbers (a user reads them). */
_Static_assert(RPC_REQUEST_MAX == 169 && RPC_TARGET_MAX == 39 && RPC_SERVICE_MAX == 64 &&
		       RPC_ARG_MAX == 64 && RPC_FRAME_MAX == 16384 && RPC_WHY_MAX == 160,
	       "the bounds in rpcproto.c's messages");

static const char word_chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-";

/* LEN bytes at S, all of word_chars, MIN..MAX of them. */
static bool word(const char *s, size_t len, size_t min, size_t max)
{
	if (len < min || len > max)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!s[i] || !strchr(word_chars, s[i]))
			return false;
	return true;
}

const char *rpc_request_parse(const char *untrusted, size_t len, struct rpc_request *out)
{
	memset(out, 0, sizeof(*out));
	if (len > RPC_REQUEST_MAX)
		return "a request longer than 169 bytes";
	const char *space = memchr(untrusted, ' ', len);
	if (!space)
		return "a request without a space between its target and its service";
	size_t tlen = (size_t)(space - untrusted);
	const char *call = space + 1;
	size_t clen = len - tlen - 1;
	const char *plus = memchr(call, '+', clen);
	size_t slen = plus ? (size_t)(plus - call) : clen;
	size_t alen = plus ? clen - slen - 1 : 0;

	if (tlen == 0 || tlen > RPC_TARGET_MAX || memchr(untrusted, '\0', tlen))
		return "a request's target is not 1..39 bytes";
	memcpy(out->target, untrusted, tlen);
	out->target[tlen] = '\0';
	if (!rpc_target_is_valid(out->target))
		return "a request's target is not a domain's name, @default, @dispvm, "
		       "@dispvm:TEMPLATE or dom0";
	if (!word(call, slen, 1, RPC_SERVICE_MAX))
		return "a request's service is not 1..64 of A-Z a-z 0-9 . _ -";
	if (!word(plus ? plus + 1 : "", alen, 0, RPC_ARG_MAX))
		return "a request's argument is not 0..64 of A-Z a-z 0-9 . _ -";
	memcpy(out->service, call, slen);
	out->service[slen] = '\0';
	if (plus)
		memcpy(out->arg, plus + 1, alen);
	out->arg[alen] = '\0';
	return NULL;
}

size_t rpc_request_format(const struct rpc_request *r, char *out, size_t cap)
{
	int n = snprintf(out, cap, "%s %s%s%s", r->target, r->service, r->arg[0] ? "+" : "",
			 r->arg);
	struct rpc_request back;
	if (n < 0 || (size_t)n >= cap || rpc_request_parse(out, (size_t)n, &back))
		return 0;
	return (size_t)n;
}

void rpc_seq_init(struct rpc_seq *s, enum rpc_end reader)
{
	memset(s, 0, sizeof(*s));
	s->reader = reader;
}

const char *rpc_frame_decode(const uint8_t untrusted_hdr[RPC_FRAME_HEADER], struct rpc_frame *out)
{
	uint32_t untrusted_type = get_u32(untrusted_hdr);
	uint32_t untrusted_len = get_u32(untrusted_hdr + 4);
	if (untrusted_type < RPC_STDIN || untrusted_type > RPC_EXIT)
		return "a frame of no known type";
	if (untrusted_len > RPC_FRAME_MAX)
		return "a frame longer than 16384 bytes";
	if (untrusted_type == RPC_EXIT && untrusted_len != 4)
		return "an EXIT frame whose length is not 4";
	out->type = (enum rpc_frame_type)untrusted_type;
	out->len = untrusted_len;
	return NULL;
}

const char *rpc_frame_check(struct rpc_seq *s, const struct rpc_frame *f, const uint8_t *payload)
{
	bool from_caller = f->type == RPC_STDIN;
	if (from_caller != (s->reader == RPC_SERVICE))
		return s->reader == RPC_SERVICE ? "the caller sent a service's frame"
						: "the service sent a caller's frame";
	if (s->exited)
		return "a frame after EXIT";
	if (f->type == RPC_EXIT) {
		uint32_t untrusted_status = get_u32(payload);
		if (untrusted_status > 255)
			return "an exit status beyond 255";
		s->status = untrusted_status;
		s->exited = true;
		return NULL;
	}
	if (s->ended[f->type - 1])
		return "data after the end of its stream";
	if (f->len == 0)
		s->ended[f->type - 1] = true;
	return NULL;
}

void rpc_frame_encode(enum rpc_frame_type type, uint32_t len, uint8_t out[RPC_FRAME_HEADER])
{
	put_u32(out, (uint32_t)type);
	put_u32(out + 4, len);
}

/* Xen's last domid for a domain (DOMID_FIRST_RESERVED - 1). */
#define RPC_DOMID_LAST 0x7fefu

bool rpc_id_parse(const char *untrusted, size_t len, uint32_t *out)
{
	return decimal_parse(untrusted, len, UINT32_MAX, out);
}

bool rpc_chan_key_parse(const char *untrusted, size_t len, uint32_t *domid, uint32_t *id)
{
	const char *dash = memchr(untrusted, '-', len);
	if (!dash)
		return false;
	size_t k = (size_t)(dash - untrusted);
	return decimal_parse(untrusted, k, RPC_DOMID_LAST, domid) &&
	       decimal_parse(dash + 1, len - k - 1, UINT32_MAX, id);
}

void rpc_chan_key_format(uint32_t domid, uint32_t id, char out[RPC_CHAN_KEY_MAX])
{
	snprintf(out, RPC_CHAN_KEY_MAX, "%u-%u", domid, id);
}

const char *rpc_answer_parse(const char *untrusted, size_t len, struct rpc_answer_msg *out)
{
	memset(out, 0, sizeof(*out));
	if (len > 5 && memcmp(untrusted, "deny ", 5) == 0) {
		if (len - 5 > RPC_WHY_MAX)
			return "a refusal longer than 160 bytes";
		for (size_t i = 5; i < len; i++)
			if (untrusted[i] < 0x20 || untrusted[i] > 0x7e)
				return "a refusal with a byte that is not printable ASCII";
		memcpy(out->why, untrusted + 5, len - 5);
		return NULL;
	}
	if (len > 8 && memcmp(untrusted, "connect ", 8) == 0) {
		if (!decimal_parse(untrusted + 8, len - 8, RPC_DOMID_LAST, &out->domid))
			return "a domid that is not a number Xen gives a domain";
		out->connect = true;
		return NULL;
	}
	return "an answer that is neither \"deny WHY\" nor \"connect DOMID\"";
}

size_t rpc_answer_format(const struct rpc_answer_msg *m, char *out, size_t cap)
{
	int n = m->connect ? snprintf(out, cap, "connect %u", m->domid)
			   : snprintf(out, cap, "deny %s", m->why);
	struct rpc_answer_msg back;
	if (n < 0 || (size_t)n >= cap || rpc_answer_parse(out, (size_t)n, &back))
		return 0;
	return (size_t)n;
}

const char *rpc_serve_parse(const char *untrusted, size_t len, struct rpc_serve_msg *out)
{
	struct rpc_request r;
	memset(out, 0, sizeof(*out));
	/* "SOURCE SERVICE[+ARG]" has a request's shape, SOURCE a domain's name. */
	const char *why = rpc_request_parse(untrusted, len, &r);
	if (why)
		return why;
	if (!domain_name_is_valid(r.target, strlen(r.target)))
		return "a source that is not a domain's name";
	memcpy(out->source, r.target, sizeof(out->source));
	memcpy(out->service, r.service, sizeof(out->service));
	memcpy(out->arg, r.arg, sizeof(out->arg));
	return NULL;
}

size_t rpc_serve_format(const struct rpc_serve_msg *m, char *out, size_t cap)
{
	struct rpc_request r = { 0 };
	memcpy(r.target, m->source, sizeof(m->source));
	memcpy(r.service, m->service, sizeof(r.service));
	memcpy(r.arg, m->arg, sizeof(r.arg));
	struct rpc_serve_msg back;
	size_t n = rpc_request_format(&r, out, cap);
	return n && !rpc_serve_parse(out, n, &back) ? n : 0;
}
