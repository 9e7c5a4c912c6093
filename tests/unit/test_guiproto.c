#include "tests/unit/test_helpers.h"

#include <errno.h>
#include <linux/input-event-codes.h>
#include <sys/mman.h>

#include "proto/guiproto.h"
#include "gui/transport.h"
#include "lib/bytes.h"

static uint8_t buf[GUI_MSG_MAX + 64];

/* A message with TYPE, WINDOW and the u32 fields given. */
static size_t msg(uint32_t type, uint32_t window, int n, ...)
{
	va_list ap;
	put_u32(buf, type);
	put_u32(buf + 4, window);
	put_u32(buf + 8, (uint32_t)(4 * n));
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		put_u32(buf + 12 + 4 * i, va_arg(ap, uint32_t));
	va_end(ap);
	return 12 + 4 * (size_t)n;
}

static const char *refused(size_t len, enum gui_sender from)
{
	struct gui_msg m;
	const char *why = NULL;
	assert_int_equal(gui_decode(buf, len, from, &m, &why), -1);
	assert_non_null(why);
	return why;
}

static void accepts(size_t len, enum gui_sender from, struct gui_msg *m)
{
	const char *why = NULL;
	assert_int_equal(gui_decode(buf, len, from, m, &why), (long)len);
}

static void test_hello_and_welcome(void **state)
{
	struct gui_msg m;
	(void)state;
	accepts(msg(GUI_HELLO, 0, 2, GUI_VERSION, 0), GUI_FROM_CLIENT, &m);
	assert_int_equal(m.type, GUI_HELLO);
	/* Every version from GUI_VERSION_MIN on: a client of version 2 (no
	 * popups) is still spoken to. */
	accepts(msg(GUI_HELLO, 0, 2, GUI_VERSION_MIN, 0), GUI_FROM_CLIENT, &m);
	assert_int_equal(m.u.hello.version, 2);
	assert_string_equal(refused(msg(GUI_HELLO, 0, 2, 1, 0), GUI_FROM_CLIENT),
			    "HELLO with a protocol version outside GUI_VERSION_MIN..GUI_VERSION");
	assert_string_equal(refused(msg(GUI_HELLO, 0, 2, GUI_VERSION + 1, 0), GUI_FROM_CLIENT),
			    "HELLO with a protocol version outside GUI_VERSION_MIN..GUI_VERSION");
	assert_string_equal(refused(msg(GUI_HELLO, 0, 2, GUI_VERSION, 1), GUI_FROM_CLIENT),
			    "HELLO with a protocol version outside GUI_VERSION_MIN..GUI_VERSION");
	assert_string_equal(refused(msg(GUI_WELCOME, 0, 3, 1, 100, 100), GUI_FROM_DOM0),
			    "WELCOME with another version or bad maxima");
	assert_string_equal(refused(msg(GUI_HELLO, 7, 2, GUI_VERSION, 0), GUI_FROM_CLIENT),
			    "window 0 is for HELLO, WELCOME, RUN, CLIP_DATA, EXITED and INPUT_* only, and they need it");
	/* dom0's messages are not a client's, and the other way round. */
	assert_string_equal(refused(msg(GUI_WELCOME, 0, 3, 1, 100, 100), GUI_FROM_CLIENT),
			    "message type the other side may not send");
	assert_string_equal(refused(msg(GUI_CREATE, 1, 2, 10, 10), GUI_FROM_DOM0),
			    "message type the other side may not send");
	accepts(msg(GUI_WELCOME, 0, 3, GUI_VERSION, 1920, 1080), GUI_FROM_DOM0, &m);
	assert_int_equal(m.u.welcome.max_width, 1920);
	assert_int_equal(m.u.welcome.max_height, 1080);
}

static void test_lengths_and_types(void **state)
{
	struct gui_msg m;
	const char *why;
	(void)state;
	/* Not all there yet: a stream reads on. */
	size_t len = msg(GUI_CREATE, 1, 2, 100, 100);
	assert_int_equal(gui_decode(buf, 11, GUI_FROM_CLIENT, &m, &why), 0);
	assert_int_equal(gui_decode(buf, len - 1, GUI_FROM_CLIENT, &m, &why), 0);
	assert_string_equal(refused(msg(99, 1, 0), GUI_FROM_CLIENT), "unknown message type");
	assert_string_equal(refused(msg(GUI_CREATE, 1, 1, 100), GUI_FROM_CLIENT),
			    "payload length wrong for the message type");
	put_u32(buf, GUI_TITLE);
	put_u32(buf + 4, 1);
	put_u32(buf + 8, GUI_MSG_MAX);
	assert_string_equal(refused(GUI_MSG_MAX + 12, GUI_FROM_CLIENT),
			    "message longer than GUI_MSG_MAX");
	put_u32(buf + 8, GUI_TITLE_MAX + 1);
	memset(buf + 12, 'a', GUI_TITLE_MAX + 1);
	assert_string_equal(refused(12 + GUI_TITLE_MAX + 1, GUI_FROM_CLIENT),
			    "TITLE longer than GUI_TITLE_MAX");
}

