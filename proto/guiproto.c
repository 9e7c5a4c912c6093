#include "proto/guiproto.h"

#include <linux/input-event-codes.h>
#include <string.h>

#include "lib/bytes.h"

_Static_assert(GUI_HEADER_SIZE + 4 + GUI_CLIPBOARD_MAX <= GUI_MSG_MAX,
	       "a whole clipboard fits in one message");

static long fail(const char **why, const char *text)
{
	*why = text;
	return -1;
}

static bool sent_by_client(uint32_t type)
{
	return type >= GUI_HELLO && type <= GUI_INPUT_EVENTS;
}

static bool sent_by_dom0(uint32_t type)
{
	return type >= GUI_WELCOME && type <= GUI_CLIP_PASTE;
}

long gui_msg_length(const uint8_t *untrusted_hdr, const char **why)
{
	uint32_t untrusted_type = get_u32(untrusted_hdr);
	uint32_t untrusted_len = get_u32(untrusted_hdr + 8);

	if (!sent_by_client(untrusted_type) && !sent_by_dom0(untrusted_type))
		return fail(why, "unknown message type");
	if (untrusted_len > GUI_MSG_MAX - GUI_HEADER_SIZE)
		return fail(why, "message longer than GUI_MSG_MAX");
	return GUI_HEADER_SIZE + (long)untrusted_len;
}

/* The payload length each type must have; -1: variable (checked apart). */
static long fixed_payload(enum gui_type type)
{
	switch (type) {
	case GUI_HELLO:
	case GUI_CREATE:
	case GUI_CONFIGURE:
	case GUI_KEY:
	case GUI_MOTION:
	case GUI_BUTTON:
	case GUI_AXIS:
		return 8;
	case GUI_WELCOME:
		return 12;
	case GUI_DAMAGE:
		return 16;
	case GUI_POPUP:
		return 20;
	case GUI_FOCUS:
		return 4;
	case GUI_DESTROY:
	case GUI_CLOSE:
	case GUI_MAPPED:
	case GUI_CLIP_ASK:
		return 0;
	case GUI_TITLE:
	case GUI_BUFFER:
	case GUI_RUN:
	case GUI_CLIP_DATA:
	case GUI_CLIP_PASTE:
	case GUI_EXITED:
	case GUI_INPUT_DEVICE:
	case GUI_INPUT_EVENTS:
		break;
	}
	return -1;
}

static bool size_ok(uint32_t w, uint32_t h)
{
	return w >= 1 && w <= GUI_WIDTH_MAX && h >= 1 && h <= GUI_HEIGHT_MAX;
}

static long check_buffer(const uint8_t *p, size_t plen, struct gui_msg *msg, const char **why)
{
	if (plen < 20)
		return fail(why, "BUFFER shorter than its fields");
	uint32_t untrusted_w = get_u32(p), untrusted_h = get_u32(p + 4);
	uint32_t untrusted_stride = get_u32(p + 8), untrusted_format = get_u32(p + 12);
	uint32_t untrusted_ngrants = get_u32(p + 16);

	if (!size_ok(untrusted_w, untrusted_h))
		return fail(why, "BUFFER size outside 1..GUI_WIDTH_MAX x 1..GUI_HEIGHT_MAX");
	if (untrusted_format != GUI_FORMAT_XRGB8888)
		return fail(why, "BUFFER format is not XRGB8888");
	if (untrusted_stride % 4 || untrusted_stride < untrusted_w * 4 ||
	    untrusted_stride > GUI_STRIDE_MAX)
		return fail(why, "BUFFER stride not a multiple of 4 in width*4..GUI_STRIDE_MAX");
	uint64_t bytes = (uint64_t)untrusted_stride * untrusted_h;
	if (bytes > GUI_BUFFER_MAX)
		return fail(why, "BUFFER larger than GUI_BUFFER_MAX");
	uint64_t pages = (bytes + GUI_PAGE_SIZE - 1) / GUI_PAGE_SIZE;
	if (untrusted_ngrants != 0 && untrusted_ngrants != pages)
		return fail(why, "BUFFER grant count is not the pages of stride*height");
	if (plen != 20 + 4 * (size_t)untrusted_ngrants)
		return fail(why, "BUFFER length does not match its grant count");
	msg->u.buffer.width = untrusted_w;
	msg->u.buffer.height = untrusted_h;
	msg->u.buffer.stride = untrusted_stride;
	msg->u.buffer.format = untrusted_format;
	msg->u.buffer.ngrants = untrusted_ngrants;
	msg->u.buffer.grants = p + 20;
	return 0;
}

