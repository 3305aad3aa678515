/* Token bucket (see rate.h). */
#include "client/rate.h"

void rate_init(struct rate *r, double per_second, uint64_t now_ns)
{
	r->per_ns = per_second / 1e9;
	/* a tenth of a second's worth: the loop ticks every 100 ms, and a
	 * larger bucket would turn a pause into a burst */
	r->burst = per_second / 10 < 1 ? 1 : per_second / 10;
	r->tokens = per_second > 0 ? 1 : 0; /* the first connection goes at once */
	r->last_ns = now_ns;
}

uint32_t rate_take(struct rate *r, uint64_t now_ns, uint32_t want)
{
	uint32_t n;

	if (r->per_ns <= 0)
		return want;
	if (now_ns > r->last_ns) {
		r->tokens += (double)(now_ns - r->last_ns) * r->per_ns;
		if (r->tokens > r->burst)
			r->tokens = r->burst;
		r->last_ns = now_ns;
	}
	n = r->tokens >= (double)want ? want : (uint32_t)r->tokens;
	r->tokens -= n;
	return n;
}
