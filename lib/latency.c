#include "lib/latency.h"

bool latency_add(struct latency_samples *s, uint64_t us)
{
	if (s->n < LATENCY_SAMPLES_MAX)
		s->us[s->n++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
	return s->n == LATENCY_SAMPLES_MAX;
}

/* Heapsort, in place: not qsort(3), as glibc's asks sysinfo(2) how much
 * memory there is (which the compositor's seccomp profile refuses) and
 * may allocate. */
static void sift_down(uint32_t *v, size_t root, size_t n)
{
	for (size_t child; (child = 2 * root + 1) < n; root = child) {
		if (child + 1 < n && v[child + 1] > v[child])
			child++;
		if (v[root] >= v[child])
			return;
		uint32_t t = v[root];
		v[root] = v[child];
		v[child] = t;
	}
}

static void sort_u32(uint32_t *v, size_t n)
{
	for (size_t i = n / 2; i-- > 0;)
		sift_down(v, i, n);
	for (size_t end = n; end-- > 1;) {
		uint32_t t = v[0];
		v[0] = v[end];
		v[end] = t;
		sift_down(v, 0, end);
	}
}

uint32_t latency_percentile(const uint32_t *sorted, size_t n, unsigned pct)
{
	/* ceil(pct * n / 100) in integers: no rounding of a float to trust. */
	size_t rank = ((size_t)pct * n + 99) / 100;
	return sorted[rank ? rank - 1 : 0];
}

struct latency_summary latency_take(struct latency_samples *s)
{
	struct latency_summary sum = { .n = s->n };

	if (s->n) {
		sort_u32(s->us, s->n);
		sum.p50_us = latency_percentile(s->us, s->n, 50);
		sum.p99_us = latency_percentile(s->us, s->n, 99);
		sum.max_us = s->us[s->n - 1];
	}
	s->n = 0;
	return sum;
}
