/*
 * keymap.h - keys as text, through libxkbcommon: for dom0's own UI (the
 * launcher's line, with the layout from desktop.cfg) and for the guest
 * agent's terminals (the domain's layout).  dom0 never sends a domain text:
 * domains get evdev codes and apply their own keymaps.  One state per
 * keymap (its modifiers): one per text field.  One thread.
 */
#ifndef BULKHEAD_KEYMAP_H
#define BULKHEAD_KEYMAP_H

#include <stddef.h>
#include <stdint.h>

struct keymap;

/* The keymap of LAYOUT ("us", "de", ...) with the evdev rules.  NULL with
 * errno when xkbcommon cannot compile it (its data missing: ENOENT). */
struct keymap *keymap_new(const char *layout);
void keymap_free(struct keymap *k);

/* Feeds a key (evdev code, value 0/1/2) into the modifier state and
 * writes, for a press or repeat, the text it types into OUT (CAP bytes,
 * NUL-terminated; "" for none).  Returns its keysym (XKB_KEY_*). */
uint32_t keymap_key(struct keymap *k, uint32_t code, uint32_t value, char *out, size_t cap);

/* The keymap as XKB text (xkb_keymap_get_as_string, what a Wayland client
 * is sent), for the caller to free; NULL if out of memory. */
char *keymap_text(const struct keymap *k);

/* The modifier state as wl_keyboard.modifiers says it. */
struct keymap_mods {
	uint32_t depressed, latched, locked, group;
};
struct keymap_mods keymap_modifiers(const struct keymap *k);

#endif