/* RUN's command, and EXITED's: into OUT (GUI_COMMAND_MAX + 1 bytes). */
static long check_command(const uint8_t *p, size_t plen, char *out, const char **why)
{
	if (plen < 1 || plen > GUI_COMMAND_MAX)
		return fail(why, "command not 1 to GUI_COMMAND_MAX bytes");
	for (size_t i = 0; i < plen; i++)
		if (p[i] < 0x20 || p[i] > 0x7e)
			return fail(why, "command not printable ASCII");
	memcpy(out, p, plen);
	out[plen] = '\0';
	return 0;
}

static long check_exited(const uint8_t *p, size_t plen, struct gui_msg *msg, const char **why)
{
	if (plen < 4)
		return fail(why, "EXITED shorter than its status");
	uint32_t untrusted_status = get_u32(p);
	if (untrusted_status < 1 || untrusted_status > GUI_EXIT_STATUS_MAX ||
	    untrusted_status == GUI_EXIT_SIGNAL)
		return fail(why, "EXITED status not 1..255 or 257..GUI_EXIT_STATUS_MAX");
	msg->u.exited.status = untrusted_status;
	return check_command(p + 4, plen - 4, msg->u.exited.command, why);
}

static long check_damage(const uint8_t *p, struct gui_msg *msg, const char **why)
{
	uint32_t untrusted_x = get_u32(p), untrusted_y = get_u32(p + 4);
	uint32_t untrusted_w = get_u32(p + 8), untrusted_h = get_u32(p + 12);

	if (!size_ok(untrusted_w, untrusted_h) || untrusted_x >= GUI_WIDTH_MAX ||
	    untrusted_y >= GUI_HEIGHT_MAX || untrusted_x + untrusted_w > GUI_WIDTH_MAX ||
	    untrusted_y + untrusted_h > GUI_HEIGHT_MAX)
		return fail(why, "DAMAGE rectangle empty or beyond the largest window");
	msg->u.rect.x = untrusted_x;
	msg->u.rect.y = untrusted_y;
	msg->u.rect.width = untrusted_w;
	msg->u.rect.height = untrusted_h;
	return 0;
}

static bool version_ok(uint32_t v)
{
	return v >= GUI_VERSION_MIN && v <= GUI_VERSION;
}

static long check_popup(const uint8_t *p, struct gui_msg *msg, const char **why)
{
	uint32_t untrusted_parent = get_u32(p);
	int32_t untrusted_x = (int32_t)get_u32(p + 4), untrusted_y = (int32_t)get_u32(p + 8);
	uint32_t untrusted_w = get_u32(p + 12), untrusted_h = get_u32(p + 16);

	if (untrusted_parent == 0 || untrusted_parent == msg->window)
		return fail(why, "POPUP whose parent is window 0 or itself");
	if (untrusted_x < -GUI_WIDTH_MAX || untrusted_x > GUI_WIDTH_MAX ||
	    untrusted_y < -GUI_HEIGHT_MAX || untrusted_y > GUI_HEIGHT_MAX)
		return fail(why, "POPUP position beyond +-GUI_WIDTH_MAX, +-GUI_HEIGHT_MAX");
	if (!size_ok(untrusted_w, untrusted_h))
		return fail(why, "POPUP size outside 1..GUI_WIDTH_MAX x 1..GUI_HEIGHT_MAX");
	msg->u.popup.parent = untrusted_parent;
	msg->u.popup.x = untrusted_x;
	msg->u.popup.y = untrusted_y;
	msg->u.popup.width = untrusted_w;
	msg->u.popup.height = untrusted_h;
	return 0;
}

