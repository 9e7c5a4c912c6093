/*
 * `bulkhead gui-demo': a GUI protocol client for tests and for trying the
 * desktop.  It opens windows filled with a colour, writes the keys it
 * receives into them, and prints every event on stdout, one line each
 * ("DEMO KEY 30 1"), for the tests to read.  With --misbehave it does what
 * a compromised domain might, for the tests of dom0's defences.
 */
#include "gui/demo.h"

#include <cairo.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/input-event-codes.h>
#include <sys/mman.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "display/font.h"
#include "gui/guiclient.h"
#include "gui/transport.h"
#include "lib/bytes.h"
#include "lib/limits.h"
#include "lib/escape.h"
#include "lib/paths.h"

#define DEMO_WINDOWS_MAX 8

struct demo {
	const char *socket;
	bool vchan;		/* in a domain: serve the vchan for dom0 */
	char tag[64];		/* the socket's name: the domain it speaks as */
	const char *title;
	const char *misbehave;	/* NULL, or what misbehave() does */
	const char *clipboard;	/* what dom0's copy gets; NULL: empty */
	unsigned nwindows;
	uint32_t rgb;
	cairo_font_face_t *font;	/* NULL: the keys are not written */
	char typed[DEMO_WINDOWS_MAX][64];
	struct gui_window *win[DEMO_WINDOWS_MAX];
};

static int usage(void)
{
	fprintf(stderr, "usage: bulkhead gui-demo --socket PATH | --vchan  [--tag NAME]\n"
			"       [--title TEXT] [--windows N] [--color RRGGBB] [--reconnect]\n"
			"       [--clipboard TEXT]\n"
			"       [--misbehave garbage|flood|bad-damage|unknown-window|small-buffer|\n"
			"                    few-grants|long-title|clip-unasked|exited-unasked|\n"
			"                    input-range]\n");
	return 2;
}

static int index_of(const struct demo *d, const struct gui_window *w)
{
	for (unsigned i = 0; i < d->nwindows; i++)
		if (d->win[i] == w)
			return (int)i;
	return -1;
}

static void draw(struct demo *d, int i)
{
	uint32_t w, h, stride;
	uint32_t *px = gui_window_pixels(d->win[i], &w, &h, &stride);
	if (!px)
		return;
	cairo_surface_t *s = cairo_image_surface_create_for_data((unsigned char *)px,
								 CAIRO_FORMAT_RGB24, (int)w,
								 (int)h, (int)stride);
	cairo_t *cr = cairo_create(s);
	cairo_set_source_rgb(cr, ((d->rgb >> 16) & 0xff) / 255.0, ((d->rgb >> 8) & 0xff) / 255.0,
			     (d->rgb & 0xff) / 255.0);
	cairo_paint(cr);
	if (d->font) {
		cairo_set_source_rgb(cr, 1, 1, 1);
		cairo_set_font_face(cr, d->font);
		cairo_set_font_size(cr, 16);
		cairo_move_to(cr, 10, 30);
		cairo_show_text(cr, "keys:");
		cairo_move_to(cr, 10, 54);
		cairo_show_text(cr, d->typed[i]);
	}
	cairo_destroy(cr);
	cairo_surface_flush(s);
	cairo_surface_destroy(s);
	gui_window_damage(d->win[i], 0, 0, w, h);
}

/* Keeps the last keys pressed, as evdev codes, for the window to show. */
static void typed(struct demo *d, int i, uint32_t code)
{
	char *t = d->typed[i];
	char add[8];
	snprintf(add, sizeof(add), "%u ", code);
	if (strlen(t) + strlen(add) >= sizeof(d->typed[i]))
		memmove(t, t + 16, strlen(t + 16) + 1);
	strcat(t, add);
}

