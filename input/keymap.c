#include "input/keymap.h"

#include <errno.h>
#include <stdlib.h>
#include <xkbcommon/xkbcommon.h>

/* evdev codes are XKB keycodes minus 8, by the evdev rules' convention. */
#define EVDEV_OFFSET 8

struct keymap {
	struct xkb_context *ctx;
	struct xkb_keymap *map;
	struct xkb_state *state;
};

struct keymap *keymap_new(const char *layout)
{
	struct xkb_rule_names names = { .rules = "evdev", .model = "pc105", .layout = layout };
	struct keymap *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	k->ctx = xkb_context_new(XKB_CONTEXT_NO_ENVIRONMENT_NAMES);
	if (k->ctx)
		k->map = xkb_keymap_new_from_names(k->ctx, &names, XKB_KEYMAP_COMPILE_NO_FLAGS);
	if (k->map)
		k->state = xkb_state_new(k->map);
	if (!k->state) {
		keymap_free(k);
		errno = ENOENT;
		return NULL;
	}
	return k;
}

void keymap_free(struct keymap *k)
{
	if (!k)
		return;
	xkb_state_unref(k->state);
	xkb_keymap_unref(k->map);
	xkb_context_unref(k->ctx);
	free(k);
}

uint32_t keymap_key(struct keymap *k, uint32_t code, uint32_t value, char *out, size_t cap)
{
	xkb_keycode_t kc = code + EVDEV_OFFSET;
	xkb_keysym_t sym = xkb_state_key_get_one_sym(k->state, kc);

	if (cap)
		out[0] = '\0';
	if (value != 0 && cap)
		xkb_state_key_get_utf8(k->state, kc, out, cap);
	if (value != 2)
		xkb_state_update_key(k->state, kc, value ? XKB_KEY_DOWN : XKB_KEY_UP);
	return sym;
}

char *keymap_text(const struct keymap *k)
{
	return xkb_keymap_get_as_string(k->map, XKB_KEYMAP_FORMAT_TEXT_V1);
}

struct keymap_mods keymap_modifiers(const struct keymap *k)
{
	return (struct keymap_mods){
		.depressed = xkb_state_serialize_mods(k->state, XKB_STATE_MODS_DEPRESSED),
		.latched = xkb_state_serialize_mods(k->state, XKB_STATE_MODS_LATCHED),
		.locked = xkb_state_serialize_mods(k->state, XKB_STATE_MODS_LOCKED),
		.group = xkb_state_serialize_layout(k->state, XKB_STATE_LAYOUT_EFFECTIVE),
	};
}
