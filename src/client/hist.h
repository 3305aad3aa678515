/* A log-linear latency histogram in the manner of HdrHistogram: values below
 * 256 are counted exactly, above that each power of two is cut into 128
 * equal buckets, so any reported value is within 1/256 of a recorded one.
 * Fixed memory (35 KiB), no per-sample storage, merged by adding counts. */
#ifndef UKIT_CLIENT_HIST_H
#define UKIT_CLIENT_HIST_H

#include <stdint.h>

#define HIST_SUB_BITS 7
#define HIST_SUB (1u << HIST_SUB_BITS)          /* buckets per power of two */
#define HIST_MAX_BITS 40                        /* values clamp below 2^40 (18 min in ns) */
#define HIST_BUCKETS ((HIST_MAX_BITS - HIST_SUB_BITS + 1) * HIST_SUB)

struct hist {
	uint64_t count;
	uint64_t sum;
	uint64_t min, max;
	uint64_t counts[HIST_BUCKETS];
};

void hist_reset(struct hist *h);
void hist_record(struct hist *h, uint64_t value);

/* Adds every count of src into dst. */
void hist_merge(struct hist *dst, const struct hist *src);

/* The value at quantile q (0..1): the middle of the bucket holding it, kept
 * within [min, max]; 0 for an empty histogram. */
uint64_t hist_quantile(const struct hist *h, double q);

static inline double hist_mean(const struct hist *h)
{
	return h->count ? (double)h->sum / (double)h->count : 0.0;
}

/* Bucket arithmetic, exposed for the tests. */
uint32_t hist_index(uint64_t value);
uint64_t hist_bucket_low(uint32_t index);
uint64_t hist_bucket_high(uint32_t index); /* inclusive */

#endif