/* What a compromised domain might send; dom0 must drop the channel. */
static void misbehave(struct demo *d, struct gui_client *c)
{
	uint8_t buf[64];
	uint32_t w = 0, h = 0, stride = 0, id = gui_window_id(d->win[0]);
	struct gui_msg m = { .window = id };
	int fd = -1;

	gui_window_pixels(d->win[0], &w, &h, &stride);
	if (strcmp(d->misbehave, "garbage") == 0) {
		static const char junk[] = "\xde\xad\xbe\xef this is not a message";
		gui_client_send_raw(c, junk, sizeof(junk), -1);
	} else if (strcmp(d->misbehave, "flood") == 0) {
		for (int i = 0; i < GUI_WINDOWS_MAX + 8; i++)
			if (!gui_window_new(c, 100, 100, "flood"))
				break;
	} else if (strcmp(d->misbehave, "bad-damage") == 0) {
		m.type = GUI_DAMAGE;
		m.u.rect = (typeof(m.u.rect)){ w + 10, 0, 1, 1 };
		gui_client_send_raw(c, buf, gui_encode(&m, buf, sizeof(buf)), -1);
	} else if (strcmp(d->misbehave, "unknown-window") == 0) {
		size_t len = gui_encode_title(id + 1000, "not mine", 8, buf, sizeof(buf));
		gui_client_send_raw(c, buf, len, -1);
	} else if (strcmp(d->misbehave, "few-grants") == 0) {
		/* Three pages for a window of hundreds: dom0 would map past them. */
		uint32_t refs[3] = { 8, 9, 10 };
		uint8_t big[64];
		size_t len = gui_encode_buffer(id, w, h, stride, refs, 3, big, sizeof(big));
		gui_client_send_raw(c, big, len, -1);
	} else if (strcmp(d->misbehave, "long-title") == 0) {
		/* The encoder cuts titles: this header is written by hand. */
		uint8_t big[GUI_HEADER_SIZE + GUI_TITLE_MAX + 64];
		memset(big, 'A', sizeof(big));
		put_u32(big, GUI_TITLE);
		put_u32(big + 4, id);
		put_u32(big + 8, (uint32_t)(sizeof(big) - GUI_HEADER_SIZE));
		gui_client_send_raw(c, big, sizeof(big), -1);
	} else if (strcmp(d->misbehave, "clip-unasked") == 0) {
		/* A clipboard dom0 did not ask for: as if to push text into
		 * dom0's clipboard behind the user's back. */
		gui_client_clip_data(c, GUI_CLIP_TEXT, "pushed", 6);
	} else if (strcmp(d->misbehave, "exited-unasked") == 0) {
		/* A failure of a command dom0 never sent: as if to write its
		 * own words into dom0's bar. */
		gui_client_exited(c, 1, "your session expired: type your passphrase");
	} else if (strcmp(d->misbehave, "input-range") == 0) {
		/* A keyboard (only a USB domain's may come: dom0 asks the
		 * user first), then a motion far past what any mouse reports.
		 * The encoder refuses it: the value is written by hand. */
		static const struct gui_input_event move = { EV_REL, REL_X, 1 };
		uint8_t ev[GUI_HEADER_SIZE + 16];
		size_t len = gui_encode_input_device(1, GUI_INPUT_KEYBOARD, "hostile", 7, buf,
						     sizeof(buf));
		gui_client_send_raw(c, buf, len, -1);
		len = gui_encode_input_events(1, &move, 1, ev, sizeof(ev));
		put_u32(ev + GUI_HEADER_SIZE + 12, 1u << 20);
		gui_client_send_raw(c, ev, len, -1);
	} else if (strcmp(d->misbehave, "small-buffer") == 0) {
		/* A page, sealed, for a window that needs far more. */
		fd = memfd_create("small", MFD_CLOEXEC | MFD_ALLOW_SEALING);
		if (fd >= 0 && ftruncate(fd, 4096) == 0 &&
		    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK) == 0) {
			size_t len = gui_encode_buffer(id, w, h, stride, NULL, 0, buf, sizeof(buf));
			gui_client_send_raw(c, buf, len, fd);
		}
		if (fd >= 0)
			close(fd);
	}
	printf("DEMO %s misbehaved %s\n", d->tag, d->misbehave);
}

/* What the launcher asked for: a window named after it, which is all a
 * demo can run. */
static void run_command(struct demo *d, struct gui_client *c, const char *command)
{
	printf("DEMO %s RUN %s\n", d->tag, command);
	if (d->nwindows < DEMO_WINDOWS_MAX) {
		d->win[d->nwindows] = gui_window_new(c, 640, 480, command);
		if (d->win[d->nwindows])
			d->nwindows++;
	}
	fflush(stdout);
}

/* dom0's copy gets --clipboard's text; its paste is written out, escaped
 * (the tests read it: one line, whatever the bytes). */
static void clip_event(struct demo *d, struct gui_client *c, const struct gui_event *ev)
{
	if (ev->type == GUI_EV_CLIP_ASK) {
		gui_client_clip_data(c, d->clipboard ? GUI_CLIP_TEXT : GUI_CLIP_EMPTY, d->clipboard,
				     d->clipboard ? strlen(d->clipboard) : 0);
		printf("DEMO %s CLIP_ASK\n", d->tag);
	} else {
		char shown[256];
		printf("DEMO %s CLIP_PASTE %u bytes: %s\n", d->tag, ev->len,
		       text_escape_once(ev->data, ev->len, shown, sizeof(shown)));
	}
	fflush(stdout);
}

