/*
 * ctlproto.h - the messages of bulkhead's control sockets (`bulkhead ctl'):
 * PID 1's (services, power) and the domain manager's (domains).
 *
 * Transport: an AF_UNIX SOCK_SEQPACKET socket, one message per packet,
 * one reply per request.  Every message starts with an 8-byte header,
 * little-endian:
 *
 *   u32 length    whole message, header included, 8 .. CTL_MSG_MAX
 *   u16 version   CTL_VERSION; another version is refused
 *   u16 type      enum ctl_type
 *
 * Requests and their payloads:
 *   STATUS    -                         -> STATUS reply
 *   SERVICES  -                         -> SERVICES reply
 *   RESTART   service name, 1..32 bytes of [a-z0-9_-], no NUL -> OK | ERROR
 *   POWER     u8 enum ctl_power         -> OK | ERROR
 *   DOMAINS   -                         -> DOMAINS reply
 *   DOMAIN    u8 enum ctl_domain_op, then a domain name (1..31 bytes of
 *             [A-Za-z0-9_.-], starting with a letter, no NUL) -> OK | ERROR;
 *             START_WAIT's OK comes once the domain runs (libxl created it
 *             and it was let run: seconds later, more when its netvm starts
 *             first), at once if it runs already; its ERROR says why its
 *             start failed
 *   SCREENSHOT  an absolute path, 2..CTL_PATH_MAX bytes of printable ASCII,
 *             no NUL: the compositor writes its frame there as PNG -> OK | ERROR
 *   KEY       u16 evdev key code (< KEY_CODES_MAX), u8 value 0..2: a key as
 *             if from a keyboard (the headless compositor only) -> OK | ERROR
 *   POINTER   u16 x, u16 y (< GUI_WIDTH_MAX, GUI_HEIGHT_MAX), i16 wheel
 *             (-GUI_AXIS_MAX..GUI_AXIS_MAX, > 0 down): the pointer moved
 *             there, then the wheel turned that many steps (0: not), as
 *             if by a mouse (the headless compositor only) -> OK | ERROR
 *   RUN_DISPOSABLE  u8 length L (0..31), L bytes of a domain name (the
 *             disposable template; L = 0: storage.cfg's default_dispvm),
 *             then the command: 0..DISPOSABLE_COMMAND_MAX bytes of
 *             printable ASCII (none: just start it) -> DISPOSABLE | ERROR,
 *             sent once the command runs in the new disposable (seconds
 *             later, or at once for a preloaded one)
 *   RELOAD    -: the domain manager reads its domain files again -> RELOAD
 *   ASKS      -: the calls between domains the policy asks the user about
 *             (the domain manager's; its lister may ask) -> ASKS
 *   ANSWER    u32 the ask's id, then the user's choice: 0..39 bytes, one of
 *             the ask's choices, none: no (its lister may answer) -> OK |
 *             ERROR
 *   CALL      a call's request as a domain writes it (proto/rpcproto.h:
 *             "TARGET SERVICE[+ARG]"), dom0 its caller (root only; no
 *             policy: dom0 is the administrator's) -> CALL | ERROR, sent
 *             once the target serves the call (seconds later, minutes for
 *             a disposable that boots).  The call lasts while the
 *             connection does: closing it ends the call; the manager
 *             closing it (after an ERROR saying why, when it can) says the
 *             call was ended there (its target gone).
 *   USB       -: the USB devices of the USB domains, as their inventories
 *             say (docs/DEVICES.md) -> USB
 *   USB_DETACH  u8 length L (1..31), L bytes of a USB domain's name, then
 *             a bus id of proto/usbproto.h: the call that gives that
 *             device to a domain ended by dom0 (root only) -> OK | ERROR
 *   BLOCK     -: the block devices the storage and USB domains lend, as
 *             their inventories say (proto/blockproto.h), and who holds
 *             each -> BLOCK
 *   BLOCK_ATTACH  u8 flags (bit 0: read-only; no other bit), u8 lengths
 *             L1, L2 (1..31), then L1 bytes of the lender's name, L2 of
 *             the device's (proto/blockproto.h), then the name of the
 *             domain that takes it (root only) -> OK | ERROR, sent once
 *             the disk is attached or refused
 *   BLOCK_DETACH  u8 length L (1..31), L bytes of the lender's name, then
 *             the device's: the disk attached at run time taken back from
 *             the domain that holds it (root only) -> OK | ERROR, sent once
 *             it is gone
 * Replies:
 *   OK        -
 *   ERROR     u32 errno value, then a message of printable ASCII (no NUL)
 *   STATUS    struct ctl_status, CTL_STATUS_SIZE bytes (layout in ctlproto.c)
 *   SERVICES  u32 count, then count records of CTL_SERVICE_SIZE bytes
 *   DOMAINS   u32 count, then count records of CTL_DOMAIN_SIZE bytes: char
 *             name[32], u8 state, type, class, label, u32 domid, memory_kib,
 *             vcpus, restarts, u64 uptime_ms, u8 flags, 3 zero bytes, char
 *             netvm[32], char template[32] (zero-padded; "" none), u32
 *             address, 4 zero bytes
 *   DISPOSABLE  the disposable's name (1..31 bytes, as DOMAIN's), then u32
 *             how long the manager took to answer, in ms
 *   RELOAD    u32 problems, then text: 0..CTL_RELOAD_TEXT_MAX bytes of
 *             printable ASCII and newlines.  No problems: the text says,
 *             a line a domain, what changed and when it applies.  Else
 *             nothing was changed, and the text is the problems found
 *             (FILE:LINE: ...), as many as fit.
 *   CALL      u32 the target's domid, u32 the call's id, then the target's
 *             name (1..31 bytes, as DOMAIN's): the caller connects to the
 *             vchan the target serves at its RPC_CHAN_DIR/0-ID
 *   ASKS      u32 count (0..CTL_ASKS_MAX), then count records of
 *             CTL_ASK_SIZE bytes: u32 id, char source[32], char service[64],
 *             char arg[64] (zero-padded; source, service and arg as a
 *             request of proto/rpcproto.h has them), u8 nchoices
 *             (1..CTL_ASK_CHOICES_MAX), 3 zero bytes, char choices[8][40]
 *             (a domain's name or "@dispvm", zero-padded; the first one to
 *             offer first)
 *   USB       u32 count (0..CTL_USB_MAX), then count records of
 *             CTL_USB_SIZE bytes: char domain[32] (the USB domain's name),
 *             char busid[32], char value[104] (zero-padded; busid and
 *             value as the domain's inventory has them, proto/usbproto.h),
 *             char attached[32] (the domain it is given to, as a domain's
 *             name; "": none)
 *   BLOCK     u32 count (0..CTL_BLOCK_MAX), then count records of
 *             CTL_BLOCK_SIZE bytes: char domain[32] (the lender), char
 *             name[32], char value[96] (zero-padded; name and value as the
 *             lender's inventory has them), char holder[32] (the domain
 *             the device is attached to, as a domain's name; "": none),
 *             char vdev[8] (its name there, "xvdi".., or "xvda".. for a
 *             disk of the holder's config; "" when none holds it)
 * A socket answers the requests it does not serve with ERROR EOPNOTSUPP.
 *
 * The decoders are the only place that reads a message's bytes; they check
 * every length, count and field before anything is used.  Pure functions,
 * safe anywhere.
 */