static void test_sizes(void **state)
{
	struct gui_msg m;
	(void)state;
	accepts(msg(GUI_CREATE, 3, 2, GUI_WIDTH_MAX, GUI_HEIGHT_MAX), GUI_FROM_CLIENT, &m);
	assert_int_equal(m.window, 3);
	refused(msg(GUI_CREATE, 3, 2, GUI_WIDTH_MAX + 1, 10), GUI_FROM_CLIENT);
	refused(msg(GUI_CREATE, 3, 2, 0, 10), GUI_FROM_CLIENT);
	refused(msg(GUI_CONFIGURE, 3, 2, 10, 0xffffffffu), GUI_FROM_DOM0);
	accepts(msg(GUI_DAMAGE, 3, 4, 10, 20, 30, 40), GUI_FROM_CLIENT, &m);
	assert_int_equal(m.u.rect.x + m.u.rect.width, 40);
	/* x + width must not wrap around to look small. */
	refused(msg(GUI_DAMAGE, 3, 4, 0xfffffff0u, 0, 0x20, 1), GUI_FROM_CLIENT);
	refused(msg(GUI_DAMAGE, 3, 4, GUI_WIDTH_MAX - 1, 0, 2, 1), GUI_FROM_CLIENT);
	refused(msg(GUI_DAMAGE, 3, 4, 0, 0, 0, 1), GUI_FROM_CLIENT);
}

static void test_buffer(void **state)
{
	struct gui_msg m;
	uint32_t grants[2] = { 7, 9 };
	(void)state;
	accepts(msg(GUI_BUFFER, 1, 5, 100, 50, 400, GUI_FORMAT_XRGB8888, 0), GUI_FROM_CLIENT, &m);
	assert_int_equal(m.u.buffer.stride, 400);
	assert_string_equal(refused(msg(GUI_BUFFER, 1, 5, 100, 50, 396, GUI_FORMAT_XRGB8888, 0),
				    GUI_FROM_CLIENT),
			    "BUFFER stride not a multiple of 4 in width*4..GUI_STRIDE_MAX");
	assert_string_equal(refused(msg(GUI_BUFFER, 1, 5, 100, 50, 400, 0x34325241, 0),
				    GUI_FROM_CLIENT), "BUFFER format is not XRGB8888");
	/* 8192 x 8192 x 4 is 256 MiB: more than one window may share. */
	assert_string_equal(refused(msg(GUI_BUFFER, 1, 5, 8192, 8192, 32768, GUI_FORMAT_XRGB8888,
					0), GUI_FROM_CLIENT), "BUFFER larger than GUI_BUFFER_MAX");
	/* 100 x 20 x 4 = 8000 bytes: two pages, so two grants or none. */
	size_t len = gui_encode_buffer(1, 100, 20, 400, grants, 2, buf, sizeof(buf));
	accepts(len, GUI_FROM_CLIENT, &m);
	assert_int_equal(m.u.buffer.ngrants, 2);
	assert_int_equal(gui_grant(&m, 1), 9);
	len = gui_encode_buffer(1, 100, 20, 400, grants, 1, buf, sizeof(buf));
	assert_string_equal(refused(len, GUI_FROM_CLIENT),
			    "BUFFER grant count is not the pages of stride*height");
	/* A count that claims more grants than the message holds. */
	len = gui_encode_buffer(1, 100, 20, 400, grants, 2, buf, sizeof(buf));
	put_u32(buf + 8, 20 + 4);
	assert_string_equal(refused(len - 4, GUI_FROM_CLIENT),
			    "BUFFER length does not match its grant count");
}

static void test_input_ranges(void **state)
{
	struct gui_msg m;
	(void)state;
	accepts(msg(GUI_KEY, 1, 2, KEY_A, 1), GUI_FROM_DOM0, &m);
	assert_int_equal(m.u.input.code, KEY_A);
	refused(msg(GUI_KEY, 1, 2, KEY_MAX + 1, 1), GUI_FROM_DOM0);
	refused(msg(GUI_KEY, 1, 2, KEY_A, 3), GUI_FROM_DOM0);
	accepts(msg(GUI_BUTTON, 1, 2, BTN_LEFT, 1), GUI_FROM_DOM0, &m);
	refused(msg(GUI_BUTTON, 1, 2, KEY_A, 1), GUI_FROM_DOM0);
	refused(msg(GUI_FOCUS, 1, 1, 2), GUI_FROM_DOM0);
}

