/* HTTP/1.1 on a connection: feed bytes to the request parser, answer each
 * request as it completes (pipelined answers share a chunk), and hand the
 * connection to WebSocket after a 101. */
#include "server/conn_priv.h"

#include "loop/loop.h"
#include "server/metrics.h"

#include <stdlib.h>
#include <string.h>

static const char continue_head[] = "HTTP/1.1 100 Continue\r\n\r\n";

void conn_queue_answer(struct worker *w, struct conn *c, const struct http_answer *a)
{
	struct out *o = conn_out(w, c, HTTP_HEAD_MAX); /* the caller made sure there is room */
	size_t n = http_head_write(out_tail(o), &a->head, w->date);

	out_commit(o, n);
	if (a->body && !a->omit_body && a->head.content_length)
		out_ref(o, a->body, a->head.content_length);
	if (a->metrics && !a->omit_body) {
		o->holds_page++;
		w->metrics_refs++;
	}
	count_response(&w->st, a->head.status);
}

static void conn_queue_continue(struct worker *w, struct conn *c)
{
	struct out *o = conn_out(w, c, HTTP_HEAD_MAX);

	memcpy(out_tail(o), continue_head, sizeof(continue_head) - 1);
	out_commit(o, sizeof(continue_head) - 1);
	count_response(&w->st, 100);
}

void conn_answer_error(struct worker *w, struct conn *c, unsigned status)
{
	struct http_answer a;

	http_answer_error(status, &a);
	conn_queue_answer(w, c, &a);
	conn_drain(w, c);
}

/* Renders /metrics into the worker's page. Answers still being sent point
 * into it, so while any does, a scrape gets that same page again (rendered
 * a moment ago) instead of a new one. */
static int conn_metrics_page(struct worker *w, struct http_answer *a)
{
	if (!w->metrics_page) { /* once per worker, at its first scrape */
		w->metrics_cap = metrics_capacity(w->srv);
		w->metrics_page = malloc(w->metrics_cap);
		if (!w->metrics_page)
			return -1;
	}
	if (!w->metrics_refs)
		w->metrics_len = metrics_render(w->srv, w->metrics_page, w->metrics_cap);
	a->body = w->metrics_page;
	a->head.content_length = w->metrics_len;
	a->head.content_type = METRICS_CONTENT_TYPE;
	return 0;
}

/* A complete request: answer it. Returns 0 to go on parsing, -1 when the
 * connection left HTTP (closing answer, or upgraded to WebSocket). */
static int conn_http_request(struct worker *w, struct conn *c, const struct http_request *req)
{
	struct http_answer a;

	count(&w->st.requests, 1);
	c->flags &= (uint8_t)~CONN_HEAD_TIMER;
	http_answer_request(req, &a);
	if (a.metrics && conn_metrics_page(w, &a)) {
		conn_answer_error(w, c, 503);
		return -1;
	}
	if (w->stopping && a.upgrade) { /* no new WebSocket while shutting down */
		conn_answer_error(w, c, 503);
		return -1;
	}
	if (w->stopping && !a.close) { /* shutting down: this is the last answer */
		a.head.connection = HTTP_CONN_CLOSE;
		a.close = 1;
	}
	conn_queue_answer(w, c, &a);
	if (a.close) {
		if (!req->keep_alive) /* the client's own choice: it sends nothing more */
			c->flags |= CONN_CLIENT_DONE;
		conn_drain(w, c);
		return -1;
	}
	if (a.upgrade) { /* what follows the request is WebSocket frames */
		conn_ctx_put(w, c);
		c->state = CONN_WS;
		c->flags |= CONN_WEBSOCKET;
		count(&w->st.ws_upgrades, 1);
		gauge_add(&w->st.ws_open, 1);
		return -1;
	}
	return 0;
}

size_t conn_http_feed(struct worker *w, struct conn *c, const char *data, size_t len)
{
	size_t off = 0;

	while (off < len) {
		union conn_ctx *ctx;
		struct http_parser *p;
		size_t used;
		int fresh;

		if (!conn_out(w, c, HTTP_HEAD_MAX)) {
			conn_pause(w, c);
			return off;
		}
		ctx = conn_ctx_take(w, c, &fresh);
		if (!ctx) { /* cannot happen: the pool holds one per slot */
			conn_answer_error(w, c, 503);
			return len;
		}
		p = &ctx->http;
		if (fresh)
			http_parser_init(p, &w->srv->limits);
		switch (http_parse(p, data + off, len - off, &used)) {
		case HTTP_MORE:
			return len;
		case HTTP_CONTINUE:
			off += used;
			conn_queue_continue(w, c);
			break;
		case HTTP_DONE:
			off += used;
			if (conn_http_request(w, c, &p->req)) {
				if (c->state == CONN_WS)
					return off;
				if (off < len) /* input after the closing request: linger */
					c->flags &= (uint8_t)~CONN_CLIENT_DONE;
				return len;
			}
			break;
		case HTTP_ERROR:
			conn_answer_error(w, c, p->status);
			return len;
		}
	}
	return off;
}

void conn_http_after_input(struct worker *w, struct conn *c)
{
	union conn_ctx *ctx = conn_ctx(w, c);
	struct http_parser *p = ctx ? &ctx->http : NULL;

	if (p && !http_parser_idle(p)) {
		if (!p->in_head) {
			conn_deadline(w, c, w->srv->cfg.idle_timeout); /* a body arriving */
		} else if (!(c->flags & CONN_HEAD_TIMER)) {
			/* a new request began: its head must be complete in time,
			 * however slowly its bytes trickle in */
			c->flags |= CONN_HEAD_TIMER;
			conn_deadline(w, c, w->srv->cfg.header_timeout);
		}
		return;
	}
	if (!c->held.head)
		conn_ctx_put(w, c); /* idle connections hold no parser */
	conn_deadline(w, c, w->srv->cfg.idle_timeout);
}

int conn_http_timeout(struct worker *w, struct conn *c)
{
	union conn_ctx *ctx = conn_ctx(w, c);

	if (!ctx || http_parser_idle(&ctx->http) || c->out_sending || !conn_out(w, c, HTTP_HEAD_MAX))
		return -1;
	conn_answer_error(w, c, 408); /* a request was begun and not finished */
	conn_flush(w, c);
	return 0;
}