#ifndef BULKHEAD_CTLPROTO_H
#define BULKHEAD_CTLPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/limits.h"
#include "proto/rpcproto.h"
#include "proto/blockproto.h"
#include "proto/usbproto.h"

/* The domain manager's socket; PID 1's is sysconfig's control_socket, the
 * compositor's desktop.cfg's (by default CTL_COMPOSITOR_SOCKET). */
#define CTL_DOMAINS_SOCKET "/run/bulkhead/domains"
/* PID 1's, unless bulkhead.cfg says otherwise. */
#define CTL_INIT_SOCKET "/run/bulkhead/control"
#define CTL_COMPOSITOR_SOCKET "/run/bulkhead/compositor"
#define CTL_PATH_MAX	255

#define CTL_VERSION	1
#define CTL_HEADER_SIZE	8
#define CTL_STATUS_SIZE	48
#define CTL_SERVICE_SIZE 56
#define CTL_DOMAIN_SIZE	136
#define CTL_ERROR_TEXT_MAX 200
#define CTL_ASK_SIZE	488
#define CTL_ASKS_MAX	4
#define CTL_ASK_CHOICES_MAX 8
#define CTL_CHOICE_MAX	39	/* RPC_TARGET_MAX */
#define CTL_USB_SIZE	200
#define CTL_USB_MAX	(USB_DOMAINS_MAX * USB_DEVICES_PER_DOMAIN)
#define CTL_BLOCK_SIZE	200
#define CTL_BLOCK_MAX	256
#define CTL_VDEV_MAX	7