/* Fields of the fixed-size types; P holds exactly their payload. */
static long check_fixed(const uint8_t *p, struct gui_msg *msg, const char **why)
{
	uint32_t untrusted_a = 0, untrusted_b = 0;

	if (fixed_payload(msg->type) >= 4)
		untrusted_a = get_u32(p);
	if (fixed_payload(msg->type) >= 8)
		untrusted_b = get_u32(p + 4);
	switch (msg->type) {
	case GUI_HELLO:
		if (!version_ok(untrusted_a) || untrusted_b != 0)
			return fail(why, "HELLO with a protocol version outside "
					 "GUI_VERSION_MIN..GUI_VERSION");
		msg->u.hello.version = untrusted_a;
		return 0;
	case GUI_WELCOME:
		if (!version_ok(untrusted_a) || !size_ok(untrusted_b, get_u32(p + 8)))
			return fail(why, "WELCOME with another version or bad maxima");
		msg->u.welcome.version = untrusted_a;
		msg->u.welcome.max_width = untrusted_b;
		msg->u.welcome.max_height = get_u32(p + 8);
		return 0;
	case GUI_CREATE:
	case GUI_CONFIGURE:
		if (!size_ok(untrusted_a, untrusted_b))
			return fail(why, "window size outside 1..GUI_WIDTH_MAX x 1..GUI_HEIGHT_MAX");
		msg->u.size.width = untrusted_a;
		msg->u.size.height = untrusted_b;
		return 0;
	case GUI_DAMAGE:
		return check_damage(p, msg, why);
	case GUI_POPUP:
		return check_popup(p, msg, why);
	case GUI_FOCUS:
		if (untrusted_a > 1)
			return fail(why, "FOCUS neither 0 nor 1");
		msg->u.focus.focused = untrusted_a;
		return 0;
	case GUI_KEY:
		if (untrusted_a > KEY_MAX || untrusted_b > 2)
			return fail(why, "KEY code beyond KEY_MAX or value not 0..2");
		msg->u.input.code = untrusted_a;
		msg->u.input.value = untrusted_b;
		return 0;
	case GUI_BUTTON:
		if (untrusted_a < BTN_MISC || untrusted_a > BTN_GEAR_UP || untrusted_b > 1)
			return fail(why, "BUTTON code not a button or value not 0..1");
		msg->u.input.code = untrusted_a;
		msg->u.input.value = untrusted_b;
		return 0;
	case GUI_MOTION:
		if (untrusted_a >= GUI_WIDTH_MAX || untrusted_b >= GUI_HEIGHT_MAX)
			return fail(why, "MOTION outside the largest window");
		msg->u.motion.x = (int32_t)untrusted_a;
		msg->u.motion.y = (int32_t)untrusted_b;
		return 0;
	case GUI_AXIS:
		if (untrusted_a > 1 || (int32_t)untrusted_b == 0 ||
		    (int32_t)untrusted_b < -GUI_AXIS_MAX || (int32_t)untrusted_b > GUI_AXIS_MAX)
			return fail(why, "AXIS not 0 or 1, or its steps 0 or beyond GUI_AXIS_MAX");
		msg->u.axis.axis = untrusted_a;
		msg->u.axis.steps = (int32_t)untrusted_b;
		return 0;
	case GUI_DESTROY:
	case GUI_CLOSE:
	case GUI_MAPPED:
	case GUI_TITLE:
	case GUI_BUFFER:
	case GUI_RUN:
	case GUI_CLIP_ASK:
	case GUI_CLIP_DATA:
	case GUI_CLIP_PASTE:
	case GUI_EXITED:
	case GUI_INPUT_DEVICE:
	case GUI_INPUT_EVENTS:
		break;
	}
	return 0;
}

static long check_input_device(const uint8_t *p, size_t plen, struct gui_msg *msg,
			       const char **why)
{
	if (plen < 8)
		return fail(why, "INPUT_DEVICE shorter than its id and kind");
	uint32_t untrusted_id = get_u32(p), untrusted_kind = get_u32(p + 4);
	if (untrusted_id < 1 || untrusted_id > GUI_INPUT_DEVICES_MAX)
		return fail(why, "INPUT_DEVICE id not 1..GUI_INPUT_DEVICES_MAX");
	if (untrusted_kind > GUI_INPUT_POINTER)
		return fail(why, "INPUT_DEVICE kind not gone, keyboard or pointer");
	if (plen - 8 > GUI_INPUT_NAME_MAX || (untrusted_kind == GUI_INPUT_GONE && plen != 8))
		return fail(why, "INPUT_DEVICE name longer than GUI_INPUT_NAME_MAX, or one that "
			    "is gone has a name");
	msg->u.input_device.id = untrusted_id;
	msg->u.input_device.kind = untrusted_kind;
	gui_sanitize_title(p + 8, plen - 8, msg->u.input_device.name,
			   sizeof(msg->u.input_device.name));
	return 0;
}

