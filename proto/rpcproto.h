/*
 * rpcproto.h - calls between domains (docs/RPC.md, "Calls"): what a
 * domain asks dom0, what dom0 answers, and the frames that carry a call's
 * standard input, output, error and exit status between the two domains.
 *
 * The request (a domain's bytes, read by dom0): one line
 *
 *   TARGET SERVICE[+ARG]
 *
 * TARGET as rpc_target_is_valid() (lib/util.h) takes it: a
 * domain's name, @default, @dispvm, @dispvm:TEMPLATE, dom0; SERVICE 1 ..
 * RPC_SERVICE_MAX and ARG 0 .. RPC_ARG_MAX of [A-Za-z0-9._-]; one space,
 * nothing else (no newline), at most RPC_REQUEST_MAX bytes.
 *
 * The frames (each side's bytes are hostile to the other): an 8-byte
 * header, little-endian, then the payload:
 *
 *   u32 type    RPC_STDIN (caller to service), RPC_STDOUT, RPC_STDERR,
 *               RPC_EXIT (service to caller)
 *   u32 length  0 .. RPC_FRAME_MAX; a data frame of length 0 ends that
 *               stream; EXIT's is 4: u32 status 0..255, the last frame
 *
 * rpc_frame_check() is the one place that says whether a frame may come
 * now: its direction, a stream written after its end, anything after
 * EXIT.  Pure functions, safe anywhere.
 */
#ifndef BULKHEAD_RPCPROTO_H
#define BULKHEAD_RPCPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/limits.h"

#define RPC_FRAME_HEADER 8

struct rpc_request {
	char target[RPC_TARGET_MAX + 1];
	char service[RPC_SERVICE_MAX + 1];
	char arg[RPC_ARG_MAX + 1];		/* "": none */
};

/* UNTRUSTED (LEN bytes, not NUL-ended) as a request.  NULL, or why not. */
const char *rpc_request_parse(const char *untrusted, size_t len, struct rpc_request *out);
/* R as its line into OUT (CAP bytes, NUL-ended): its length, 0 if R is
 * not valid or does not fit. */
size_t rpc_request_format(const struct rpc_request *r, char *out, size_t cap);

/*
 * dom0's words to a domain's agent (dom0's keys, read-only to the domain;
 * parsed all the same):
 *   the answer to call ID, at bulkhead/rpc/call/ID:
 *     "deny WHY"                     WHY printable ASCII
 *     "connect DOMID"                connect to the target DOMID's
 *                                    data/bulkhead-rpc/serve/MYDOMID-ID
 *   a call to serve, at bulkhead/rpc/serve/SOURCE_DOMID-ID:
 *     "SOURCE SERVICE[+ARG]"         run the service for domain SOURCE
 *                                    and serve the call's vchan there
 */
#define RPC_WHY_MAX 160

struct rpc_answer_msg {
	bool connect;
	uint32_t domid;			/* connect */
	char why[RPC_WHY_MAX + 1];	/* deny */
};

struct rpc_serve_msg {
	char source[DOMAIN_NAME_MAX + 1];
	char service[RPC_SERVICE_MAX + 1];
	char arg[RPC_ARG_MAX + 1];
};

const char *rpc_answer_parse(const char *untrusted, size_t len, struct rpc_answer_msg *out);
size_t rpc_answer_format(const struct rpc_answer_msg *m, char *out, size_t cap);
const char *rpc_serve_parse(const char *untrusted, size_t len, struct rpc_serve_msg *out);
size_t rpc_serve_format(const struct rpc_serve_msg *m, char *out, size_t cap);

enum rpc_frame_type { RPC_STDIN = 1, RPC_STDOUT = 2, RPC_STDERR = 3, RPC_EXIT = 4 };

/* Which end of a call reads the frames being checked. */
enum rpc_end { RPC_CALLER, RPC_SERVICE };

struct rpc_frame {
	enum rpc_frame_type type;
	uint32_t len;		/* payload bytes that follow */
};

/* Where a call's frames are, as one end reads them. */
struct rpc_seq {
	enum rpc_end reader;
	bool ended[RPC_EXIT];	/* by stream type: its end came */
	bool exited;
	uint32_t status;	/* EXIT's */
};

void rpc_seq_init(struct rpc_seq *s, enum rpc_end reader);
/* The 8-byte header at UNTRUSTED_HDR: NULL and *OUT, or why it is wrong. */
const char *rpc_frame_decode(const uint8_t untrusted_hdr[RPC_FRAME_HEADER], struct rpc_frame *out);
/* Whether F may come now, with its PAYLOAD (F->len bytes; EXIT's status
 * read from it): NULL and the state moves on, or why not. */
const char *rpc_frame_check(struct rpc_seq *s, const struct rpc_frame *f, const uint8_t *payload);
/* A frame's header into OUT. */
void rpc_frame_encode(enum rpc_frame_type type, uint32_t len, uint8_t out[RPC_FRAME_HEADER]);

#endif
