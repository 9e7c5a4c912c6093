/*
 * guiproto.h - the GUI protocol between a domain's windows and dom0's
 * compositor: the wire format, its encoders and its one decoder.
 * docs/GUI-PROTOCOL.md is the prose version of this contract.
 *
 * Every message is a 12-byte header, little-endian, then its payload:
 *
 *   u32 type     enum gui_type
 *   u32 window   the client's id for a window, 0 for none
 *   u32 length   payload bytes that follow, 0 .. GUI_MSG_MAX - 12
 *
 * Client (domain) to dom0, each only after HELLO:
 *   HELLO    u32 version (GUI_VERSION_MIN..GUI_VERSION), u32 reserved (0)
 *                                                            window 0
 *   CREATE   u32 width, u32 height: the size it would like     window != 0
 *   TITLE    0 .. GUI_TITLE_MAX bytes of UTF-8
 *   BUFFER   u32 width, height, stride, format (GUI_FORMAT_XRGB8888),
 *            u32 ngrants, then ngrants u32 grant references (vchan); over
 *            the local transport ngrants is 0 and a memfd comes with it
 *   DAMAGE   u32 x, y, width, height: pixels of the buffer that changed
 *   DESTROY  -
 *   POPUP    u32 parent, i32 x, i32 y, u32 width, u32 height: a new
 *            window (the header's id) shown inside its parent's
 *            top-level window, at X,Y of the parent's pixels, clamped
 *            there by dom0 (version 3)
 *   CLIP_DATA u32 status (GUI_CLIP_TEXT, _EMPTY, _TOO_LARGE), then with
 *            TEXT 0 .. GUI_CLIPBOARD_MAX bytes: the domain's clipboard,
 *            the answer to a CLIP_ASK and only to one      window 0
 *            (version 4)
 *   EXITED   u32 status (1..255: the exit code; 256 + N: killed by signal
 *            N, 1..64), then 1 .. GUI_COMMAND_MAX bytes of printable
 *            ASCII: a command dom0 asked it to RUN ended in failure soon
 *            after it started (the agent's GUI_RUN_FAILED_MS)   window 0
 *            (version 5)
 *   INPUT_DEVICE u32 id (1..GUI_INPUT_DEVICES_MAX), u32 kind (enum
 *            gui_input_kind), then 0 .. GUI_INPUT_NAME_MAX bytes: a
 *            keyboard or pointer of a USB domain came (its name made
 *            printable, as a title), or went (GUI_INPUT_GONE, no name)
 *                                                            window 0
 *            (version 6)
 *   INPUT_EVENTS u32 id, u32 count (1..GUI_INPUT_BATCH_MAX), then count
 *            records of u16 type, u16 code, i32 value: that device's
 *            events, each bounded (struct gui_input_event)   window 0
 *            (version 6)
 * dom0 to client:
 *   WELCOME   u32 version (HELLO's), u32 max width, u32 max height
 *                                                            window 0
 *   CONFIGURE u32 width, u32 height: the window's size on screen now
 *   FOCUS     u32 1 (focused) or 0
 *   KEY       u32 evdev code, u32 value (0 release, 1 press, 2 repeat)
 *   MOTION    i32 x, i32 y: the pointer, in the window's pixels
 *   BUTTON    u32 evdev code (BTN_LEFT...), u32 value (0 or 1)
 *   CLOSE     -: the user asks the window to close
 *   RUN       1 .. GUI_COMMAND_MAX bytes of printable ASCII: the user asks
 *             the domain to run this command (the launcher)    window 0
 *   AXIS      u32 axis (0 vertical, 1 horizontal), i32 steps (-GUI_AXIS_MAX..
 *             GUI_AXIS_MAX, not 0; > 0 down or right): a scroll wheel
 *             turned over the focused window or one of its popups
 *             (version 3)
 *   CLIP_ASK  -: the user asks for the domain's clipboard (Ctrl+Shift+C
 *             in this window); answered with one CLIP_DATA (version 4)
 *   CLIP_PASTE 0 .. GUI_CLIPBOARD_MAX bytes: the user gives the domain
 *             dom0's clipboard (Ctrl+Shift+V in this window) (version 4)
 *   MAPPED    -: dom0 has mapped the next BUFFER of this window it was
 *             sent (one MAPPED per BUFFER, in order); the buffers sent
 *             for it before that one are no longer dom0's to map, and
 *             only now may the client take back (ungrant) one it
 *             replaced: a grant ended before dom0 mapped it cannot be
 *             mapped (version 2)
 *
 * gui_decode() is the only reader of a message's bytes.  It checks the
 * header, the length each type must have and every field's range, and
 * turns a title into printable text, so that what it returns can be used
 * without further checks except the ones that need state (does the window
 * exist, does a damage rectangle fit its buffer): those are the caller's,
 * right after decoding.  Pure functions, safe in any thread or process.
 */
#ifndef BULKHEAD_GUIPROTO_H
#define BULKHEAD_GUIPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/limits.h"

/* dom0 speaks every version from GUI_VERSION_MIN on: a client says the
 * one it speaks in HELLO, and WELCOME says it back. */
