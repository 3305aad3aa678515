/* A token bucket for the connection ramp: tokens accrue at rate per second
 * up to burst; each new connection takes one. Rate 0 means unlimited. Time
 * is passed in, so the arithmetic is testable without a clock. */
#ifndef UKIT_CLIENT_RATE_H
#define UKIT_CLIENT_RATE_H

#include <stdint.h>

struct rate {
	double per_ns;    /* tokens per nanosecond; 0: unlimited */
	double tokens;
	double burst;
	uint64_t last_ns;
};

void rate_init(struct rate *r, double per_second, uint64_t now_ns);

/* How many of want may start now (taking those tokens). */
uint32_t rate_take(struct rate *r, uint64_t now_ns, uint32_t want);

#endif
