/*
 * desktop_config.h - the desktop's settings: CONFIG_DIR/desktop.cfg, in
 * xl.cfg syntax, read by the compositor when it starts.
 *
 *   output = "drm"                 # or "headless": frames in memory (tests)
 *   drm_device = "/dev/dri/card0"
 *   headless_size = "1280x800"     # the headless output's size; heads side by
 *                                  # side: "1280x800,1024x768" (up to 4)
 *   font = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"
 *   tint = 1                       # tint unfocused windows in their label colour
 *   gui_dir = "/run/bulkhead/gui"  # local transport: NAME.sock per gui domain,
 *                                  # for tests and development; unset (the
 *                                  # default): no sockets, domains only by
 *                                  # vchan.  Whoever may connect there speaks
 *                                  # as that domain.
 *   control_socket = "/run/bulkhead/compositor"
 *   screenshot_dir = "/var/tmp/shots"  # `ctl screenshot' may write beneath it,
 *                                  # and nowhere else (the compositor has no
 *                                  # other file access); unset: nowhere
 *   keymap_layout = "us"           # dom0's own text entry (xkbcommon)
 *   bind = [ "Super+Tab focus-next", ... ]   # replaces the defaults
 *   measure_input_latency = 0      # 1: keep each key's time from the kernel's
 *                                  # event to the domain's channel, and log
 *                                  # their p50, p99 and maximum once keys
 *                                  # pause for a second (make bench)
 *   measure_frame_rate = 0         # 1: log frames shown each 5 s (make bench)
 *   agent_timeout_ms = 120000      # a running gui domain that offers no
 *                                  # channel this long: "no agent" in the bar
 *   lock_passphrase = "$6$..."     # the lock screen's passphrase, as a crypt(3)
 *                                  # hash (`openssl passwd -6'); unset: root's
 *                                  # in /etc/shadow; neither: no lock screen
 *   lock_idle_s = 0                # lock after this long without input; 0: never
 *   lock_at_start = 0              # 1: the desktop starts locked
 *
 * A missing file means defaults.  A wrong key or binding is reported with
 * its file:line and left out; the rest is used.
 */
#ifndef BULKHEAD_DESKTOP_CONFIG_H
#define BULKHEAD_DESKTOP_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "input/bindings.h"

#define DESKTOP_CONFIG_HEADS 4		/* display/output.h's OUTPUT_HEADS_MAX */

/* A crypt(3) hash's room (libxcrypt's CRYPT_OUTPUT_SIZE). */
#define LOCK_HASH_MAX 384

struct desktop_config {
	bool headless;
	char *drm_device;
	struct desktop_head_size { int32_t width, height; } headless_heads[DESKTOP_CONFIG_HEADS];
	size_t nheadless;		/* headless_heads used */
	char *font;
	bool tint;
	char *gui_dir;			/* NULL: no local transport */
	char *control_socket;
	char *screenshot_dir;		/* NULL: no screenshots */
	char *keymap_layout;
	bool measure_input_latency;
	bool measure_frame_rate;
	uint32_t agent_timeout_ms;
	struct bindings bindings;
	char *lock_passphrase;		/* NULL: root's in /etc/shadow, if any */
	uint32_t lock_idle_s;		/* 0: never by itself */
	bool lock_at_start;
	unsigned errors;
};

/* Loads DIR/desktop.cfg into *OUT (always initialised).  Returns the
 * number of problems reported. */
unsigned desktop_config_load(const char *dir, struct desktop_config *out);
void desktop_config_free(struct desktop_config *cfg);

#endif
