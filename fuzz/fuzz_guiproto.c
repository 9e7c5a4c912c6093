/* libFuzzer target: the GUI protocol's decoder, on any bytes, as a stream
 * of messages from a domain (the hostile side) and from dom0.  What it
 * accepts must be usable without further checks: sizes in range, titles
 * printable, grant lists inside the input, a USB domain's input events
 * within their bounds, and encoding it again must give
 * a message that decodes to the same thing. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/input-event-codes.h>
#include <string.h>

#include "proto/guiproto.h"

static uint8_t again[GUI_MSG_MAX];

static void check_title(const struct gui_msg *m)
{
	size_t n = strnlen(m->u.title.text, sizeof(m->u.title.text));
	if (n > GUI_TITLE_MAX)
		__builtin_trap();
	for (size_t i = 0; i < n; i++)
		if (m->u.title.text[i] < 0x20 || m->u.title.text[i] > 0x7e)
			__builtin_trap();
}

/* A USB domain's device: its id in range, a kind, a name printable (none
 * when it went). */
static void check_input_device(const struct gui_msg *m)
{
	const char *name = m->u.input_device.name;
	size_t n = strnlen(name, sizeof(m->u.input_device.name));
	if (m->u.input_device.id < 1 || m->u.input_device.id > GUI_INPUT_DEVICES_MAX ||
	    m->u.input_device.kind > GUI_INPUT_POINTER || n > GUI_INPUT_NAME_MAX ||
	    (m->u.input_device.kind == GUI_INPUT_GONE && n))
		__builtin_trap();
	for (size_t i = 0; i < n; i++)
		if (name[i] < 0x20 || name[i] > 0x7e)
			__builtin_trap();
}

/* Its events: each one dom0's input sink may take as it is. */
static void check_input_events(const struct gui_msg *m)
{
	if (m->u.input_events.id < 1 || m->u.input_events.id > GUI_INPUT_DEVICES_MAX ||
	    m->u.input_events.count < 1 || m->u.input_events.count > GUI_INPUT_BATCH_MAX)
		__builtin_trap();
	for (uint32_t i = 0; i < m->u.input_events.count; i++) {
		const struct gui_input_event *e = &m->u.input_events.ev[i];
		bool ok = (e->type == EV_SYN && e->code == SYN_REPORT && e->value == 0) ||
			  (e->type == EV_KEY && e->code >= 1 && e->code <= KEY_MAX &&
			   e->value >= 0 && e->value <= 2) ||
			  (e->type == EV_REL &&
			   (e->code == REL_X || e->code == REL_Y || e->code == REL_WHEEL ||
			    e->code == REL_HWHEEL) &&
			   e->value != 0 && e->value >= -GUI_INPUT_REL_MAX &&
			   e->value <= GUI_INPUT_REL_MAX);
		if (!ok)
			__builtin_trap();
	}
}

static void check_roundtrip(const struct gui_msg *m, enum gui_sender from)
{
	struct gui_msg m2;
	const char *why;
	size_t len;

	if (m->type == GUI_TITLE)
		len = gui_encode_title(m->window, m->u.title.text, strlen(m->u.title.text), again,
				       sizeof(again));
	else if (m->type == GUI_RUN)
		len = gui_encode_run(m->u.run.command, again, sizeof(again));
	else if (m->type == GUI_EXITED)
		len = gui_encode_exited(m->u.exited.status, m->u.exited.command, again,
					sizeof(again));
	else if (m->type == GUI_BUFFER)
		return;
	else if (m->type == GUI_INPUT_DEVICE)
		len = gui_encode_input_device(m->u.input_device.id, m->u.input_device.kind,
					      m->u.input_device.name,
					      strlen(m->u.input_device.name), again, sizeof(again));
	else if (m->type == GUI_INPUT_EVENTS)
		len = gui_encode_input_events(m->u.input_events.id, m->u.input_events.ev,
					      m->u.input_events.count, again, sizeof(again));
	else if (m->type == GUI_CLIP_DATA || m->type == GUI_CLIP_PASTE)
		len = gui_encode_clip(m->type, m->window, m->u.clip.status, m->u.clip.data,
				      m->u.clip.len, again, sizeof(again));
	else
		len = gui_encode(m, again, sizeof(again));
	if (len == 0 || gui_decode(again, len, from, &m2, &why) != (long)len)
		__builtin_trap();
	bool clip = m->type == GUI_CLIP_DATA || m->type == GUI_CLIP_PASTE;
	if (m->type == GUI_INPUT_DEVICE) {
		if (m->u.input_device.id != m2.u.input_device.id ||
		    m->u.input_device.kind != m2.u.input_device.kind ||
		    strcmp(m->u.input_device.name, m2.u.input_device.name) != 0)
			__builtin_trap();
		return;
	}
	if (m->type == GUI_INPUT_EVENTS) {
		/* (Only the first count events are the message's.) */
		if (m->u.input_events.id != m2.u.input_events.id ||
		    m->u.input_events.count != m2.u.input_events.count ||
		    memcmp(m->u.input_events.ev, m2.u.input_events.ev,
			   m->u.input_events.count * sizeof(m->u.input_events.ev[0])) != 0)
			__builtin_trap();
		return;
	}
	if (m->type == GUI_TITLE ? strcmp(m->u.title.text, m2.u.title.text) != 0 :
	    m->type == GUI_RUN	 ? strcmp(m->u.run.command, m2.u.run.command) != 0 :
	    m->type == GUI_EXITED ? m->u.exited.status != m2.u.exited.status ||
					   strcmp(m->u.exited.command, m2.u.exited.command) != 0 :
	    clip ? m->u.clip.status != m2.u.clip.status || m->u.clip.len != m2.u.clip.len ||
			   (m->u.clip.len && memcmp(m->u.clip.data, m2.u.clip.data, m->u.clip.len)) :
		   memcmp(&m->u, &m2.u, sizeof(m->u)) != 0)
		__builtin_trap();
}