#define GUI_VERSION		6
#define GUI_VERSION_MIN		2
#define GUI_HEADER_SIZE		12
#define GUI_FORMAT_XRGB8888	0x34325258u	/* DRM's fourcc "XR24" */

enum gui_type {
	GUI_HELLO = 1,
	GUI_CREATE = 2,
	GUI_TITLE = 3,
	GUI_BUFFER = 4,
	GUI_DAMAGE = 5,
	GUI_DESTROY = 6,
	GUI_POPUP = 7,
	GUI_CLIP_DATA = 8,
	GUI_EXITED = 9,
	GUI_INPUT_DEVICE = 10,
	GUI_INPUT_EVENTS = 11,
	GUI_WELCOME = 0x81,
	GUI_CONFIGURE = 0x82,
	GUI_FOCUS = 0x83,
	GUI_KEY = 0x84,
	GUI_MOTION = 0x85,
	GUI_BUTTON = 0x86,
	GUI_CLOSE = 0x87,
	GUI_RUN = 0x88,
	GUI_MAPPED = 0x89,
	GUI_AXIS = 0x8a,
	GUI_CLIP_ASK = 0x8b,
	GUI_CLIP_PASTE = 0x8c,
};

/* A RUN's command that ends in failure this soon after it started has
 * failed to start (EXITED); later it is the program's own business. */
#define GUI_RUN_FAILED_MS	10000

/* An EXITED status: an exit code, or GUI_EXIT_SIGNAL + a signal. */
#define GUI_EXIT_SIGNAL		256
#define GUI_EXIT_STATUS_MAX	(GUI_EXIT_SIGNAL + 64)

/* What a CLIP_DATA says of the domain's clipboard. */
enum gui_clip_status {
	GUI_CLIP_TEXT = 0,	/* the bytes follow */
	GUI_CLIP_EMPTY = 1,	/* nothing to copy */
	GUI_CLIP_TOO_LARGE = 2,	/* more than GUI_CLIPBOARD_MAX bytes: not sent */
};

/* What an INPUT_DEVICE says. */
enum gui_input_kind {
	GUI_INPUT_GONE = 0,
	GUI_INPUT_KEYBOARD = 1,
	GUI_INPUT_POINTER = 2,
};

/* One event of a USB domain's device, as gui_decode() lets it through:
 *   EV_SYN  SYN_REPORT, value 0: the events before it are one report
 *   EV_KEY  a code 1 .. KEY_MAX (keys and buttons), value 0 (release),
 *           1 (press) or 2 (repeat)
 *   EV_REL  REL_X, REL_Y, REL_HWHEEL or REL_WHEEL, a value
 *           -GUI_INPUT_REL_MAX .. GUI_INPUT_REL_MAX, not 0
 * Nothing else: an absolute pointer, LEDs, a scan code or a high-
 * resolution wheel is the domain's agent's to leave out. */
struct gui_input_event {
	uint16_t type, code;
	int32_t value;
};

/* Whether an event with these fields is one struct gui_input_event lets
 * through (what gui_decode takes; the agent's translation asks it too). */
bool gui_input_event_ok(uint16_t type, uint16_t code, int32_t value);

/* Who sent the bytes being decoded: each side accepts only the other's. */
enum gui_sender {
	GUI_FROM_CLIENT,
	GUI_FROM_DOM0,
};

struct gui_msg {
	enum gui_type type;
	uint32_t window;
	union {
		struct { uint32_t version; } hello;
		struct { uint32_t version, max_width, max_height; } welcome;
		struct { uint32_t width, height; } size;	/* CREATE, CONFIGURE */
		struct {
			/* Printable ASCII, NUL-terminated; every other
			 * character became '?'. */
			char text[GUI_TITLE_MAX + 1];
		} title;
		struct {
			uint32_t width, height, stride, format, ngrants;
			/* ngrants u32s inside the decoded bytes: valid as
			 * long as they are; read with gui_grant(). */
			const uint8_t *grants;
		} buffer;
		struct { uint32_t x, y, width, height; } rect;	/* DAMAGE */
		struct {
			uint32_t parent;	/* != 0, != the popup's own id */
			int32_t x, y;		/* within +-GUI_WIDTH_MAX, +-GUI_HEIGHT_MAX */
			uint32_t width, height;
		} popup;
		struct { uint32_t focused; } focus;
		struct { uint32_t code, value; } input;		/* KEY, BUTTON */
		struct { int32_t x, y; } motion;
		struct { uint32_t axis; int32_t steps; } axis;
		struct { char command[GUI_COMMAND_MAX + 1]; } run;	/* NUL-terminated */
		struct {
			uint32_t status;		/* 1 .. GUI_EXIT_STATUS_MAX */
			char command[GUI_COMMAND_MAX + 1];	/* as RUN's */
		} exited;
		struct {
			uint32_t id;		/* 1 .. GUI_INPUT_DEVICES_MAX */
			uint32_t kind;		/* enum gui_input_kind */
			char name[GUI_INPUT_NAME_MAX + 1];	/* printable ASCII; "" when gone */
		} input_device;
		struct {
			uint32_t id, count;	/* count 1 .. GUI_INPUT_BATCH_MAX */
			struct gui_input_event ev[GUI_INPUT_BATCH_MAX];
		} input_events;
		struct {
			uint32_t status;	/* CLIP_DATA: enum gui_clip_status */
			/* len bytes inside the decoded bytes, as they came:
			 * valid as long as those are. */
			const uint8_t *data;
			uint32_t len;
		} clip;				/* CLIP_DATA, CLIP_PASTE */
	} u;
};

