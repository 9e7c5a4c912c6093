#include "config/desktop_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/cfgfile.h"
#include "lib/limits.h"
#include "lib/paths.h"
#include "lib/util.h"

static const char *const keys[] = {
	"output", "drm_device", "headless_size", "font", "tint", "gui_dir", "control_socket", "keymap_layout",
	"bind", "measure_input_latency", "measure_frame_rate",
	"agent_timeout_ms", "screenshot_dir", "lock_passphrase", "lock_idle_s",
	"lock_at_start", NULL,
};

static void set_str(char **dst, const char *value)
{
	char *copy = strdup(value);
	if (!copy)
		return;
	free(*dst);
	*dst = copy;
}

static void defaults(struct desktop_config *c)
{
	memset(c, 0, sizeof(*c));
	c->headless_heads[0] = (struct desktop_head_size){ 1280, 800 };
	c->nheadless = 1;
	c->tint = true;
	c->agent_timeout_ms = GUI_AGENT_TIMEOUT_MS;
	set_str(&c->drm_device, "/dev/dri/card0");
	set_str(&c->font, FONT_DEFAULT);
	set_str(&c->control_socket, "/run/bulkhead/compositor");
	set_str(&c->keymap_layout, "us");
	bindings_default(&c->bindings);
}

/* headless_size: "WxH", or heads side by side: "WxH,WxH". */
static void read_size(struct cfgfile *cfg, struct desktop_config *c)
{
	struct desktop_head_size heads[DESKTOP_CONFIG_HEADS];
	const char *s;
	size_t n = 0;
	int w, h, end = 0;

	if (cfg_get_string(cfg, "headless_size", &s) != 0)
		return;
	for (const char *p = s;; p += end + 1) {
		end = 0;
		if (n == DESKTOP_CONFIG_HEADS || sscanf(p, "%dx%d%n", &w, &h, &end) != 2 ||
		    (p[end] && p[end] != ',') || w < 320 || h < 200 || w > GUI_WIDTH_MAX ||
		    h > GUI_HEIGHT_MAX) {
			cfg_error(cfg, "headless_size", "\"%s\" is not WIDTHxHEIGHT from 320x200 to "
				  "%dx%d, or up to %d of them with commas (\"1280x800,1024x768\")",
				  s, GUI_WIDTH_MAX, GUI_HEIGHT_MAX, DESKTOP_CONFIG_HEADS);
			return;
		}
		heads[n++] = (struct desktop_head_size){ w, h };
		if (!p[end])
			break;
	}
	memcpy(c->headless_heads, heads, n * sizeof(*heads));
	c->nheadless = n;
}

static void read_path(struct cfgfile *cfg, const char *key, char **dst)
{
	const char *s;

	if (cfg_get_string(cfg, key, &s) != 0)
		return;
	if (s[0] != '/') {
		cfg_error(cfg, key, "\"%s\" is not an absolute path", s);
		return;
	}
	set_str(dst, s);
}

/* lock_passphrase: a crypt(3) hash, "$ID$...", never the passphrase. */
static void read_lock(struct cfgfile *cfg, struct desktop_config *c)
{
	const char *s;
	long idle;

	if (cfg_get_long(cfg, "lock_idle_s", 0, 86400, &idle) == 0)
		c->lock_idle_s = (uint32_t)idle;
	cfg_get_bool(cfg, "lock_at_start", &c->lock_at_start);
	if (cfg_get_string(cfg, "lock_passphrase", &s) != 0)
		return;
	size_t n = strlen(s);
	bool shape = n >= 4 && n < LOCK_HASH_MAX && s[0] == '$' && strchr(s + 1, '$') &&
		     strspn(s, "$./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=,-") == n;
	if (!shape) {
		cfg_error(cfg, "lock_passphrase", "lock_passphrase is not a crypt(3) hash (\"$6$SALT$HASH\", as "
			  "`openssl passwd -6' or `mkpasswd' print it); the passphrase itself is "
			  "never written here");
		return;
	}
	set_str(&c->lock_passphrase, s);
}