bool gui_input_event_ok(uint16_t type, uint16_t code, int32_t value)
{
	switch (type) {
	case EV_SYN:
		return code == SYN_REPORT && value == 0;
	case EV_KEY:
		return code >= 1 && code <= KEY_MAX && value >= 0 && value <= 2;
	case EV_REL:
		return (code == REL_X || code == REL_Y || code == REL_HWHEEL || code == REL_WHEEL) &&
		       value != 0 && value >= -GUI_INPUT_REL_MAX && value <= GUI_INPUT_REL_MAX;
	default:
		return false;
	}
}

static long check_input_events(const uint8_t *p, size_t plen, struct gui_msg *msg,
			       const char **why)
{
	if (plen < 8)
		return fail(why, "INPUT_EVENTS shorter than its id and count");
	uint32_t untrusted_id = get_u32(p), untrusted_count = get_u32(p + 4);
	if (untrusted_id < 1 || untrusted_id > GUI_INPUT_DEVICES_MAX)
		return fail(why, "INPUT_EVENTS id not 1..GUI_INPUT_DEVICES_MAX");
	if (untrusted_count < 1 || untrusted_count > GUI_INPUT_BATCH_MAX ||
	    plen != 8 + 8 * (size_t)untrusted_count)
		return fail(why, "INPUT_EVENTS count not 1..GUI_INPUT_BATCH_MAX, or not its length");
	for (uint32_t i = 0; i < untrusted_count; i++) {
		const uint8_t *e = p + 8 + 8 * (size_t)i;
		uint16_t type = get_u16(e), code = get_u16(e + 2);
		int32_t value = (int32_t)get_u32(e + 4);
		if (!gui_input_event_ok(type, code, value))
			return fail(why, "INPUT_EVENTS with an event out of its bounds (a type, "
				    "code or value a USB domain's keyboard or pointer may not send)");
		msg->u.input_events.ev[i] = (struct gui_input_event){ type, code, value };
	}
	msg->u.input_events.id = untrusted_id;
	msg->u.input_events.count = untrusted_count;
	return 0;
}

/* CLIP_DATA: a status, and the bytes only with GUI_CLIP_TEXT; CLIP_PASTE:
 * the bytes.  Either at most GUI_CLIPBOARD_MAX. */
static long check_clip(const uint8_t *p, size_t plen, struct gui_msg *msg, const char **why)
{
	if (msg->type == GUI_CLIP_DATA) {
		if (plen < 4)
			return fail(why, "CLIP_DATA shorter than its status");
		uint32_t untrusted_status = get_u32(p);
		if (untrusted_status > GUI_CLIP_TOO_LARGE)
			return fail(why, "CLIP_DATA status not 0..2");
		if (untrusted_status != GUI_CLIP_TEXT && plen != 4)
			return fail(why, "CLIP_DATA with bytes but no text status");
		msg->u.clip.status = untrusted_status;
		p += 4;
		plen -= 4;
	}
	if (plen > GUI_CLIPBOARD_MAX)
		return fail(why, "clipboard bytes beyond GUI_CLIPBOARD_MAX");
	msg->u.clip.data = p;
	msg->u.clip.len = (uint32_t)plen;
	return 0;
}

long gui_decode(const uint8_t *untrusted_buf, size_t len, enum gui_sender sender,
		struct gui_msg *msg, const char **why)
{
	if (len < GUI_HEADER_SIZE)
		return 0;
	long total = gui_msg_length(untrusted_buf, why);
	if (total < 0)
		return -1;
	if (len < (size_t)total)
		return 0;

	uint32_t untrusted_type = get_u32(untrusted_buf);
	uint32_t untrusted_window = get_u32(untrusted_buf + 4);
	const uint8_t *p = untrusted_buf + GUI_HEADER_SIZE;
	size_t plen = (size_t)total - GUI_HEADER_SIZE;