/*
 * Decodes the message at the start of UNTRUSTED_BUF (LEN bytes) sent by
 * SENDER.  Returns its length when it is complete and valid, 0 when more
 * bytes are needed (a stream transport reads on), -1 when it is malformed,
 * with *why saying what is wrong (static text).  A message's length is
 * known from its header alone: gui_msg_length().
 */
long gui_decode(const uint8_t *untrusted_buf, size_t len, enum gui_sender sender,
		struct gui_msg *msg, const char **why);

/* The whole length of the message whose header is at BUF (12 bytes),
 * or -1 if the header is malformed (*why). */
long gui_msg_length(const uint8_t *untrusted_hdr, const char **why);

/*
 * A byte stream (vchan) cut into whole messages.  The reader asks how many
 * bytes to read next (never past the message being assembled, so nothing
 * of the next one is ever held here), reads them into IN + HAVE, and takes
 * the message once it is whole.  A header that gui_msg_length() refuses
 * makes the stream malformed for good: there is no way back in step.
 */
struct gui_stream {
	uint8_t in[GUI_MSG_MAX];
	size_t have;
};

/* Bytes to read before the message being assembled is whole (> 0), 0 when
 * it is whole, -1 when its header is malformed (*why). */
long gui_stream_want(const struct gui_stream *s, const char **why);
/* The whole message (gui_stream_want() said 0) into BUF of CAP bytes
 * (>= GUI_MSG_MAX): its length, and the stream starts the next one. */
size_t gui_stream_take(struct gui_stream *s, uint8_t *buf, size_t cap);

/* Grant reference I (< ngrants) of a decoded BUFFER message. */
uint32_t gui_grant(const struct gui_msg *msg, uint32_t i);

/* Whether UNTRUSTED (LEN bytes, as read from the domain's xenstore tree)
 * is a vchan offer's id (gui/transport.h): 1..GUI_OFFER_MAX lowercase hex
 * digits, nothing else. */
bool gui_offer_is_valid(const char *untrusted, size_t len);

/* Turns UNTRUSTED (LEN bytes, UTF-8 or not) into printable ASCII in OUT
 * (CAP bytes, NUL-terminated): each character that is not printable ASCII,
 * and each byte of a broken sequence, becomes one '?'; cut to CAP - 1. */
void gui_sanitize_title(const uint8_t *untrusted, size_t len, char *out, size_t cap);

/*
 * Encoders: write one message into BUF (CAP bytes) and return its length,
 * 0 if it does not fit.  gui_encode() takes every type but TITLE and
 * BUFFER, with MSG's fields as decoded.
 */
size_t gui_encode(const struct gui_msg *msg, uint8_t *buf, size_t cap);
size_t gui_encode_title(uint32_t window, const char *title, size_t len, uint8_t *buf,
			size_t cap);
/* COMMAND must be 1 .. GUI_COMMAND_MAX bytes of printable ASCII. */
size_t gui_encode_run(const char *command, uint8_t *buf, size_t cap);
/* EXITED: STATUS 1 .. GUI_EXIT_STATUS_MAX, COMMAND as for RUN. */
size_t gui_encode_exited(uint32_t status, const char *command, uint8_t *buf, size_t cap);
/* CLIP_DATA (WINDOW 0, STATUS, DATA only with GUI_CLIP_TEXT) or
 * CLIP_PASTE (STATUS unused); LEN at most GUI_CLIPBOARD_MAX. */
size_t gui_encode_clip(enum gui_type type, uint32_t window, uint32_t status, const void *data,
		       size_t len, uint8_t *buf, size_t cap);
/* INPUT_DEVICE: ID, KIND, NAME (LEN bytes, at most GUI_INPUT_NAME_MAX;
 * none when gone); INPUT_EVENTS: ID, COUNT events (1..GUI_INPUT_BATCH_MAX),
 * each as gui_decode() takes it.  0 when they would not decode. */
size_t gui_encode_input_device(uint32_t id, enum gui_input_kind kind, const char *name,
			       size_t len, uint8_t *buf, size_t cap);
size_t gui_encode_input_events(uint32_t id, const struct gui_input_event *ev, uint32_t count,
			       uint8_t *buf, size_t cap);
size_t gui_encode_buffer(uint32_t window, uint32_t width, uint32_t height, uint32_t stride,
			 const uint32_t *grants, uint32_t ngrants, uint8_t *buf, size_t cap);

const char *gui_type_name(enum gui_type type);

#endif
