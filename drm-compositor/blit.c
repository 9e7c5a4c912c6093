#include "drm-compositor/blit.h"

#include <stdbool.h>
#include <string.h>

#ifdef __SSE2__
#include <immintrin.h>
#endif

/* Cairo's double to 16 bits, then pixman's 16 to 8 bits. */
static uint8_t cairo_byte(double v)
{
	return (uint8_t)((uint16_t)(v * 65535.0 + 0.5) >> 8);
}

struct blit_tint blit_tint_of(uint32_t label_rgb)
{
	struct blit_tint t = { .keep = (uint16_t)(255 - cairo_byte(BLIT_TINT_ALPHA)) };
	for (int i = 0; i < 3; i++)
		t.add[i] = cairo_byte((double)((label_rgb >> (8 * i)) & 0xff) / 255.0 *
				      BLIT_TINT_ALPHA);
	t.add[3] = cairo_byte(BLIT_TINT_ALPHA);
	return t;
}

static const pixman_box32_t *boxes(const pixman_region32_t *region, int *n)
{
	return pixman_region32_rectangles((pixman_region32_t *)region, n);
}

void blit_fill(const struct canvas *c, const pixman_region32_t *region, uint32_t rgb)
{
	int n;
	const pixman_box32_t *b = boxes(region, &n);
	for (int i = 0; i < n; i++)
		/* pixman's general implementation fills every 32 bpp box:
		 * it cannot refuse one. */
		(void)pixman_fill(c->bits, (int)c->stride, 32, b[i].x1, b[i].y1,
				  b[i].x2 - b[i].x1, b[i].y2 - b[i].y1, rgb | 0xff000000u);
}

static const uint32_t *source_at(const struct blit_source *s, int32_t x, int32_t y)
{
	return s->bits + (size_t)(y - s->y0) * s->stride + (size_t)(x - s->x0);
}

void blit_copy(const struct canvas *c, const pixman_region32_t *region,
	       const struct blit_source *src)
{
	int n;
	const pixman_box32_t *b = boxes(region, &n);
	for (int i = 0; i < n; i++) {
		size_t bytes = (size_t)(b[i].x2 - b[i].x1) * 4;
		for (int32_t y = b[i].y1; y < b[i].y2; y++)
			memcpy(c->bits + (size_t)y * c->stride + (size_t)b[i].x1,
			       source_at(src, b[i].x1, y), bytes);
	}
}

/* One byte: add + v * keep / 255, rounded as pixman does. */
static uint32_t tint_byte(uint32_t v, const struct blit_tint *t, int i)
{
	uint32_t m = v * t->keep + 0x80;
	return t->add[i] + ((m + (m >> 8)) >> 8);
}

uint32_t blit_tinted(const struct blit_tint *t, uint32_t pixel)
{
	uint32_t out = 0;
	for (int k = 0; k < 4; k++)
		out |= tint_byte((pixel >> (8 * k)) & 0xff, t, k) << (8 * k);
	return out;
}

/* What the CPU has, asked once a blit_tint(). */
enum simd { SIMD_SSE2, SIMD_AVX2, SIMD_AVX512 };

/* The SIMD steps widen each byte to 16 bits: v * keep + 0x80 is at most
 * 255 * 255 + 0x80, so no lane overflows, and for every such m,
 * (m * 257) >> 16 is pixman's (m + (m >> 8)) >> 8.  They return how many
 * pixels they did; the rest are done one by one. */
#ifdef __SSE2__
static size_t tint_sse2(uint32_t *restrict dst, const uint32_t *restrict src, size_t n,
			const struct blit_tint *t)
{
	const __m128i zero = _mm_setzero_si128(), round = _mm_set1_epi16(0x80);
	const __m128i keep = _mm_set1_epi16((short)t->keep), div = _mm_set1_epi16(257);
	const __m128i add = _mm_setr_epi16(t->add[0], t->add[1], t->add[2], t->add[3],
					   t->add[0], t->add[1], t->add[2], t->add[3]);
	size_t i = 0;
	for (; i + 4 <= n; i += 4) {
		__m128i p = _mm_loadu_si128((const __m128i *)(const void *)(src + i));
		__m128i lo = _mm_add_epi16(_mm_mullo_epi16(_mm_unpacklo_epi8(p, zero), keep), round);
		__m128i hi = _mm_add_epi16(_mm_mullo_epi16(_mm_unpackhi_epi8(p, zero), keep), round);
		lo = _mm_add_epi16(_mm_mulhi_epu16(lo, div), add);
		hi = _mm_add_epi16(_mm_mulhi_epu16(hi, div), add);
		_mm_storeu_si128((__m128i *)(void *)(dst + i), _mm_packus_epi16(lo, hi));
	}
	return i;
}