static void check(const struct gui_msg *m, const uint8_t *start, long n, enum gui_sender from)
{
	switch (m->type) {
	case GUI_TITLE:
		check_title(m);
		break;
	case GUI_BUFFER:
		if ((uint64_t)m->u.buffer.stride * m->u.buffer.height > GUI_BUFFER_MAX ||
		    m->u.buffer.stride < m->u.buffer.width * 4 ||
		    m->u.buffer.grants + 4 * (size_t)m->u.buffer.ngrants > start + n)
			__builtin_trap();
		for (uint32_t i = 0; i < m->u.buffer.ngrants; i++)
			(void)gui_grant(m, i);
		break;
	case GUI_CLIP_DATA:
	case GUI_CLIP_PASTE:
		if (m->u.clip.len > GUI_CLIPBOARD_MAX || m->u.clip.data + m->u.clip.len > start + n ||
		    m->u.clip.status > GUI_CLIP_TOO_LARGE ||
		    (m->u.clip.status != GUI_CLIP_TEXT && m->u.clip.len))
			__builtin_trap();
		break;
	case GUI_EXITED:
		if (m->u.exited.status < 1 || m->u.exited.status > GUI_EXIT_STATUS_MAX ||
		    m->u.exited.status == GUI_EXIT_SIGNAL || !m->u.exited.command[0])
			__builtin_trap();
		for (const char *c = m->u.exited.command; *c; c++)
			if (*c < 0x20 || *c > 0x7e)
				__builtin_trap();
		break;
	case GUI_INPUT_DEVICE:
		check_input_device(m);
		break;
	case GUI_INPUT_EVENTS:
		check_input_events(m);
		break;
	case GUI_DAMAGE:
		if (m->u.rect.x + m->u.rect.width > GUI_WIDTH_MAX ||
		    m->u.rect.y + m->u.rect.height > GUI_HEIGHT_MAX)
			__builtin_trap();
		break;
	default:
		break;
	}
	check_roundtrip(m, from);
}

/* The same bytes as a vchan offer's id: accepted only as hex digits. */
static void check_offer(const uint8_t *data, size_t size)
{
	if (!gui_offer_is_valid((const char *)data, size))
		return;
	if (size > GUI_OFFER_MAX)
		__builtin_trap();
	for (size_t i = 0; i < size; i++)
		if (!strchr("0123456789abcdef", data[i]) || data[i] == 0)
			__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_offer(data, size);
	for (int s = 0; s < 2; s++) {
		enum gui_sender from = s ? GUI_FROM_DOM0 : GUI_FROM_CLIENT;
		size_t off = 0;
		while (off < size) {
			struct gui_msg m;
			const char *why = NULL;
			long n = gui_decode(data + off, size - off, from, &m, &why);
			if (n < 0 && why == NULL)
				__builtin_trap();
			if (n <= 0)
				break;
			check(&m, data + off, n, from);
			off += (size_t)n;
		}
	}
	return 0;
}
