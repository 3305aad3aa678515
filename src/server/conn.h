/* A connection's protocol life, independent of the loop that runs it: bytes
 * in, answers out, pausing for slow readers, timeouts and the closing
 * handshake. The loop calls the conn_* functions below and provides the
 * loop_* ones in loop/loop.h. */
#ifndef UKIT_SERVER_CONN_H
#define UKIT_SERVER_CONN_H

#include "loop/rbuf.h"
#include "server/worker.h"

#include <stdint.h>

enum conn_state {
	CONN_FREE,
	CONN_HTTP,    /* reading requests, answering them */
	CONN_WS,      /* upgraded: echoing WebSocket messages */
	CONN_DRAIN,   /* a closing answer is queued: send it, ignore further input */
	CONN_LINGER,  /* write side shut: discard input until EOF or the linger timeout */
	CONN_CLOSING, /* the loop is closing it */
};

enum conn_flag {
	CONN_PAUSED = 1 << 0,    /* input stopped: both output chunks are full */
	CONN_PEER_EOF = 1 << 1,  /* the peer shut its write side */
	CONN_HEAD_TIMER = 1 << 2, /* the header timeout of the current request is set */
	CONN_WS_PINGED = 1 << 3, /* WebSocket: idle, pinged, waiting for any frame */
	CONN_WEBSOCKET = 1 << 4, /* upgraded (stays set while it drains and closes) */
	CONN_CLIENT_DONE = 1 << 5, /* its last request asked to close and nothing followed:
				      closing needs no linger */
};

/* Everything a connection holds while idle: 24 bytes, plus its wheel node. */
struct conn {
	uint32_t gen;          /* the loop's: bumped per connection, to drop stale completions */
	uint32_t ctx;          /* pool ref of the protocol context: a request parser
				  or a frame decoder, 0 between requests and messages */
	uint32_t out_fill;     /* pool ref of the chunk being filled */
	uint32_t out_sending;  /* pool ref of the chunk the loop is sending */
	struct rbuf_list held; /* input received while paused */
	uint8_t state;         /* enum conn_state */
	uint8_t flags;         /* enum conn_flag */
	uint16_t io;           /* the loop's own bits (operations in flight) */
};

static inline uint32_t conn_slot(const struct worker *w, const struct conn *c)
{
	return (uint32_t)(c - w->conns);
}

/* A new connection in slot c. May answer 503 at once (over --max-conns). */
void conn_open(struct worker *w, struct conn *c);

/* len bytes arrived in receive buffer id; the connection returns it to the loop when done. */
void conn_recv(struct worker *w, struct conn *c, uint32_t id, uint32_t len);

/* The peer shut its write side (a receive returned 0). */
void conn_eof(struct worker *w, struct conn *c);

/* A receive or send failed with -err (RST, EPIPE, ...): close at once. */
void conn_error(struct worker *w, struct conn *c, int err);

/* The loop sent res bytes of the chunk out_sending (or failed: res < 0). */
void conn_sent(struct worker *w, struct conn *c, int res);

/* The loop has closed the connection and nothing of it is in flight. */
void conn_closed(struct worker *w, struct conn *c);

/* Whether the loop should keep receiving for this connection. */
static inline int conn_wants_input(const struct conn *c)
{
	return (c->state == CONN_HTTP || c->state == CONN_WS || c->state == CONN_DRAIN ||
		c->state == CONN_LINGER) &&
	       !(c->flags & (CONN_PAUSED | CONN_PEER_EOF));
}

#endif
