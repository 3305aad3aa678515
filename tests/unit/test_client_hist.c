/* The latency histogram: bucket arithmetic, accuracy against exact
 * percentiles, and merging. */
#include "client/hist.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

static struct hist h, h2;

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

Test(client_hist, buckets_tile_the_range_without_gaps)
{
	for (uint32_t i = 1; i < HIST_BUCKETS; i++)
		cr_assert_eq(hist_bucket_low(i), hist_bucket_high(i - 1) + 1, "bucket %u", i);
	for (uint64_t v = 0; v < 100000; v += 7) {
		uint32_t i = hist_index(v);
		cr_assert(hist_bucket_low(i) <= v && v <= hist_bucket_high(i), "value %lu", v);
	}
	cr_assert_eq(hist_index(UINT64_MAX), HIST_BUCKETS - 1);
}

Test(client_hist, small_values_are_exact)
{
	hist_reset(&h);
	for (uint64_t v = 0; v < 256; v++)
		hist_record(&h, v);
	cr_assert_eq(hist_quantile(&h, 0.5), 127);
	cr_assert_eq(hist_quantile(&h, 1), 255);
	cr_assert_eq(hist_quantile(&h, 0), 0);
}

Test(client_hist, percentiles_within_relative_error)
{
	enum { N = 100000 };
	static uint64_t v[N];
	static const double qs[] = { 0.01, 0.1, 0.5, 0.9, 0.99, 0.999, 0.9999 };

	srand(42);
	hist_reset(&h);
	for (int i = 0; i < N; i++) {
		/* log-uniform from 1 us to 10 s in ns: every magnitude is exercised */
		double e = 3 + 7 * ((double)rand() / RAND_MAX);
		v[i] = (uint64_t)pow(10, e);
		hist_record(&h, v[i]);
	}
	qsort(v, N, sizeof(v[0]), cmp_u64);
	for (size_t k = 0; k < sizeof(qs) / sizeof(qs[0]); k++) {
		uint64_t exact = v[(size_t)(qs[k] * N + 0.5) - 1];
		uint64_t got = hist_quantile(&h, qs[k]);
		double err = fabs((double)got - (double)exact) / (double)exact;
		cr_assert(err <= 1.0 / 128, "q %g: exact %lu got %lu (err %g)", qs[k], exact, got, err);
	}
	cr_assert_eq(h.count, N);
	cr_assert_eq(h.min, v[0]);
	cr_assert_eq(h.max, v[N - 1]);
}

Test(client_hist, merge_equals_recording_everything_in_one)
{
	static struct hist all;

	hist_reset(&h);
	hist_reset(&h2);
	hist_reset(&all);
	for (uint64_t i = 1; i < 50000; i++) {
		uint64_t x = i * 7919 % 3000000;
		hist_record(i % 3 ? &h : &h2, x);
		hist_record(&all, x);
	}
	hist_merge(&h, &h2);
	cr_assert_eq(h.count, all.count);
	cr_assert_eq(h.sum, all.sum);
	cr_assert_eq(h.min, all.min);
	cr_assert_eq(h.max, all.max);
	cr_assert_arr_eq(h.counts, all.counts, sizeof(all.counts));
	hist_reset(&h2);
	hist_merge(&h, &h2); /* an empty one changes nothing */
	cr_assert_eq(h.min, all.min);
}

Test(client_hist, empty_is_zero)
{
	hist_reset(&h);
	cr_assert_eq(hist_quantile(&h, 0.99), 0);
	cr_assert_eq(hist_mean(&h), 0);
}