static int run(struct demo *d, struct gui_client *c)
{
	bool configured = false;
	char err[200];

	for (;;) {
		struct pollfd pfd = { .fd = gui_client_fd(c), .events = POLLIN };
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			return 1;
		struct gui_event ev;
		int rc;
		while ((rc = gui_client_next_event(c, &ev, err, sizeof(err))) > 0) {
			if (ev.type == GUI_EV_RUN) {
				run_command(d, c, ev.command);
				continue;
			}
			if (ev.type == GUI_EV_CLIP_ASK || ev.type == GUI_EV_CLIP_PASTE) {
				clip_event(d, c, &ev);
				continue;
			}
			int i = index_of(d, ev.window);
			if (i < 0)
				continue;	/* --misbehave flood's windows */
			switch (ev.type) {
			case GUI_EV_CONFIGURE:
				printf("DEMO %s window %d CONFIGURE %ux%u\n", d->tag, i, ev.width, ev.height);
				draw(d, i);
				if (d->misbehave && !configured)
					misbehave(d, c);
				configured = true;
				break;
			case GUI_EV_FOCUS:
				printf("DEMO %s window %d FOCUS %u\n", d->tag, i, ev.focused);
				break;
			case GUI_EV_KEY:
				printf("DEMO %s window %d KEY %u %u\n", d->tag, i, ev.code, ev.value);
				if (ev.value == 1) {
					typed(d, i, ev.code);
					draw(d, i);
				}
				break;
			case GUI_EV_BUTTON:
				printf("DEMO %s window %d BUTTON %u %u\n", d->tag, i, ev.code,
				       ev.value);
				break;
			case GUI_EV_CLOSE:
				printf("DEMO %s window %d CLOSE\n", d->tag, i);
				fflush(stdout);
				return 0;
			default:
				break;
			}
			fflush(stdout);
		}
		if (rc < 0) {
			printf("DEMO %s dropped: %s\n", d->tag, err);
			fflush(stdout);
			return 3;
		}
	}
}

/* One connection: its windows, then events until it ends.  0: closed by
 * the user, 3: the channel went, 1: could not start. */
static int session(struct demo *d, unsigned nwindows)
{
	char err[200];
	/* Over vchan dom0 connects when it sees the domain run: wait longer. */
	struct gui_transport *t = d->vchan ? gui_vchan_serve(GUI_VCHAN_PATH)
					   : gui_local_connect(d->socket);
	if (!t) {
		fprintf(stderr, "gui-demo: cannot %s: %s\n",
			d->vchan ? "offer the vchan" : "connect", strerror(errno));
		return 1;
	}
	struct gui_client *c = gui_client_new(t, d->vchan ? 120000 : 5000, err, sizeof(err));
	if (!c) {
		fprintf(stderr, "gui-demo: %s\n", err);
		return 1;
	}
	d->nwindows = nwindows;
	for (unsigned i = 0; i < nwindows; i++) {
		char title[GUI_TITLE_MAX + 1];
		snprintf(title, sizeof(title), nwindows > 1 ? "%s %u" : "%s", d->title, i + 1);
		d->win[i] = gui_window_new(c, 640, 480, title);
		if (!d->win[i]) {
			fprintf(stderr, "gui-demo: cannot create a window: %s\n", strerror(errno));
			gui_client_free(c);
			return 1;
		}
	}
	printf("DEMO %s up %u windows\n", d->tag, nwindows);
	fflush(stdout);
	int rc = run(d, c);
	gui_client_free(c);
	return rc;
}

int gui_demo_main(int argc, char **argv)
{
	struct demo d = { .title = "demo", .nwindows = 1, .rgb = 0x305080 };
	bool reconnect = false;
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--reconnect") == 0 || strcmp(a, "--vchan") == 0) {
			*(a[2] == 'r' ? &reconnect : &d.vchan) = true;
			continue;
		}
		if (!v)
			return usage();
		if (strcmp(a, "--socket") == 0)
			d.socket = v;
		else if (strcmp(a, "--tag") == 0)
			snprintf(d.tag, sizeof(d.tag), "%s", v);
		else if (strcmp(a, "--title") == 0)
			d.title = v;
		else if (strcmp(a, "--misbehave") == 0)
			d.misbehave = v;
		else if (strcmp(a, "--clipboard") == 0)
			d.clipboard = strlen(v) <= GUI_CLIPBOARD_MAX ? v : NULL;
		else if (strcmp(a, "--windows") == 0)
			d.nwindows = (unsigned)atoi(v);
		else if (strcmp(a, "--color") == 0)
			d.rgb = (uint32_t)strtoul(v, NULL, 16);
		else
			return usage();
		i++;
	}
	if (!d.socket == !d.vchan || d.nwindows < 1 || d.nwindows > DEMO_WINDOWS_MAX)
		return usage();
	const char *base = d.socket ? strrchr(d.socket, '/') : NULL;
	if (!d.tag[0] && d.socket)
		snprintf(d.tag, sizeof(d.tag), "%.*s",
			 (int)strcspn(base ? base + 1 : d.socket, "."), base ? base + 1 : d.socket);
	if (!d.tag[0])
		snprintf(d.tag, sizeof(d.tag), "vchan");
	d.font = font_load(FONT_DEFAULT);
	unsigned nwindows = d.nwindows;
	/* With --reconnect it comes back after dom0's compositor restarts, as
	 * a domain's agent does; the user's close still ends it. */
	while ((rc = session(&d, nwindows)) != 0 && reconnect)
		usleep(200 * 1000);
	if (d.font)
		cairo_font_face_destroy(d.font);
	return rc;
}