static void test_title_sanitized(void **state)
{
	char out[GUI_TITLE_MAX + 1];
	(void)state;
	/* Controls, an escape sequence, UTF-8 and a broken sequence. */
	static const uint8_t t[] = "ab\x1b[31mc\xc3\xa9\t\xe2\x80\xae!\xff\xc3";
	gui_sanitize_title(t, sizeof(t) - 1, out, sizeof(out));
	assert_string_equal(out, "ab?[31mc??" "?!??");
	gui_sanitize_title((const uint8_t *)"abcdef", 6, out, 4);
	assert_string_equal(out, "abc");
	/* What the decoder hands on is already clean. */
	struct gui_msg m;
	const char *why;
	size_t len = gui_encode_title(5, "x\ny", 3, buf, sizeof(buf));
	assert_int_equal(gui_decode(buf, len, GUI_FROM_CLIENT, &m, &why), (long)len);
	assert_string_equal(m.u.title.text, "x?y");
}

static void test_roundtrip(void **state)
{
	struct gui_msg in = { .type = GUI_MOTION, .window = 4 }, out;
	const char *why;
	(void)state;
	in.u.motion.x = 12;
	in.u.motion.y = 34;
	size_t len = gui_encode(&in, buf, sizeof(buf));
	assert_int_equal(gui_decode(buf, len, GUI_FROM_DOM0, &out, &why), (long)len);
	assert_int_equal(out.u.motion.y, 34);
	assert_int_equal(gui_encode(&in, buf, 10), 0);
	assert_string_equal(gui_type_name(GUI_CONFIGURE), "CONFIGURE");
	assert_string_equal(gui_type_name(GUI_RUN), "RUN");
	/* MAPPED: dom0's, for a window, no payload. */
	in = (struct gui_msg){ .type = GUI_MAPPED, .window = 9 };
	len = gui_encode(&in, buf, sizeof(buf));
	assert_int_equal(len, GUI_HEADER_SIZE);
	assert_int_equal(gui_decode(buf, len, GUI_FROM_DOM0, &out, &why), (long)len);
	assert_int_equal(out.window, 9);
	assert_string_equal(gui_type_name(GUI_MAPPED), "MAPPED");
	assert_int_equal(gui_decode(buf, len, GUI_FROM_CLIENT, &out, &why), -1);
	put_u32(buf + 4, 0);
	assert_int_equal(gui_decode(buf, len, GUI_FROM_DOM0, &out, &why), -1);
	len = gui_encode_run("xterm -e top", buf, sizeof(buf));
	assert_int_equal(gui_decode(buf, len, GUI_FROM_DOM0, &out, &why), (long)len);
	assert_string_equal(out.u.run.command, "xterm -e top");
	assert_int_equal(gui_encode_run("", buf, sizeof(buf)), 0);
	put_u32(buf + 12, 0x0a6c73);	/* "sl\n" */
	put_u32(buf + 8, 3);
	assert_int_equal(gui_decode(buf, 15, GUI_FROM_DOM0, &out, &why), -1);
	assert_string_equal(why, "command not printable ASCII");
	/* EXITED: the client's, window 0, a status 1..255 or a signal's. */
	len = gui_encode_exited(127, "nosuchprog", buf, sizeof(buf));
	assert_int_equal(gui_decode(buf, len, GUI_FROM_CLIENT, &out, &why), (long)len);
	assert_int_equal(out.u.exited.status, 127);
	assert_string_equal(out.u.exited.command, "nosuchprog");
	assert_string_equal(gui_type_name(GUI_EXITED), "EXITED");
	assert_int_equal(gui_decode(buf, len, GUI_FROM_DOM0, &out, &why), -1);
	assert_int_equal(gui_encode_exited(0, "x", buf, sizeof(buf)), 0);
	assert_int_equal(gui_encode_exited(GUI_EXIT_SIGNAL, "x", buf, sizeof(buf)), 0);
	assert_int_equal(gui_encode_exited(GUI_EXIT_STATUS_MAX + 1, "x", buf, sizeof(buf)), 0);
	len = gui_encode_exited(GUI_EXIT_SIGNAL + 9, "x", buf, sizeof(buf));
	assert_int_equal(gui_decode(buf, len, GUI_FROM_CLIENT, &out, &why), (long)len);
	put_u32(buf + 12, 0);
	assert_int_equal(gui_decode(buf, len, GUI_FROM_CLIENT, &out, &why), -1);
	assert_string_equal(why, "EXITED status not 1..255 or 257..GUI_EXIT_STATUS_MAX");
	put_u32(buf + 12, GUI_EXIT_SIGNAL);
	assert_int_equal(gui_decode(buf, len, GUI_FROM_CLIENT, &out, &why), -1);
	put_u32(buf + 12, 1);
	put_u32(buf + 4, 3);		/* a window's */
	assert_int_equal(gui_decode(buf, len, GUI_FROM_CLIENT, &out, &why), -1);
	put_u32(buf + 4, 0);
	buf[16] = '\n';
	assert_int_equal(gui_decode(buf, len, GUI_FROM_CLIENT, &out, &why), -1);
	assert_string_equal(why, "command not printable ASCII");
	put_u32(buf + 8, 4);		/* a status, no command */
	assert_int_equal(gui_decode(buf, 16, GUI_FROM_CLIENT, &out, &why), -1);
	put_u32(buf + 8, 3);
	assert_int_equal(gui_decode(buf, 15, GUI_FROM_CLIENT, &out, &why), -1);
	assert_string_equal(why, "EXITED shorter than its status");
}