enum ctl_type {
	CTL_REQ_STATUS = 1,
	CTL_REQ_SERVICES = 2,
	CTL_REQ_RESTART = 3,
	CTL_REQ_POWER = 4,
	CTL_REQ_DOMAINS = 5,
	CTL_REQ_DOMAIN = 6,
	CTL_REQ_SCREENSHOT = 7,
	CTL_REQ_KEY = 8,
	CTL_REQ_RUN_DISPOSABLE = 9,
	CTL_REQ_RELOAD = 10,
	CTL_REQ_POINTER = 11,
	CTL_REQ_ASKS = 12,
	CTL_REQ_ANSWER = 13,
	CTL_REQ_CALL = 14,
	CTL_REQ_USB = 15,
	CTL_REQ_USB_DETACH = 16,
	CTL_REQ_BLOCK = 17,
	CTL_REQ_BLOCK_ATTACH = 18,
	CTL_REQ_BLOCK_DETACH = 19,
	CTL_REP_OK = 0x80,
	CTL_REP_STATUS = 0x81,
	CTL_REP_SERVICES = 0x82,
	CTL_REP_DOMAINS = 0x83,
	CTL_REP_DISPOSABLE = 0x84,
	CTL_REP_RELOAD = 0x85,
	CTL_REP_ASKS = 0x86,
	CTL_REP_CALL = 0x87,
	CTL_REP_USB = 0x88,
	CTL_REP_BLOCK = 0x89,
	CTL_REP_ERROR = 0xff,
};

enum ctl_power {
	CTL_POWER_POWEROFF = 1,
	CTL_POWER_REBOOT = 2,
	CTL_POWER_HALT = 3,
};

enum ctl_domain_op {
	CTL_DOMAIN_START = 1,
	CTL_DOMAIN_STOP = 2,	/* ask it to shut down, destroy it after a grace time */
	CTL_DOMAIN_KILL = 3,	/* destroy it now */
	CTL_DOMAIN_PAUSE = 4,
	CTL_DOMAIN_UNPAUSE = 5,
	CTL_DOMAIN_START_WAIT = 6,	/* START, answered once it runs (or cannot) */
};

struct ctl_request {
	enum ctl_type type;
	/* RESTART: a service, DOMAIN: a domain, RUN_DISPOSABLE: its template
	 * ("": the default) */
	char name[SERVICE_NAME_MAX + 1];
	enum ctl_power power;			/* POWER */
	enum ctl_domain_op op;			/* DOMAIN */
	char path[CTL_PATH_MAX + 1];		/* SCREENSHOT */
	uint16_t key_code;			/* KEY */
	uint8_t key_value;
	uint16_t x, y;				/* POINTER */
	int16_t wheel;
	char command[DISPOSABLE_COMMAND_MAX + 1];	/* RUN_DISPOSABLE; "": none */
	uint32_t ask_id;			/* ANSWER */
	char choice[CTL_CHOICE_MAX + 1];	/* ANSWER; "": no */
	struct rpc_request call;		/* CALL */
	char busid[USB_BUSID_MAX + 1];		/* USB_DETACH, of NAME's */
	char device[BLOCK_NAME_MAX + 1];	/* BLOCK_ATTACH, _DETACH: NAME's */
	char target[DOMAIN_NAME_MAX + 1];	/* BLOCK_ATTACH */
	bool read_only;				/* BLOCK_ATTACH */
};

