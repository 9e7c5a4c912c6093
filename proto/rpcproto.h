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
 * Where a call's words are, in xenstore (C the caller's domid, T the
 * target's, ID the caller's agent's number for the call):
 *
 *   C's data/bulkhead-rpc/call/ID      C's request (its own key)
 *   C's bulkhead/rpc/call/ID           dom0's answer (read-only to C)
 *   T's bulkhead/rpc/serve/C-ID        dom0's call to serve (read-only to T)
 *   T's data/bulkhead-rpc/chan/C-ID    the vchan T serves for C
 *   T's data/bulkhead-rpc/serving/C-ID T says it serves: dom0 then answers C
 *
 * C removes its request when the call is over; dom0 then removes its
 * keys, and T its own when its end is.  dom0 watches each running
 * domain's RPC_DATA_DIR (requests and servings), the agents their
 * RPC_ANSWER_DIR and RPC_SERVE_DIR.
 *
 * dom0's words (parsed all the same):
 *   the answer:        "deny WHY" (WHY printable ASCII), or "connect T"
 *   a call to serve:   "SOURCE SERVICE[+ARG]": run the service for the
 *                      domain named SOURCE
 */
/* The agent's own service for dom0's `ctl run' (docs/RPC.md): its stdin's
 * first line the command (ctl_command_is_valid's: 1..1024 of printable
 * ASCII), then the newline; the rest of stdin is the command's.  With the
 * argument RPC_RUN_DETACHED the command runs on its own (its session, no
 * stdio) and the call ends at once. */
#define RPC_RUN_SERVICE "bulkhead.Run"
#define RPC_RUN_DETACHED "detached"

#define RPC_DATA_DIR "data/bulkhead-rpc"
#define RPC_CALL_DIR RPC_DATA_DIR "/call"
#define RPC_CHAN_DIR RPC_DATA_DIR "/chan"
#define RPC_SERVING_DIR RPC_DATA_DIR "/serving"
#define RPC_ANSWER_DIR "bulkhead/rpc/call"
#define RPC_SERVE_DIR "bulkhead/rpc/serve"
/* "C-ID" and a NUL. */
#define RPC_CHAN_KEY_MAX 22

/* A call's ID, as a key's name (UNTRUSTED, LEN bytes): decimal, no
 * leading zero, at most UINT32_MAX.  Whether it is one. */
bool rpc_id_parse(const char *untrusted, size_t len, uint32_t *out);
/* A served call's key name "C-ID" (C a domid Xen may give a domain). */
bool rpc_chan_key_parse(const char *untrusted, size_t len, uint32_t *domid, uint32_t *id);
void rpc_chan_key_format(uint32_t domid, uint32_t id, char out[RPC_CHAN_KEY_MAX]);

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
