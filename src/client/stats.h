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
	/* WebSocket mode */
	ERR_WS_STATUS,        /* the handshake was answered with another status than 101 */
	ERR_WS_ACCEPT,        /* Sec-WebSocket-Accept missing or not the key's */
	ERR_WS_UPGRADE,       /* 101 without Upgrade: websocket and Connection: upgrade, or
				 with an extension or subprotocol nobody asked for */
	ERR_WS_PROTOCOL,      /* the server's frames broke RFC 6455 (we close with 1002) */
	ERR_WS_UTF8,          /* invalid UTF-8 in a text message or close reason (1007) */
	ERR_WS_CLOSED,        /* the server sent a close frame (codes: ws_closes_in) */
	ERR_PONG_TIMEOUT,     /* no pong within --timeout of a ping */
	ERR_ECHO_TIMEOUT,     /* no whole echo within --timeout of a message */
	ERR_ECHO,             /* an echo differs from its message */
	ERR_WS_UNASKED,       /* a data message while none of ours awaited its echo */
	ERR_KINDS
};

extern const char *const client_error_names[ERR_KINDS];

/* Why an established connection was closed. */
enum close_reason {
	CLOSE_SERVER,   /* announced by the server: Connection: close, a close frame */
	CLOSE_PEER,     /* EOF without an announcement */
	CLOSE_RESET,    /* ECONNRESET, EPIPE */
	CLOSE_TIMEOUT,  /* a response, handshake, pong or echo came too late */
	CLOSE_ERROR,    /* the server's bytes failed a check */
	CLOSE_CLIENT,   /* our choice: --connection-close */
	CLOSE_KINDS
};

extern const char *const close_reason_names[CLOSE_KINDS];

/* WebSocket close codes, counted by kind. */
enum wsc_kind { WSC_1000, WSC_1001, WSC_1002, WSC_1003, WSC_1005, WSC_1007, WSC_1008, WSC_1009,
		WSC_1011, WSC_OTHER, WSC_KINDS };

extern const char *const wsc_names[WSC_KINDS];
enum wsc_kind wsc_kind_of(unsigned code);

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
	counter_t bytes_out;
	counter_t closed[CLOSE_KINDS];
	/* WebSocket mode */
	counter_t ws_handshakes;       /* upgrades answered 101 and checked */
	counter_t ws_pings;            /* pings sent */
	counter_t ws_pongs;            /* pongs matched to our pings */
	counter_t ws_pings_unanswered; /* lost with a connection or in flight at the end */
	counter_t ws_pongs_other;      /* pongs that match no ping of ours (unsolicited) */
	counter_t ws_server_pings;     /* pings from the server, answered */
	counter_t ws_msgs;             /* messages sent */
	counter_t ws_echoes;           /* echoes that matched byte for byte */
	counter_t ws_msgs_unanswered;  /* messages lost with a connection or at the end */
	counter_t ws_closes_in[WSC_KINDS];  /* close frames received, by code */
	counter_t ws_closes_out[WSC_KINDS]; /* close frames sent, by code */
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
	uint64_t bytes_out;
	uint64_t closed[CLOSE_KINDS];
	uint64_t ws_handshakes, ws_pings, ws_pongs, ws_pings_unanswered, ws_pongs_other;
	uint64_t ws_server_pings, ws_msgs, ws_echoes, ws_msgs_unanswered;
	uint64_t ws_closes_in[WSC_KINDS], ws_closes_out[WSC_KINDS];
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