/* POPUP: a new window inside a parent; every field checked. */
static void test_popup(void **state)
{
	struct gui_msg m, in = { .type = GUI_POPUP, .window = 5 };
	const char *why;
	(void)state;
	accepts(msg(GUI_POPUP, 5, 5, 2, (uint32_t)-40, 30, 200, 100), GUI_FROM_CLIENT, &m);
	assert_int_equal(m.type, GUI_POPUP);
	assert_int_equal(m.window, 5);
	assert_int_equal(m.u.popup.parent, 2);
	assert_int_equal(m.u.popup.x, -40);
	assert_int_equal(m.u.popup.y, 30);
	assert_int_equal(m.u.popup.width, 200);
	assert_int_equal(m.u.popup.height, 100);
	assert_string_equal(gui_type_name(GUI_POPUP), "POPUP");
	assert_string_equal(refused(msg(GUI_POPUP, 5, 5, 0, 0, 0, 10, 10), GUI_FROM_CLIENT),
			    "POPUP whose parent is window 0 or itself");
	assert_string_equal(refused(msg(GUI_POPUP, 5, 5, 5, 0, 0, 10, 10), GUI_FROM_CLIENT),
			    "POPUP whose parent is window 0 or itself");
	assert_string_equal(refused(msg(GUI_POPUP, 0, 5, 2, 0, 0, 10, 10), GUI_FROM_CLIENT),
			    "window 0 is for HELLO, WELCOME, RUN, CLIP_DATA, EXITED and INPUT_* only, and they need it");
	assert_string_equal(refused(msg(GUI_POPUP, 5, 5, 2, GUI_WIDTH_MAX + 1, 0, 10, 10),
				    GUI_FROM_CLIENT),
			    "POPUP position beyond +-GUI_WIDTH_MAX, +-GUI_HEIGHT_MAX");
	assert_string_equal(refused(msg(GUI_POPUP, 5, 5, 2, 0, (uint32_t)-GUI_HEIGHT_MAX - 1, 10,
					10), GUI_FROM_CLIENT),
			    "POPUP position beyond +-GUI_WIDTH_MAX, +-GUI_HEIGHT_MAX");
	assert_string_equal(refused(msg(GUI_POPUP, 5, 5, 2, 0, 0, 0, 10), GUI_FROM_CLIENT),
			    "POPUP size outside 1..GUI_WIDTH_MAX x 1..GUI_HEIGHT_MAX");
	assert_string_equal(refused(msg(GUI_POPUP, 5, 5, 2, 0, 0, 10, GUI_HEIGHT_MAX + 1),
				    GUI_FROM_CLIENT),
			    "POPUP size outside 1..GUI_WIDTH_MAX x 1..GUI_HEIGHT_MAX");
	assert_string_equal(refused(msg(GUI_POPUP, 5, 4, 2, 0, 0, 10), GUI_FROM_CLIENT),
			    "payload length wrong for the message type");
	assert_string_equal(refused(msg(GUI_POPUP, 5, 5, 2, 0, 0, 10, 10), GUI_FROM_DOM0),
			    "message type the other side may not send");
	/* What the encoder writes, the decoder reads back. */
	in.u.popup.parent = 3;
	in.u.popup.x = -GUI_WIDTH_MAX;
	in.u.popup.y = GUI_HEIGHT_MAX;
	in.u.popup.width = 1;
	in.u.popup.height = GUI_HEIGHT_MAX;
	size_t len = gui_encode(&in, buf, sizeof(buf));
	assert_int_equal(len, GUI_HEADER_SIZE + 20);
	assert_int_equal(gui_decode(buf, len, GUI_FROM_CLIENT, &m, &why), (long)len);
	assert_memory_equal(&m.u.popup, &in.u.popup, sizeof(m.u.popup));
}

