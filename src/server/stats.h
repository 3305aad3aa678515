/* Per-worker statistics. Each counter has one writer, its worker, and is read
 * by others (a /metrics scrape, the exit summary): a relaxed atomic load and
 * store, which is a plain load and store on x86, no locked instruction and
 * no data race. Nothing is shared between workers on the request path. */
#ifndef UKIT_SERVER_STATS_H
#define UKIT_SERVER_STATS_H

#include <stdatomic.h>
#include <stdint.h>

struct counter {
	_Atomic uint64_t v;
};

static inline void count(struct counter *c, uint64_t n)
{
	atomic_store_explicit(&c->v, atomic_load_explicit(&c->v, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

static inline void gauge_add(struct counter *c, int64_t delta)
{
	count(c, (uint64_t)delta); /* wraps back for a negative delta */
}

static inline void gauge_set(struct counter *c, uint64_t v)
{
	atomic_store_explicit(&c->v, v, memory_order_relaxed);
}

static inline uint64_t counter_read(const struct counter *c)
{
	return atomic_load_explicit(&c->v, memory_order_relaxed);
}

/* Why connections closed. */
enum close_reason {
	CLOSE_PEER,     /* the peer closed first (EOF) */
	CLOSE_RESET,    /* a reset or another socket error */
	CLOSE_TIMEOUT,  /* the timer wheel: header, idle, linger or stalled-reader timeouts */
	CLOSE_SERVER,   /* after an answer that closes (Connection: close, errors, 503) */
	CLOSE_SHUTDOWN, /* graceful shutdown */
	CLOSE_REASONS
};

/* WebSocket close codes ukit sends, as counter indexes */
enum ws_close_kind { WS_CLOSED_1000, WS_CLOSED_1001, WS_CLOSED_1002, WS_CLOSED_1007,
		     WS_CLOSED_1009, WS_CLOSED_OTHER, WS_CLOSE_KINDS };

static inline enum ws_close_kind ws_close_kind(unsigned code)
{
	switch (code) {
	case 1000: return WS_CLOSED_1000;
	case 1001: return WS_CLOSED_1001;
	case 1002: return WS_CLOSED_1002;
	case 1007: return WS_CLOSED_1007;
	case 1009: return WS_CLOSED_1009;
	default: return WS_CLOSED_OTHER;
	}
}

#define STATUS_MIN 100
#define STATUS_MAX 599

struct worker_stats {
	struct counter accepted;
	struct counter refused;         /* over --max-conns: answered 503 */
	struct counter closed[CLOSE_REASONS];
	struct counter open;            /* gauge */
	struct counter requests;
	struct counter responses[STATUS_MAX - STATUS_MIN + 1]; /* by status code */
	struct counter bytes_in;
	struct counter bytes_out;
	struct counter pauses;          /* input paused for a slow reader */
	struct counter enobufs;         /* receives that found the buffer ring empty */
	struct counter rbufs;           /* gauge: receive buffers in service */
	struct counter accept_pauses;   /* accepting stopped: table full, or an accept error */
	struct counter cq_overflows;
	struct counter ws_upgrades;     /* connections switched to WebSocket */
	struct counter ws_open;         /* gauge */
	struct counter ws_frames_in;    /* data frames received */
	struct counter ws_messages;     /* messages echoed */
	struct counter ws_pings_in;
	struct counter ws_pings_out;    /* to idle peers */
	struct counter ws_closes[WS_CLOSE_KINDS]; /* close frames sent, by code */
};

static inline void count_response(struct worker_stats *st, unsigned status)
{
	if (status >= STATUS_MIN && status <= STATUS_MAX)
		count(&st->responses[status - STATUS_MIN], 1);
}

#endif
