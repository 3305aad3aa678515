/* Log-linear histogram (see hist.h). */
#include "client/hist.h"

#include <string.h>

void hist_reset(struct hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

uint32_t hist_index(uint64_t v)
{
	unsigned msb, shift;

	if (v >= 1ull << HIST_MAX_BITS)
		v = (1ull << HIST_MAX_BITS) - 1;
	if (v < 2 * HIST_SUB)
		return (uint32_t)v;
	msb = 63u - (unsigned)__builtin_clzll(v);
	shift = msb - HIST_SUB_BITS; /* >= 1 */
	return (shift + 1) * HIST_SUB + (uint32_t)((v >> shift) - HIST_SUB);
}

uint64_t hist_bucket_low(uint32_t i)
{
	unsigned shift;

	if (i < 2 * HIST_SUB)
		return i;
	shift = i / HIST_SUB - 1;
	return (uint64_t)(i % HIST_SUB + HIST_SUB) << shift;
}

uint64_t hist_bucket_high(uint32_t i)
{
	if (i < 2 * HIST_SUB)
		return i;
	return hist_bucket_low(i) + (1ull << (i / HIST_SUB - 1)) - 1;
}

void hist_record(struct hist *h, uint64_t v)
{
	h->counts[hist_index(v)]++;
	h->count++;
	h->sum += v;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

void hist_merge(struct hist *dst, const struct hist *src)
{
	uint32_t last;

	if (!src->count)
		return;
	/* only the buckets between min and max can hold counts */
	last = hist_index(src->max);
	for (uint32_t i = hist_index(src->min); i <= last; i++)
		dst->counts[i] += src->counts[i];
	dst->count += src->count;
	dst->sum += src->sum;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

uint64_t hist_quantile(const struct hist *h, double q)
{
	uint64_t rank, seen = 0;

	if (!h->count)
		return 0;
	if (q <= 0)
		return h->min;
	if (q >= 1)
		return h->max;
	/* the smallest value with at least q of the samples at or below it */
	rank = (uint64_t)(q * (double)h->count + 0.5);
	if (rank < 1)
		rank = 1;
	for (uint32_t i = 0; i < HIST_BUCKETS; i++) {
		seen += h->counts[i];
		if (seen >= rank) {
			uint64_t lo = hist_bucket_low(i), hi = hist_bucket_high(i);
			uint64_t v = lo + (hi - lo) / 2;
			if (v < h->min)
				v = h->min;
			if (v > h->max)
				v = h->max;
			return v;
		}
	}
	return h->max;
}