/* AXIS: dom0's, version 3: an axis and non-zero steps within GUI_AXIS_MAX. */
static void test_axis(void **state)
{
	struct gui_msg m;
	(void)state;
	accepts(msg(GUI_AXIS, 3, 2, 0, (uint32_t)-3), GUI_FROM_DOM0, &m);
	assert_int_equal(m.u.axis.axis, 0);
	assert_int_equal(m.u.axis.steps, -3);
	accepts(msg(GUI_AXIS, 3, 2, 1, GUI_AXIS_MAX), GUI_FROM_DOM0, &m);
	assert_string_equal(gui_type_name(GUI_AXIS), "AXIS");
	for (uint32_t bad = 0; bad < 4; bad++) {
		static const uint32_t axis[] = { 2, 0, 0, 0 };
		const uint32_t steps[] = { 1, 0, GUI_AXIS_MAX + 1, (uint32_t)-GUI_AXIS_MAX - 1 };
		assert_string_equal(refused(msg(GUI_AXIS, 3, 2, axis[bad], steps[bad]), GUI_FROM_DOM0),
				    "AXIS not 0 or 1, or its steps 0 or beyond GUI_AXIS_MAX");
	}
	assert_string_equal(refused(msg(GUI_AXIS, 3, 2, 0, 1), GUI_FROM_CLIENT),
			    "message type the other side may not send");
}

/* The clipboard (version 4): CLIP_ASK dom0's, with a window; CLIP_DATA
 * the client's, window 0, a status and the bytes only with TEXT; CLIP_PASTE
 * dom0's, the bytes; both at most GUI_CLIPBOARD_MAX. */
static void test_clipboard(void **state)
{
	struct gui_msg m;
	static uint8_t text[GUI_CLIPBOARD_MAX + 1];
	(void)state;
	memset(text, 'x', sizeof(text));
	accepts(msg(GUI_CLIP_ASK, 5, 0), GUI_FROM_DOM0, &m);
	assert_int_equal(m.window, 5);
	assert_string_equal(refused(msg(GUI_CLIP_ASK, 0, 0), GUI_FROM_DOM0),
			    "window 0 is for HELLO, WELCOME, RUN, CLIP_DATA, EXITED and INPUT_* only, and they need it");
	assert_string_equal(refused(msg(GUI_CLIP_ASK, 5, 1, 0), GUI_FROM_DOM0),
			    "payload length wrong for the message type");
	assert_string_equal(refused(msg(GUI_CLIP_ASK, 5, 0), GUI_FROM_CLIENT),
			    "message type the other side may not send");
	size_t len = gui_encode_clip(GUI_CLIP_DATA, 0, GUI_CLIP_TEXT, "hello", 5, buf, sizeof(buf));
	accepts(len, GUI_FROM_CLIENT, &m);
	assert_int_equal(m.u.clip.status, GUI_CLIP_TEXT);
	assert_int_equal(m.u.clip.len, 5);
	assert_memory_equal(m.u.clip.data, "hello", 5);
	len = gui_encode_clip(GUI_CLIP_DATA, 0, GUI_CLIP_TEXT, text, GUI_CLIPBOARD_MAX, buf,
			      sizeof(buf));
	accepts(len, GUI_FROM_CLIENT, &m);
	assert_int_equal(m.u.clip.len, GUI_CLIPBOARD_MAX);
	assert_int_equal(gui_encode_clip(GUI_CLIP_DATA, 0, GUI_CLIP_TEXT, text,
					 GUI_CLIPBOARD_MAX + 1, buf, sizeof(buf)), 0);
	/* One byte more than a clipboard, written by hand. */
	put_u32(buf + 8, 4 + GUI_CLIPBOARD_MAX + 1);
	assert_string_equal(refused(GUI_HEADER_SIZE + 4 + GUI_CLIPBOARD_MAX + 1, GUI_FROM_CLIENT),
			    "clipboard bytes beyond GUI_CLIPBOARD_MAX");
	accepts(msg(GUI_CLIP_DATA, 0, 1, GUI_CLIP_EMPTY), GUI_FROM_CLIENT, &m);
	assert_int_equal(m.u.clip.status, GUI_CLIP_EMPTY);
	assert_int_equal(m.u.clip.len, 0);
	accepts(msg(GUI_CLIP_DATA, 0, 1, GUI_CLIP_TOO_LARGE), GUI_FROM_CLIENT, &m);
	assert_string_equal(refused(msg(GUI_CLIP_DATA, 0, 1, 3), GUI_FROM_CLIENT),
			    "CLIP_DATA status not 0..2");
	assert_string_equal(refused(msg(GUI_CLIP_DATA, 0, 2, GUI_CLIP_EMPTY, 7), GUI_FROM_CLIENT),
			    "CLIP_DATA with bytes but no text status");
	assert_string_equal(refused(msg(GUI_CLIP_DATA, 0, 0), GUI_FROM_CLIENT),
			    "CLIP_DATA shorter than its status");
	assert_string_equal(refused(msg(GUI_CLIP_DATA, 3, 1, 0), GUI_FROM_CLIENT),
			    "window 0 is for HELLO, WELCOME, RUN, CLIP_DATA, EXITED and INPUT_* only, and they need it");
	len = gui_encode_clip(GUI_CLIP_PASTE, 9, 0, "a\0b", 3, buf, sizeof(buf));
	accepts(len, GUI_FROM_DOM0, &m);
	assert_int_equal(m.window, 9);
	assert_int_equal(m.u.clip.len, 3);
	assert_memory_equal(m.u.clip.data, "a\0b", 3);
	len = gui_encode_clip(GUI_CLIP_PASTE, 9, 0, NULL, 0, buf, sizeof(buf));
	accepts(len, GUI_FROM_DOM0, &m);
	assert_int_equal(m.u.clip.len, 0);
	assert_string_equal(gui_type_name(GUI_CLIP_DATA), "CLIP_DATA");
	assert_string_equal(gui_type_name(GUI_CLIP_PASTE), "CLIP_PASTE");
}

