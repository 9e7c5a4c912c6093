#include "display/font.h"

#include <cairo-ft.h>
#include <errno.h>
#include <ft2build.h>
#include FT_FREETYPE_H
#include <stdlib.h>

/* FreeType's library and face, freed when Cairo drops its last reference
 * to the font face (its caches may hold one after ours is gone). */
struct ft_font {
	FT_Library ft;
	FT_Face face;
};

static void ft_font_free(void *p)
{
	struct ft_font *f = p;
	FT_Done_Face(f->face);
	FT_Done_FreeType(f->ft);
	free(f);
}

cairo_font_face_t *font_load(const char *path)
{
	static const cairo_user_data_key_t key;
	struct ft_font *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	if (FT_Init_FreeType(&f->ft) != 0) {
		free(f);
		errno = ENOMEM;
		return NULL;
	}
	if (FT_New_Face(f->ft, path, 0, &f->face) != 0) {
		FT_Done_FreeType(f->ft);
		free(f);
		errno = ENOENT;
		return NULL;
	}
	cairo_font_face_t *face = cairo_ft_font_face_create_for_ft_face(f->face, 0);
	if (cairo_font_face_set_user_data(face, &key, f, ft_font_free) != CAIRO_STATUS_SUCCESS) {
		cairo_font_face_destroy(face);
		ft_font_free(f);
		errno = ENOMEM;
		return NULL;
	}
	return face;
}