	if (sender == GUI_FROM_CLIENT ? !sent_by_client(untrusted_type) :
					!sent_by_dom0(untrusted_type))
		return fail(why, "message type the other side may not send");
	memset(msg, 0, sizeof(*msg));
	msg->type = (enum gui_type)untrusted_type;
	bool global = msg->type == GUI_HELLO || msg->type == GUI_WELCOME || msg->type == GUI_RUN ||
		      msg->type == GUI_CLIP_DATA || msg->type == GUI_EXITED ||
		      msg->type == GUI_INPUT_DEVICE || msg->type == GUI_INPUT_EVENTS;
	if (global != (untrusted_window == 0))
		return fail(why, "window 0 is for HELLO, WELCOME, RUN, CLIP_DATA, EXITED and INPUT_* "
				 "only, and they need it");
	msg->window = untrusted_window;

	long want = fixed_payload(msg->type);
	if (want >= 0 && plen != (size_t)want)
		return fail(why, "payload length wrong for the message type");
	long rc;
	if (msg->type == GUI_TITLE) {
		if (plen > GUI_TITLE_MAX)
			return fail(why, "TITLE longer than GUI_TITLE_MAX");
		gui_sanitize_title(p, plen, msg->u.title.text, sizeof(msg->u.title.text));
		rc = 0;
	} else if (msg->type == GUI_BUFFER) {
		rc = check_buffer(p, plen, msg, why);
	} else if (msg->type == GUI_RUN) {
		rc = check_command(p, plen, msg->u.run.command, why);
	} else if (msg->type == GUI_EXITED) {
		rc = check_exited(p, plen, msg, why);
	} else if (msg->type == GUI_INPUT_DEVICE) {
		rc = check_input_device(p, plen, msg, why);
	} else if (msg->type == GUI_INPUT_EVENTS) {
		rc = check_input_events(p, plen, msg, why);
	} else if (msg->type == GUI_CLIP_DATA || msg->type == GUI_CLIP_PASTE) {
		rc = check_clip(p, plen, msg, why);
	} else {
		rc = check_fixed(p, msg, why);
	}
	return rc < 0 ? -1 : total;
}

long gui_stream_want(const struct gui_stream *s, const char **why)
{
	if (s->have < GUI_HEADER_SIZE)
		return (long)(GUI_HEADER_SIZE - s->have);
	long total = gui_msg_length(s->in, why);
	if (total < 0)
		return -1;
	return total - (long)s->have;
}

size_t gui_stream_take(struct gui_stream *s, uint8_t *buf, size_t cap)
{
	size_t n = s->have <= cap ? s->have : cap;

	memcpy(buf, s->in, n);
	s->have = 0;
	return n;
}

uint32_t gui_grant(const struct gui_msg *msg, uint32_t i)
{
	return get_u32(msg->u.buffer.grants + 4 * (size_t)i);
}

/* Length of the UTF-8 sequence led by byte C, 0 for a byte that cannot
 * lead one. */
static size_t utf8_seq_len(uint8_t c)
{
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef)
		return 3;
	if (c >= 0xf0 && c <= 0xf4)
		return 4;
	return 0;
}

bool gui_offer_is_valid(const char *untrusted, size_t len)
{
	if (len < 1 || len > GUI_OFFER_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((untrusted[i] >= '0' && untrusted[i] <= '9') ||
		      (untrusted[i] >= 'a' && untrusted[i] <= 'f')))
			return false;
	return true;
}

void gui_sanitize_title(const uint8_t *untrusted, size_t len, char *out, size_t cap)
{
	size_t o = 0;

	if (cap == 0)
		return;
	for (size_t i = 0; i < len && o + 1 < cap;) {
		uint8_t c = untrusted[i];
		size_t n = utf8_seq_len(c), k = 1;
		/* A whole well-formed sequence is one character; a broken one
		 * is replaced byte by byte, as a decoder that resyncs would. */
		while (n > 1 && k < n && i + k < len && (untrusted[i + k] & 0xc0) == 0x80)
			k++;
		if (n > 1 && k != n)
			k = 1;
		out[o++] = (n == 1 && c >= 0x20 && c < 0x7f) ? (char)c : '?';
		i += k;
	}
	out[o] = '\0';
}