/* The local transport refuses a buffer whose memfd could shrink (dom0
 * would die of SIGBUS) or is smaller than the window it claims. */
static void test_local_buffer_checks(void **state)
{
	struct gui_msg m;
	struct gui_mapping map = { 0 };
	const char *why = NULL;
	(void)state;
	int lfd = gui_local_listen("/tmp/bulkhead-test-gui.sock");
	assert_true(lfd >= 0);
	struct gui_transport *client = gui_local_connect("/tmp/bulkhead-test-gui.sock");
	assert_non_null(client);
	struct gui_transport *t = gui_local_accept(lfd);
	assert_non_null(t);
	accepts(msg(GUI_BUFFER, 1, 5, 100, 100, 400, GUI_FORMAT_XRGB8888, 0), GUI_FROM_CLIENT, &m);

	int fd = memfd_create("t", MFD_ALLOW_SEALING);
	assert_int_equal(ftruncate(fd, 40000), 0);
	assert_int_equal(t->ops->map_buffer(t, &m, fd, &map, &why), -EPROTO);
	assert_string_equal(why, "BUFFER fd is not a memfd sealed against shrinking");
	assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK), 0);
	assert_int_equal(t->ops->map_buffer(t, &m, fd, &map, &why), 0);
	t->ops->unmap(t, &map);
	close(fd);

	fd = memfd_create("t", MFD_ALLOW_SEALING);
	assert_int_equal(ftruncate(fd, 39996), 0);
	assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK), 0);
	assert_int_equal(t->ops->map_buffer(t, &m, fd, &map, &why), -EPROTO);
	assert_string_equal(why, "BUFFER memfd smaller than stride * height");
	close(fd);

	/* What the client library allocates passes. */
	uint32_t ng = 1;
	assert_int_equal(client->ops->alloc_buffer(client, 40000, &map, &fd, NULL, &ng), 0);
	assert_int_equal(ng, 0);
	struct gui_mapping dom0 = { 0 };
	assert_int_equal(t->ops->map_buffer(t, &m, fd, &dom0, &why), 0);
	t->ops->unmap(t, &dom0);
	client->ops->unmap(client, &map);
	close(fd);
	gui_transport_close(t);
	gui_transport_close(client);
	close(lfd);
	unlink("/tmp/bulkhead-test-gui.sock");
}

/* A vchan offer's id, as a domain writes it in xenstore. */
static void offer_ids_are_hex_only(void **state)
{
	(void)state;
	assert_true(gui_offer_is_valid("0123456789abcdef", 16));
	assert_false(gui_offer_is_valid("", 0));
	assert_false(gui_offer_is_valid("ABCDEF", 6));
	assert_false(gui_offer_is_valid("12 4", 4));
	assert_false(gui_offer_is_valid("12\0004", 4));
	char long_id[GUI_OFFER_MAX + 2];
	memset(long_id, 'a', sizeof(long_id));
	assert_true(gui_offer_is_valid(long_id, GUI_OFFER_MAX));
	assert_false(gui_offer_is_valid(long_id, GUI_OFFER_MAX + 1));
}