/* Where dom0's call goes: the target serves it (CALL's reply). */
struct ctl_call {
	uint32_t domid;
	uint32_t id;
	char target[DOMAIN_NAME_MAX + 1];
};

/* A call the policy asks the user about (docs/RPC.md). */
struct ctl_ask {
	uint32_t id;
	char source[DOMAIN_NAME_MAX + 1];
	char service[RPC_SERVICE_MAX + 1];
	char arg[RPC_ARG_MAX + 1];		/* "": none */
	uint8_t nchoices;
	char choices[CTL_ASK_CHOICES_MAX][CTL_CHOICE_MAX + 1];
};

/* A block device a domain lends, and who holds it (BLOCK's reply). */
struct ctl_block {
	char domain[DOMAIN_NAME_MAX + 1];
	struct block_device dev;
	char holder[DOMAIN_NAME_MAX + 1];	/* "": none */
	char vdev[CTL_VDEV_MAX + 1];		/* the holder's name of it */
};

/* A USB device of a USB domain (USB's reply). */
struct ctl_usb {
	char domain[DOMAIN_NAME_MAX + 1];
	struct usb_device dev;
	char attached[DOMAIN_NAME_MAX + 1];	/* "": none */
};

struct ctl_disposable {
	char name[DOMAIN_NAME_MAX + 1];
	uint32_t answer_ms;	/* from the request to the command running */
};

struct ctl_reload {
	uint32_t problems;	/* 0: applied; else nothing was */
	char text[CTL_RELOAD_TEXT_MAX + 1];
};

struct ctl_status {
	uint32_t pid;
	uint64_t uptime_ms;
	uint32_t nservices;
	uint32_t nup;
	uint32_t nfailed;
	uint8_t stopping;	/* 1: shutdown under way */
	uint32_t rss_kib;	/* PID 1's resident memory */
	char version[16];
};

struct ctl_service_info {
	char name[SERVICE_NAME_MAX + 1];
	uint8_t state;		/* enum svc_state */
	uint8_t restart;	/* enum restart_policy */
	int32_t pid;		/* 0: not running */
	uint32_t restarts;
	int32_t last_status;	/* wait status of the last death, -1: none */
	uint64_t state_age_ms;
};

struct ctl_domain_info {
	char name[DOMAIN_NAME_MAX + 1];
	uint8_t state;		/* enum domain_state (proto/domstate.h) */
	uint8_t type;		/* enum domain_type (config/domain_config.h) */
	uint8_t class;		/* enum domain_class */
	uint8_t label;		/* enum domain_label */
	uint32_t domid;		/* CTL_NO_DOMID: none */
	uint32_t memory_kib;	/* current if it runs, else configured */
	uint32_t vcpus;
	uint32_t restarts;
	uint64_t uptime_ms;	/* 0: not running */
	bool gui;		/* it may have windows (gui = 1) */
	char netvm[DOMAIN_NAME_MAX + 1];	/* "": none */
	char template_name[DOMAIN_NAME_MAX + 1];	/* "": none */
	uint32_t address;	/* IPv4, host order; 0: none */
	uint8_t config;		/* CTL_CONFIG_* bits; 0: current */
};

/* Whether a domain runs by its file and its template's root as they are
 * now: bits of ctl_domain_info.config (never CHANGED and REMOVED both). */
#define CTL_CONFIG_CHANGED 0x01	/* its file changed (`ctl reload'): at its next start */
#define CTL_CONFIG_REMOVED 0x02	/* its file is gone: forgotten once it stops */
#define CTL_CONFIG_OLD_ROOT 0x04	/* its template ran and stopped since it started:
					 * its root is older than the template's */
#define CTL_CONFIG_ALL 0x07
/* CONFIG as `ctl list' says it: "current", or its bits' words joined by
 * ',' ("changed,old-root"), into BUF (CAP >= CTL_CONFIG_TEXT). */
#define CTL_CONFIG_TEXT 32
void ctl_config_text(uint8_t config, char *buf, size_t cap);

