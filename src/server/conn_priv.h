/* What conn.c (the lifecycle), conn_http.c and conn_ws.c (the two
 * protocols a connection can speak) share. Not for the loops. */
#ifndef UKIT_SERVER_CONN_PRIV_H
#define UKIT_SERVER_CONN_PRIV_H

#include "http/handler.h"
#include "http/request.h"
#include "loop/out.h"
#include "server/conn.h"
#include "ws/decode.h"

#include <stddef.h>

/* The protocol state of a connection in the middle of a request or a
 * WebSocket frame, from a pool: idle connections hold none. */
union conn_ctx {
	struct http_parser http;
	struct {
		struct ws_decoder dec;
		uint8_t opcode;   /* of the message being echoed */
		uint8_t echoing;  /* some of it was echoed, not the end */
		uint8_t fin_sent; /* all of it was echoed */
	} ws;
};

static inline union conn_ctx *conn_ctx(struct worker *w, struct conn *c)
{
	return c->ctx ? pool_at(&w->ctxs, c->ctx) : NULL;
}

/* Takes a context for c (new: *fresh is set) or returns the one it has. */
union conn_ctx *conn_ctx_take(struct worker *w, struct conn *c, int *fresh);
void conn_ctx_put(struct worker *w, struct conn *c);

void conn_deadline(struct worker *w, struct conn *c, unsigned seconds);

/* A chunk with room for copy more bytes and one reference, or NULL when
 * both of c's chunks are full (the caller pauses input). */
struct out *conn_out(struct worker *w, struct conn *c, size_t copy);
void conn_flush(struct worker *w, struct conn *c);
void conn_pause(struct worker *w, struct conn *c);

/* A closing answer is queued: send it, read nothing more, then linger. */
void conn_drain(struct worker *w, struct conn *c);

/* Close now (the loop cancels what is in flight), counted under why. */
void conn_close(struct worker *w, struct conn *c, enum close_reason why);

/* The worker: a deadline came, or a graceful stop began. */
void conn_timeout(struct worker *w, struct conn *c);
void conn_stop(struct worker *w, struct conn *c);

/* HTTP (conn_http.c) */
void conn_queue_answer(struct worker *w, struct conn *c, const struct http_answer *a);
void conn_answer_error(struct worker *w, struct conn *c, unsigned status);
/* Parses and answers requests; returns what was consumed: less than len when
 * input paused or the connection left HTTP (an upgrade, a closing answer). */
size_t conn_http_feed(struct worker *w, struct conn *c, const char *data, size_t len);
/* Timers and memory after input. */
void conn_http_after_input(struct worker *w, struct conn *c);
/* The request in progress timed out: answer 408 if possible; 0 if done. */
int conn_http_timeout(struct worker *w, struct conn *c);

/* WebSocket (conn_ws.c) */
size_t conn_ws_feed(struct worker *w, struct conn *c, char *data, size_t len);
void conn_ws_after_input(struct worker *w, struct conn *c);
/* The idle timer fired: ping, or close an unanswering peer; 0 if handled. */
int conn_ws_timeout(struct worker *w, struct conn *c);
/* Graceful shutdown: a close frame (1001, going away). */
void conn_ws_stop(struct worker *w, struct conn *c);

#endif
