/*
 * render.h - draws the desktop with Cairo into a memory image (the shadow
 * frame that every output copies from): the background, each window's
 * pixels inside dom0's frame, the status bar and the pointer.
 *
 * The scene is a description owned by the caller for the duration of one
 * renderer_draw(); window pixels may be memory a domain shares and writes
 * at any time: they are only ever copied as pixels, never interpreted.
 * Only the damaged region is touched.  Main loop only (Cairo contexts are
 * not shared between threads).
 */
#ifndef BULKHEAD_RENDER_H
#define BULKHEAD_RENDER_H

#include <cairo.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "drm-compositor/layout.h"

struct render_window {
	struct rect outer;		/* the frame's outer rectangle */
	uint32_t label_rgb;		/* 0xRRGGBB */
	const char *domain;		/* dom0's name for the domain */
	const char *title;		/* printable ASCII (gui_decode made it so) */
	bool focused;			/* a popup: its top-level window */
	bool popup;			/* a border, no title; inside its window */
	const uint32_t *pixels;		/* XRGB8888, NULL before the first buffer */
	uint32_t buf_width, buf_height, stride;
};

struct render_chip {			/* one domain in the status bar */
	const char *name;
	const char *state;
	uint32_t label_rgb;
};

/* An output on the scene's canvas. */
#define RENDER_HEADS_MAX 4
struct render_head {
	struct rect r;
	unsigned workspace;		/* the one it shows, 0-based */
	bool fullscreen;		/* a window covers it: no bar */
	bool active;			/* keys go to its workspace; dom0's boxes are on it */
};

struct render_scene {
	int32_t width, height;		/* the canvas, every head on it */
	/* The heads, each with its bar; 0: one, the whole canvas, showing
	 * `workspace' (`fullscreen': no bar). */
	const struct render_head *heads;
	size_t nheads;
	const struct render_window *windows;	/* bottom to top */
	size_t nwindows;
	bool tint;			/* tint unfocused windows in their label colour */
	bool fullscreen;		/* one window covers the screen: no bar */
	unsigned workspace, nworkspaces;	/* current one, 0-based */
	uint32_t busy_workspaces;	/* bit i: workspace i has windows */
	const struct render_chip *chips;
	size_t nchips;
	const char *clock;		/* "14:05" */
	/* dom0's clipboard: "clipboard 12 B from work" beside the clock, by a
	 * square in its source's colour; NULL when empty. */
	const char *clipboard;
	uint32_t clipboard_rgb;
	const char *notice;		/* dom0's word to the user (printable ASCII), in the
					 * domains' place; NULL: none */
	const char *prompt;		/* the launcher's line, NULL when closed */
	/* Under it, the domains the line may still mean, with their states. */
	const struct render_chip *prompt_chips;
	size_t nprompt_chips;
	/* A call the policy asks the user about (drm-compositor/asks.h): its
	 * question and its choices, over everything; NULL: none. */
	const char *ask, *ask_choices;
	/* dom0's menu (drm-compositor/menu.h): the domains' rows, then
	 * dom0's (state ""), the chosen one, and the line under them (a
	 * question in yellow); NULL rows: closed. */
	const struct render_chip *menu_rows;
	size_t nmenu_rows, menu_ndomains, menu_chosen;
	const char *menu_help;
	bool menu_question;
	/* The lock screen's line (drm-compositor/lock.h): when set, it is
	 * all that is drawn, and the clock. */
	const char *lock;
	bool pointer_visible;
	int32_t pointer_x, pointer_y;
};

struct renderer;

/* A renderer drawing text with the TrueType font at FONT_PATH.  NULL with
 * errno on failure (a missing font file: ENOENT). */
struct renderer *renderer_new(const char *font_path);
void renderer_free(struct renderer *r);

/* The launcher's box: its line, then the domains it may mean. */
#define RENDER_PROMPT_HEIGHT 50

/* Where the launcher, the menu, a call's question are drawn on HEAD (the
 * active head's rectangle on the canvas). */
struct rect render_prompt_rect(struct rect head);
struct rect render_menu_rect(struct rect head);
struct rect render_ask_rect(struct rect head);

/* Redraws DAMAGE of TARGET (an RGB24 image surface of the scene's size). */
void renderer_draw(struct renderer *r, cairo_surface_t *target, const struct render_scene *s,
		   const cairo_region_t *damage);

/* How many title strips R has drawn with Cairo (its cache's misses). */
uint64_t renderer_titles_drawn(const struct renderer *r);

/* The rectangles the status bar and the pointer occupy. */
struct rect render_bar_rect(const struct render_scene *s);
struct rect render_pointer_rect(int32_t x, int32_t y);

#endif