static size_t put_header(uint8_t *buf, size_t cap, enum gui_type type, uint32_t window,
			 size_t payload)
{
	size_t len = GUI_HEADER_SIZE + payload;
	if (len > cap || len > GUI_MSG_MAX)
		return 0;
	put_u32(buf, (uint32_t)type);
	put_u32(buf + 4, window);
	put_u32(buf + 8, (uint32_t)payload);
	return len;
}

size_t gui_encode(const struct gui_msg *msg, uint8_t *buf, size_t cap)
{
	long plen = fixed_payload(msg->type);
	if (plen < 0)
		return 0;
	size_t len = put_header(buf, cap, msg->type, msg->window, (size_t)plen);
	if (len == 0)
		return 0;
	uint8_t *p = buf + GUI_HEADER_SIZE;
	switch (msg->type) {
	case GUI_HELLO:
		put_u32(p, msg->u.hello.version);
		put_u32(p + 4, 0);
		break;
	case GUI_WELCOME:
		put_u32(p, msg->u.welcome.version);
		put_u32(p + 4, msg->u.welcome.max_width);
		put_u32(p + 8, msg->u.welcome.max_height);
		break;
	case GUI_CREATE:
	case GUI_CONFIGURE:
		put_u32(p, msg->u.size.width);
		put_u32(p + 4, msg->u.size.height);
		break;
	case GUI_DAMAGE:
		put_u32(p, msg->u.rect.x);
		put_u32(p + 4, msg->u.rect.y);
		put_u32(p + 8, msg->u.rect.width);
		put_u32(p + 12, msg->u.rect.height);
		break;
	case GUI_POPUP:
		put_u32(p, msg->u.popup.parent);
		put_u32(p + 4, (uint32_t)msg->u.popup.x);
		put_u32(p + 8, (uint32_t)msg->u.popup.y);
		put_u32(p + 12, msg->u.popup.width);
		put_u32(p + 16, msg->u.popup.height);
		break;
	case GUI_FOCUS:
		put_u32(p, msg->u.focus.focused);
		break;
	case GUI_KEY:
	case GUI_BUTTON:
		put_u32(p, msg->u.input.code);
		put_u32(p + 4, msg->u.input.value);
		break;
	case GUI_MOTION:
		put_u32(p, (uint32_t)msg->u.motion.x);
		put_u32(p + 4, (uint32_t)msg->u.motion.y);
		break;
	case GUI_AXIS:
		put_u32(p, msg->u.axis.axis);
		put_u32(p + 4, (uint32_t)msg->u.axis.steps);
		break;
	case GUI_DESTROY:
	case GUI_CLOSE:
	case GUI_MAPPED:
	case GUI_TITLE:
	case GUI_BUFFER:
	case GUI_RUN:
	case GUI_CLIP_ASK:
	case GUI_CLIP_DATA:
	case GUI_CLIP_PASTE:
	case GUI_EXITED:
	case GUI_INPUT_DEVICE:
	case GUI_INPUT_EVENTS:
		break;
	}
	return len;
}

size_t gui_encode_title(uint32_t window, const char *title, size_t len, uint8_t *buf,
			size_t cap)
{
	if (len > GUI_TITLE_MAX)
		len = GUI_TITLE_MAX;
	size_t total = put_header(buf, cap, GUI_TITLE, window, len);
	if (total)
		memcpy(buf + GUI_HEADER_SIZE, title, len);
	return total;
}

size_t gui_encode_run(const char *command, uint8_t *buf, size_t cap)
{
	size_t len = strlen(command);
	if (len < 1 || len > GUI_COMMAND_MAX)
		return 0;
	size_t total = put_header(buf, cap, GUI_RUN, 0, len);
	if (total)
		memcpy(buf + GUI_HEADER_SIZE, command, len);
	return total;
}

size_t gui_encode_exited(uint32_t status, const char *command, uint8_t *buf, size_t cap)
{
	size_t len = strlen(command);
	if (status < 1 || status > GUI_EXIT_STATUS_MAX || status == GUI_EXIT_SIGNAL || len < 1 ||
	    len > GUI_COMMAND_MAX)
		return 0;
	size_t total = put_header(buf, cap, GUI_EXITED, 0, 4 + len);
	if (total) {
		put_u32(buf + GUI_HEADER_SIZE, status);
		memcpy(buf + GUI_HEADER_SIZE + 4, command, len);
	}
	return total;
}