/* A USB domain's keyboard and pointer (version 6): each event bounded,
 * the device's name made printable, every refusal. */
static void test_input(void **state)
{
	struct gui_msg m;
	const char *why;
	(void)state;
	static const char kbd[] = "QEMU \x1b[2JKeyboard";
	size_t len = gui_encode_input_device(3, GUI_INPUT_KEYBOARD, kbd, strlen(kbd), buf,
					     sizeof(buf));
	assert_int_equal(len, GUI_HEADER_SIZE + 8 + strlen(kbd));
	accepts(len, GUI_FROM_CLIENT, &m);
	assert_int_equal(m.type, GUI_INPUT_DEVICE);
	assert_int_equal(m.window, 0);
	assert_int_equal(m.u.input_device.id, 3);
	assert_int_equal(m.u.input_device.kind, GUI_INPUT_KEYBOARD);
	assert_string_equal(m.u.input_device.name, "QEMU ?[2JKeyboard");
	assert_string_equal(refused(len, GUI_FROM_DOM0), "message type the other side may not send");
	assert_string_equal(gui_type_name(GUI_INPUT_DEVICE), "INPUT_DEVICE");
	assert_string_equal(gui_type_name(GUI_INPUT_EVENTS), "INPUT_EVENTS");
	len = gui_encode_input_device(3, GUI_INPUT_GONE, "", 0, buf, sizeof(buf));
	accepts(len, GUI_FROM_CLIENT, &m);
	assert_int_equal(m.u.input_device.kind, GUI_INPUT_GONE);
	/* Ids, kinds, a name for one gone, a name too long, a window. */
	assert_string_equal(refused(msg(GUI_INPUT_DEVICE, 0, 2, 0, 1), GUI_FROM_CLIENT),
			    "INPUT_DEVICE id not 1..GUI_INPUT_DEVICES_MAX");
	assert_string_equal(refused(msg(GUI_INPUT_DEVICE, 0, 2, GUI_INPUT_DEVICES_MAX + 1, 1),
				    GUI_FROM_CLIENT), "INPUT_DEVICE id not 1..GUI_INPUT_DEVICES_MAX");
	assert_string_equal(refused(msg(GUI_INPUT_DEVICE, 0, 2, 1, 3), GUI_FROM_CLIENT),
			    "INPUT_DEVICE kind not gone, keyboard or pointer");
	assert_string_equal(refused(msg(GUI_INPUT_DEVICE, 0, 3, 1, 0, 0x41414141), GUI_FROM_CLIENT),
			    "INPUT_DEVICE name longer than GUI_INPUT_NAME_MAX, or one that is gone "
			    "has a name");
	assert_string_equal(refused(msg(GUI_INPUT_DEVICE, 0, 1, 1), GUI_FROM_CLIENT),
			    "INPUT_DEVICE shorter than its id and kind");
	assert_string_equal(refused(msg(GUI_INPUT_DEVICE, 5, 2, 1, 1), GUI_FROM_CLIENT),
			    "window 0 is for HELLO, WELCOME, RUN, CLIP_DATA, EXITED and INPUT_* "
			    "only, and they need it");
	char name[GUI_INPUT_NAME_MAX + 1];
	memset(name, 'n', sizeof(name));
	assert_int_equal(gui_encode_input_device(1, GUI_INPUT_POINTER, name, sizeof(name), buf,
						 sizeof(buf)), 0);
	len = gui_encode_input_device(1, GUI_INPUT_POINTER, name, GUI_INPUT_NAME_MAX, buf,
				      sizeof(buf));
	accepts(len, GUI_FROM_CLIENT, &m);
	assert_int_equal(strlen(m.u.input_device.name), GUI_INPUT_NAME_MAX);

	/* A key pressed, a move, a wheel, the report's end. */
	static const struct gui_input_event ev[] = {
		{ EV_KEY, KEY_A, 1 }, { EV_REL, REL_X, -GUI_INPUT_REL_MAX },
		{ EV_REL, REL_Y, GUI_INPUT_REL_MAX }, { EV_REL, REL_WHEEL, -1 },
		{ EV_KEY, BTN_LEFT, 0 }, { EV_KEY, KEY_MAX, 2 }, { EV_SYN, SYN_REPORT, 0 },
	};
	len = gui_encode_input_events(2, ev, 7, buf, sizeof(buf));
	assert_int_equal(len, GUI_HEADER_SIZE + 8 + 7 * 8);
	accepts(len, GUI_FROM_CLIENT, &m);
	assert_int_equal(m.type, GUI_INPUT_EVENTS);
	assert_int_equal(m.u.input_events.id, 2);
	assert_int_equal(m.u.input_events.count, 7);
	assert_memory_equal(m.u.input_events.ev, ev, sizeof(ev));
	/* Each event out of bounds, as a hostile USB domain would send it. */
	static const struct gui_input_event bad[] = {
		{ EV_KEY, 0, 1 }, { EV_KEY, KEY_MAX + 1, 1 }, { EV_KEY, KEY_A, 3 },
		{ EV_KEY, KEY_A, -1 }, { EV_REL, REL_X, 0 }, { EV_REL, REL_X, GUI_INPUT_REL_MAX + 1 },
		{ EV_REL, REL_Y, -GUI_INPUT_REL_MAX - 1 }, { EV_REL, REL_WHEEL_HI_RES, 120 },
		{ EV_REL, REL_Z, 1 }, { EV_SYN, SYN_DROPPED, 0 }, { EV_SYN, SYN_REPORT, 1 },
		{ EV_ABS, ABS_X, 100 }, { EV_MSC, MSC_SCAN, 4 }, { EV_LED, LED_CAPSL, 1 },
		{ EV_MAX, 0, 0 },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct gui_input_event two[2] = { ev[0], bad[i] };
		assert_int_equal(gui_encode_input_events(1, two, 2, buf, sizeof(buf)), 0);
		len = gui_encode_input_events(1, two, 1, buf, sizeof(buf));
		/* The second record written by hand: the encoder refuses it. */
		put_u32(buf + 8, 8 + 16);
		put_u32(buf + GUI_HEADER_SIZE + 4, 2);
		put_u16(buf + GUI_HEADER_SIZE + 16, bad[i].type);
		put_u16(buf + GUI_HEADER_SIZE + 18, bad[i].code);
		put_u32(buf + GUI_HEADER_SIZE + 20, (uint32_t)bad[i].value);
		assert_string_equal(refused(len + 8, GUI_FROM_CLIENT),
				    "INPUT_EVENTS with an event out of its bounds (a type, code or "
				    "value a USB domain's keyboard or pointer may not send)");
	}
	/* Counts: none, too many, one that is not the length. */
	assert_int_equal(gui_encode_input_events(1, ev, 0, buf, sizeof(buf)), 0);
	assert_string_equal(refused(msg(GUI_INPUT_EVENTS, 0, 2, 1, 0), GUI_FROM_CLIENT),
			    "INPUT_EVENTS count not 1..GUI_INPUT_BATCH_MAX, or not its length");
	assert_string_equal(refused(msg(GUI_INPUT_EVENTS, 0, 4, 1, 2, 0x1e0001, 1), GUI_FROM_CLIENT),
			    "INPUT_EVENTS count not 1..GUI_INPUT_BATCH_MAX, or not its length");
	assert_string_equal(refused(msg(GUI_INPUT_EVENTS, 0, 2, 9, 1), GUI_FROM_CLIENT),
			    "INPUT_EVENTS id not 1..GUI_INPUT_DEVICES_MAX");
	static struct gui_input_event many[GUI_INPUT_BATCH_MAX + 1];
	for (size_t i = 0; i < GUI_INPUT_BATCH_MAX + 1; i++)
		many[i] = (struct gui_input_event){ EV_SYN, SYN_REPORT, 0 };
	assert_int_equal(gui_encode_input_events(1, many, GUI_INPUT_BATCH_MAX + 1, buf,
						 sizeof(buf)), 0);
	len = gui_encode_input_events(1, many, GUI_INPUT_BATCH_MAX, buf, sizeof(buf));
	accepts(len, GUI_FROM_CLIENT, &m);
	(void)why;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(offer_ids_are_hex_only),
		cmocka_unit_test(test_hello_and_welcome), cmocka_unit_test(test_lengths_and_types),
		cmocka_unit_test(test_sizes),		  cmocka_unit_test(test_buffer),
		cmocka_unit_test(test_input_ranges),	  cmocka_unit_test(test_title_sanitized),
		cmocka_unit_test(test_roundtrip),	  cmocka_unit_test(test_local_buffer_checks),
		cmocka_unit_test(test_popup),	  cmocka_unit_test(test_axis),
		cmocka_unit_test(test_clipboard),
		cmocka_unit_test(test_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