#define CTL_NO_DOMID 0xffffffffu
/* Flags of a domain record: gui, then the config's bits. */
#define CTL_DOMAIN_GUI 0x01
#define CTL_DOMAIN_CONFIG_SHIFT 1

/* Encoders return the message's length, 0 when it does not fit in CAP. */
size_t ctl_encode_request(const struct ctl_request *req, uint8_t *buf, size_t cap);
size_t ctl_encode_ok(uint8_t *buf, size_t cap);
size_t ctl_encode_error(int code, const char *msg, uint8_t *buf, size_t cap);
size_t ctl_encode_status(const struct ctl_status *st, uint8_t *buf, size_t cap);
size_t ctl_encode_services(const struct ctl_service_info *svc, size_t n, uint8_t *buf, size_t cap);
size_t ctl_encode_domains(const struct ctl_domain_info *dom, size_t n, uint8_t *buf, size_t cap);
size_t ctl_encode_disposable(const struct ctl_disposable *disp, uint8_t *buf, size_t cap);
/* The text is cut at CTL_RELOAD_TEXT_MAX, and bytes other than printable
 * ASCII and newlines go as '?'. */
size_t ctl_encode_reload(const struct ctl_reload *rel, uint8_t *buf, size_t cap);
size_t ctl_encode_asks(const struct ctl_ask *asks, size_t n, uint8_t *buf, size_t cap);
size_t ctl_encode_usb(const struct ctl_usb *usb, size_t n, uint8_t *buf, size_t cap);
size_t ctl_encode_block(const struct ctl_block *block, size_t n, uint8_t *buf, size_t cap);
size_t ctl_encode_call(const struct ctl_call *call, uint8_t *buf, size_t cap);

/* Decoders return 0, or -1 with *why saying what is wrong (static text).
 * A reply decoder first checks the header's type, then the payload. */
int ctl_decode_header(const uint8_t *untrusted_buf, size_t len, enum ctl_type *type,
		      const uint8_t **payload, size_t *payload_len, const char **why);
int ctl_decode_request(const uint8_t *untrusted_buf, size_t len, struct ctl_request *req,
		       const char **why);
int ctl_decode_error(const uint8_t *payload, size_t len, int *code, char *msg, size_t msgcap,
		     const char **why);
int ctl_decode_status(const uint8_t *payload, size_t len, struct ctl_status *st, const char **why);
/* Up to MAX records into OUT; *n is how many. */
int ctl_decode_services(const uint8_t *payload, size_t len, struct ctl_service_info *out,
			size_t max, size_t *n, const char **why);
int ctl_decode_domains(const uint8_t *payload, size_t len, struct ctl_domain_info *out,
		       size_t max, size_t *n, const char **why);
int ctl_decode_disposable(const uint8_t *payload, size_t len, struct ctl_disposable *out,
			  const char **why);
int ctl_decode_reload(const uint8_t *payload, size_t len, struct ctl_reload *out,
		      const char **why);
int ctl_decode_call(const uint8_t *payload, size_t len, struct ctl_call *out, const char **why);
/* Up to MAX records into OUT; *n is how many. */
int ctl_decode_usb(const uint8_t *payload, size_t len, struct ctl_usb *out, size_t max,
		   size_t *n, const char **why);
/* Up to MAX records into OUT; *n is how many. */
int ctl_decode_block(const uint8_t *payload, size_t len, struct ctl_block *out, size_t max,
		     size_t *n, const char **why);
/* Whether LEN bytes at S are a disk's name in a domain as BLOCK's vdev
 * has it: "xvd" and one to three lower-case letters. */
bool ctl_vdev_is_valid(const char *s, size_t len);
/* Up to CTL_ASKS_MAX records into OUT; *n is how many. */
int ctl_decode_asks(const uint8_t *payload, size_t len, struct ctl_ask *out, size_t *n,
		    const char **why);
/* Whether S is a choice an ANSWER may carry: "" (no), "@dispvm", a domain's
 * name. */
bool ctl_choice_is_valid(const char *s, size_t len);

/* Whether LEN bytes at S are a command RUN_DISPOSABLE may carry. */
bool ctl_command_is_valid(const char *s, size_t len);

#endif