size_t gui_encode_input_device(uint32_t id, enum gui_input_kind kind, const char *name,
			       size_t len, uint8_t *buf, size_t cap)
{
	if (id < 1 || id > GUI_INPUT_DEVICES_MAX || kind > GUI_INPUT_POINTER ||
	    len > GUI_INPUT_NAME_MAX || (kind == GUI_INPUT_GONE && len))
		return 0;
	size_t total = put_header(buf, cap, GUI_INPUT_DEVICE, 0, 8 + len);
	if (total) {
		put_u32(buf + GUI_HEADER_SIZE, id);
		put_u32(buf + GUI_HEADER_SIZE + 4, kind);
		memcpy(buf + GUI_HEADER_SIZE + 8, name, len);
	}
	return total;
}

size_t gui_encode_input_events(uint32_t id, const struct gui_input_event *ev, uint32_t count,
			       uint8_t *buf, size_t cap)
{
	if (id < 1 || id > GUI_INPUT_DEVICES_MAX || count < 1 || count > GUI_INPUT_BATCH_MAX)
		return 0;
	for (uint32_t i = 0; i < count; i++)
		if (!gui_input_event_ok(ev[i].type, ev[i].code, ev[i].value))
			return 0;
	size_t total = put_header(buf, cap, GUI_INPUT_EVENTS, 0, 8 + 8 * (size_t)count);
	if (!total)
		return 0;
	uint8_t *p = buf + GUI_HEADER_SIZE;
	put_u32(p, id);
	put_u32(p + 4, count);
	for (uint32_t i = 0; i < count; i++) {
		put_u16(p + 8 + 8 * (size_t)i, ev[i].type);
		put_u16(p + 10 + 8 * (size_t)i, ev[i].code);
		put_u32(p + 12 + 8 * (size_t)i, (uint32_t)ev[i].value);
	}
	return total;
}

size_t gui_encode_clip(enum gui_type type, uint32_t window, uint32_t status, const void *data,
		       size_t len, uint8_t *buf, size_t cap)
{
	size_t head = type == GUI_CLIP_DATA ? 4 : 0;
	if ((type != GUI_CLIP_DATA && type != GUI_CLIP_PASTE) || len > GUI_CLIPBOARD_MAX ||
	    (type == GUI_CLIP_DATA && (window != 0 || (status != GUI_CLIP_TEXT && len))))
		return 0;
	size_t total = put_header(buf, cap, type, window, head + len);
	if (total == 0)
		return 0;
	if (head)
		put_u32(buf + GUI_HEADER_SIZE, status);
	if (len)
		memcpy(buf + GUI_HEADER_SIZE + head, data, len);
	return total;
}

size_t gui_encode_buffer(uint32_t window, uint32_t width, uint32_t height, uint32_t stride,
			 const uint32_t *grants, uint32_t ngrants, uint8_t *buf, size_t cap)
{
	if (ngrants > GUI_GRANTS_MAX)
		return 0;
	size_t total = put_header(buf, cap, GUI_BUFFER, window, 20 + 4 * (size_t)ngrants);
	if (total == 0)
		return 0;
	uint8_t *p = buf + GUI_HEADER_SIZE;
	put_u32(p, width);
	put_u32(p + 4, height);
	put_u32(p + 8, stride);
	put_u32(p + 12, GUI_FORMAT_XRGB8888);
	put_u32(p + 16, ngrants);
	for (uint32_t i = 0; i < ngrants; i++)
		put_u32(p + 20 + 4 * (size_t)i, grants[i]);
	return total;
}

const char *gui_type_name(enum gui_type type)
{
	static const char *const client[] = { "?", "HELLO", "CREATE", "TITLE", "BUFFER",
					      "DAMAGE", "DESTROY", "POPUP", "CLIP_DATA", "EXITED",
					      "INPUT_DEVICE", "INPUT_EVENTS" };
	static const char *const dom0[] = { "?", "WELCOME", "CONFIGURE", "FOCUS", "KEY",
					    "MOTION", "BUTTON", "CLOSE", "RUN", "MAPPED", "AXIS",
					    "CLIP_ASK", "CLIP_PASTE" };
	if (sent_by_client(type))
		return client[type];
	if (sent_by_dom0(type))
		return dom0[type - 0x80];
	return "unknown";
}
