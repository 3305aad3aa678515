/* The connection ramp's token bucket. */
#include "client/rate.h"

#include <criterion/criterion.h>

#define S 1000000000ull

Test(client_rate, unlimited_gives_all)
{
	struct rate r;

	rate_init(&r, 0, 0);
	cr_assert_eq(rate_take(&r, 0, 5000), 5000);
}

Test(client_rate, holds_the_rate_over_time)
{
	struct rate r;
	uint64_t got = 0;

	rate_init(&r, 1000, 0);
	/* ask for everything every millisecond for 10 s */
	for (uint64_t t = 0; t <= 10 * S; t += S / 1000)
		got += rate_take(&r, t, 1000);
	cr_assert(got >= 9990 && got <= 10010, "got %lu in 10 s at 1000/s", got);
}

Test(client_rate, a_pause_gives_only_a_small_burst)
{
	struct rate r;

	rate_init(&r, 1000, 0);
	cr_assert_eq(rate_take(&r, 0, 10), 1); /* the first goes at once */
	cr_assert_eq(rate_take(&r, 60 * S, 100000), 100); /* a tenth of a second's worth */
	cr_assert_eq(rate_take(&r, 60 * S, 100000), 0);
}

Test(client_rate, slow_rates_accrue_fractions)
{
	struct rate r;
	uint32_t got = 0;

	rate_init(&r, 2, 0);
	got += rate_take(&r, 0, 10);
	for (uint64_t t = 1; t <= 5 * S; t += S / 10)
		got += rate_take(&r, t, 10);
	cr_assert(got >= 10 && got <= 12, "got %u in 5 s at 2/s", got);
}
