/*
 * font.h - a TrueType font file as a Cairo font face, through FreeType
 * directly: no fontconfig, so nothing to configure or cache in dom0's
 * initramfs or a minimal domain.  Used by the compositor and the demo.
 */
#ifndef BULKHEAD_FONT_H
#define BULKHEAD_FONT_H

#include <cairo.h>

/* The font at PATH; release with cairo_font_face_destroy().  NULL with
 * errno (ENOENT: no such font file). */
cairo_font_face_t *font_load(const char *path);

#endif
