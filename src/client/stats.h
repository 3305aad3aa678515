/* Per-ring statistics. Each counter has one writer, its ring's thread, which
 * updates it with a relaxed load and store (a plain add on x86); the main
 * thread reads them with relaxed loads once a second. Latency histograms are
 * handed over instead: the ring merges its samples into a mutex-guarded box a
 * few times a second and the main thread empties the box: never per request. */
#ifndef UKIT_CLIENT_STATS_H
#define UKIT_CLIENT_STATS_H

#include "client/hist.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

enum client_error {
	ERR_REFUSED,          /* connect: ECONNREFUSED */
	ERR_CONNECT_TIMEOUT,  /* connect did not finish within --timeout */
	ERR_CONNECT,          /* socket/bind/connect failed otherwise (local limits) */
	ERR_TIMEOUT,          /* a response did not finish within --timeout */
	ERR_CLOSED,           /* closed before a response ended */
	ERR_IDLE_CLOSED,      /* closed while idle, without Connection: close */
	ERR_RESET,            /* ECONNRESET, EPIPE */
	ERR_STATUS,           /* not 200 */
	ERR_LENGTH,           /* body length is not the asked length */
	ERR_BODY,             /* body is not a prefix of the server's text */
	ERR_GARBAGE,          /* not HTTP, or bytes nobody asked for */
	ERR_KINDS
};

extern const char *const client_error_names[ERR_KINDS];

typedef _Atomic uint64_t counter_t;

struct ring_stats {
	counter_t sent;          /* requests sent */
	counter_t responses;     /* responses read, valid or not */
	counter_t ok;            /* responses that passed every check */
	counter_t unanswered;    /* requests lost with their connection or at the end */
	counter_t bytes_in;
	counter_t connects;      /* connections established */
	counter_t server_closes; /* closes the server announced (Connection: close) */
	counter_t errors[ERR_KINDS];
	counter_t open;          /* established now */
	counter_t connecting;    /* connects in flight now */
};

/* The owner's update: one writer, so load + store is enough and race-free. */
static inline void stat_add(counter_t *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

static inline void stat_sub(counter_t *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) - n,
			      memory_order_relaxed);
}

static inline uint64_t stat_get(counter_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

/* Plain sums of every ring's counters, as the main thread sees them. */
struct totals {
	uint64_t sent, responses, ok, unanswered, bytes_in, connects, server_closes;
	uint64_t errors[ERR_KINDS];
	uint64_t open, connecting;
};

void totals_add(struct totals *t, struct ring_stats *s);
uint64_t totals_errors(const struct totals *t);

/* The latency box between a ring and the main thread. */
struct hist_box {
	pthread_mutex_t lock;
	struct hist h;
};

void hist_box_init(struct hist_box *b);
/* Ring side: moves src's samples into the box and resets src. */
void hist_box_put(struct hist_box *b, struct hist *src);
/* Main side: adds the box's samples into each non-NULL dst and empties it. */
void hist_box_take(struct hist_box *b, struct hist *dst1, struct hist *dst2);

#endif