/* Eight pixels a step where the CPU has AVX2 (unpack and pack work in
 * 128-bit halves, so the pixels stay in order). */
__attribute__((target("avx2"))) static size_t tint_avx2(uint32_t *restrict dst,
							 const uint32_t *restrict src, size_t n,
							 const struct blit_tint *t)
{
	const __m256i zero = _mm256_setzero_si256(), round = _mm256_set1_epi16(0x80);
	const __m256i keep = _mm256_set1_epi16((short)t->keep), div = _mm256_set1_epi16(257);
	const __m256i add = _mm256_set1_epi64x((long long)((uint64_t)t->add[0] |
							   (uint64_t)t->add[1] << 16 |
							   (uint64_t)t->add[2] << 32 |
							   (uint64_t)t->add[3] << 48));
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		__m256i p = _mm256_loadu_si256((const __m256i *)(const void *)(src + i));
		__m256i lo = _mm256_add_epi16(_mm256_mullo_epi16(_mm256_unpacklo_epi8(p, zero), keep),
					      round);
		__m256i hi = _mm256_add_epi16(_mm256_mullo_epi16(_mm256_unpackhi_epi8(p, zero), keep),
					      round);
		lo = _mm256_add_epi16(_mm256_mulhi_epu16(lo, div), add);
		hi = _mm256_add_epi16(_mm256_mulhi_epu16(hi, div), add);
		_mm256_storeu_si256((__m256i *)(void *)(dst + i), _mm256_packus_epi16(lo, hi));
	}
	return i;
}

/* Sixteen where it has AVX-512BW. */
__attribute__((target("avx512bw"))) static size_t tint_avx512(uint32_t *restrict dst,
							       const uint32_t *restrict src,
							       size_t n, const struct blit_tint *t)
{
	const __m512i zero = _mm512_setzero_si512(), round = _mm512_set1_epi16(0x80);
	const __m512i keep = _mm512_set1_epi16((short)t->keep), div = _mm512_set1_epi16(257);
	const __m512i add = _mm512_set1_epi64((long long)((uint64_t)t->add[0] |
							  (uint64_t)t->add[1] << 16 |
							  (uint64_t)t->add[2] << 32 |
							  (uint64_t)t->add[3] << 48));
	size_t i = 0;
	for (; i + 16 <= n; i += 16) {
		__m512i p = _mm512_loadu_si512((const void *)(src + i));
		__m512i lo = _mm512_add_epi16(_mm512_mullo_epi16(_mm512_unpacklo_epi8(p, zero), keep),
					      round);
		__m512i hi = _mm512_add_epi16(_mm512_mullo_epi16(_mm512_unpackhi_epi8(p, zero), keep),
					      round);
		lo = _mm512_add_epi16(_mm512_mulhi_epu16(lo, div), add);
		hi = _mm512_add_epi16(_mm512_mulhi_epu16(hi, div), add);
		_mm512_storeu_si512((void *)(dst + i), _mm512_packus_epi16(lo, hi));
	}
	return i;
}
#endif

static void tint_row(uint32_t *restrict dst, const uint32_t *restrict src, size_t n,
		     const struct blit_tint *t, enum simd simd)
{
	size_t i = 0;
#ifdef __SSE2__
	i = simd >= SIMD_AVX512 ? tint_avx512(dst, src, n, t) : 0;
	i += simd >= SIMD_AVX2 ? tint_avx2(dst + i, src + i, n - i, t) : 0;
	i += tint_sse2(dst + i, src + i, n - i, t);
#else
	(void)simd;
#endif
	for (; i < n; i++)
		dst[i] = blit_tinted(t, src[i]);
}

void blit_tint(const struct canvas *c, const pixman_region32_t *region,
	       const struct blit_source *src, const struct blit_tint *t)
{
	int n;
	const pixman_box32_t *b = boxes(region, &n);
#ifdef __SSE2__
	enum simd simd = __builtin_cpu_supports("avx512bw") ? SIMD_AVX512 :
			 __builtin_cpu_supports("avx2")     ? SIMD_AVX2 : SIMD_SSE2;
#else
	enum simd simd = SIMD_SSE2;
#endif
	for (int i = 0; i < n; i++)
		for (int32_t y = b[i].y1; y < b[i].y2; y++)
			tint_row(c->bits + (size_t)y * c->stride + (size_t)b[i].x1,
				 source_at(src, b[i].x1, y), (size_t)(b[i].x2 - b[i].x1), t, simd);
}