/* A `bind' list replaces the defaults: one without a way to open the
 * launcher or move the focus would leave the user stuck.  Said, and the
 * default kept for it. */
static void keep_essential(struct cfgfile *cfg, struct desktop_config *c)
{
	static const struct { enum binding_action action; const char *what, *spec; } need[] = {
		{ ACT_LAUNCHER, "open the launcher", "Super+Return launcher" },
		{ ACT_FOCUS_NEXT, "move the focus from the keyboard", "Super+Tab focus-next" },
	};
	struct binding b;
	char err[200];
	for (size_t i = 0; i < ARRAY_SIZE(need); i++) {
		bool found = false;
		for (size_t k = 0; k < c->bindings.n && !found; k++)
			found = c->bindings.b[k].action == need[i].action;
		if (found)
			continue;
		cfg_error(cfg, "bind", "no %s binding: a `bind' list replaces the defaults, so "
			  "nothing would %s; add \"%s\" (kept meanwhile, unless its keys are taken)",
			  binding_action_name(need[i].action), need[i].what, need[i].spec);
		if (binding_parse(need[i].spec, &b, err, sizeof(err)) == 0)
			bindings_add(&c->bindings, &b);
	}
}

static void read_bindings(struct cfgfile *cfg, struct desktop_config *c)
{
	char **specs = NULL, err[200];
	size_t n = 0;
	struct binding b;

	if (cfg_get_strv(cfg, "bind", BINDINGS_MAX, 127, &specs, &n) != 0)
		return;
	c->bindings.n = 0;
	for (size_t i = 0; i < n; i++) {
		if (binding_parse(specs[i], &b, err, sizeof(err)) < 0)
			cfg_error(cfg, "bind", "item %zu: %s; this binding is left out", i + 1, err);
		else if (bindings_add(&c->bindings, &b) < 0)
			cfg_error(cfg, "bind", "item %zu: \"%s\": those keys are bound already; "
				  "this binding is left out", i + 1, specs[i]);
	}
	strv_free(specs);
	keep_essential(cfg, c);
}

unsigned desktop_config_load(const char *dir, struct desktop_config *out)
{
	static const char *const outputs[] = { "drm", "headless", NULL };
	struct cfgfile cfg;
	char path[512];
	int idx;

	defaults(out);
	snprintf(path, sizeof(path), "%s/desktop.cfg", dir);
	if (access(path, F_OK) != 0)
		return 0;
	if (cfgfile_open(&cfg, path) < 0) {
		out->errors = cfg.errors;
		cfgfile_close(&cfg);
		return out->errors;
	}
	cfg_check_keys(&cfg, keys);
	if (cfg_get_choice(&cfg, "output", outputs, &idx) == 0)
		out->headless = idx == 1;
	read_size(&cfg, out);
	read_path(&cfg, "drm_device", &out->drm_device);
	read_path(&cfg, "font", &out->font);
	read_path(&cfg, "gui_dir", &out->gui_dir);
	read_path(&cfg, "control_socket", &out->control_socket);
	read_path(&cfg, "screenshot_dir", &out->screenshot_dir);
	cfg_get_bool(&cfg, "tint", &out->tint);
	cfg_get_bool(&cfg, "measure_input_latency", &out->measure_input_latency);
	cfg_get_bool(&cfg, "measure_frame_rate", &out->measure_frame_rate);
	long timeout;
	if (cfg_get_long(&cfg, "agent_timeout_ms", 1000, 3600000, &timeout) == 0)
		out->agent_timeout_ms = (uint32_t)timeout;
	const char *layout;
	if (cfg_get_string(&cfg, "keymap_layout", &layout) == 0)
		set_str(&out->keymap_layout, layout);
	read_bindings(&cfg, out);
	read_lock(&cfg, out);
	out->errors = cfg.errors;
	cfgfile_close(&cfg);
	return out->errors;
}

void desktop_config_free(struct desktop_config *c)
{
	free(c->drm_device);
	free(c->font);
	free(c->gui_dir);
	free(c->control_socket);
	free(c->screenshot_dir);
	free(c->keymap_layout);
	free(c->lock_passphrase);
	memset(c, 0, sizeof(*c));
}
