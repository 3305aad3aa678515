/* Connection lifecycle over the loop interface: parse requests as bytes
 * arrive, queue answers into output chunks, pause input while a slow reader
 * has two full chunks unsent, and close with the RFC 9112 9.6 lingering
 * close so an error answer is not lost to a reset. */
#include "server/conn.h"

#include "http/handler.h"
#include "loop/loop.h"
#include "server/metrics.h"

#include <stdlib.h>
#include <string.h>

#define LINGER_SECONDS 2

static const char continue_head[] = "HTTP/1.1 100 Continue\r\n\r\n";

static void conn_drain(struct worker *w, struct conn *c);
static void conn_check_done(struct worker *w, struct conn *c);

static void conn_deadline(struct worker *w, struct conn *c, unsigned seconds)
{
	wheel_set(&w->wheel, conn_slot(w, c), w->now + seconds);
}

static struct out *out_of(struct worker *w, uint32_t ref)
{
	return pool_at(&w->outs, ref);
}

static void conn_out_put(struct worker *w, uint32_t ref)
{
	w->metrics_refs -= out_of(w, ref)->holds_page;
	pool_put(&w->outs, ref);
}

static int conn_output_idle(struct worker *w, struct conn *c)
{
	return !c->out_sending && (!c->out_fill || out_empty(out_of(w, c->out_fill)));
}

/* Hands the filled chunk to the loop if nothing is being sent. */
static void conn_flush(struct worker *w, struct conn *c)
{
	struct out *o;

	if (c->out_sending || !c->out_fill)
		return;
	o = out_of(w, c->out_fill);
	if (out_empty(o))
		return;
	c->out_sending = c->out_fill;
	c->out_fill = 0;
	loop_send(w, c, o);
}

/* A chunk with room for one more answer, or NULL when both chunks are full. */
static struct out *conn_out(struct worker *w, struct conn *c)
{
	struct out *o;

	if (!c->out_fill) {
		c->out_fill = pool_get(&w->outs);
		if (!c->out_fill)
			return NULL; /* cannot happen: the pool holds two per slot */
		out_reset(out_of(w, c->out_fill));
	}
	o = out_of(w, c->out_fill);
	if (out_has_room(o, HTTP_HEAD_MAX, 1))
		return o;
	if (c->out_sending)
		return NULL;
	conn_flush(w, c);
	return conn_out(w, c);
}

static void conn_queue_answer(struct worker *w, struct conn *c, const struct http_answer *a)
{
	struct out *o = conn_out(w, c); /* the caller made sure there is room */
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
	struct out *o = conn_out(w, c);

	memcpy(out_tail(o), continue_head, sizeof(continue_head) - 1);
	out_commit(o, sizeof(continue_head) - 1);
	count_response(&w->st, 100);
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

static void conn_answer_error(struct worker *w, struct conn *c, unsigned status)
{
	struct http_answer a;

	http_answer_error(status, &a);
	conn_queue_answer(w, c, &a);
	conn_drain(w, c);
}

static void conn_pause(struct worker *w, struct conn *c)
{
	if (c->flags & CONN_PAUSED)
		return;
	c->flags |= CONN_PAUSED;
	count(&w->st.pauses, 1);
	loop_recv_stop(w, c);
}

static void conn_release_parser(struct worker *w, struct conn *c)
{
	if (c->parser) {
		pool_put(&w->parsers, c->parser);
		c->parser = 0;
	}
}

static void conn_release_held(struct worker *w, struct conn *c)
{
	while (c->held.head)
		loop_rbuf_put(w, rbuf_unhold(&w->rbufs, &c->held));
}

static struct http_parser *conn_parser(struct worker *w, struct conn *c)
{
	if (!c->parser) {
		c->parser = pool_get(&w->parsers);
		if (!c->parser)
			return NULL; /* cannot happen: the pool holds one per slot */
		http_parser_init(pool_at(&w->parsers, c->parser), &w->srv->limits);
	}
	return pool_at(&w->parsers, c->parser);
}

/* Parses and answers requests in data. Returns how much was consumed: less
 * than len when output is full and input pauses. */
static size_t conn_feed(struct worker *w, struct conn *c, const char *data, size_t len)
{
	size_t off = 0;

	while (off < len) {
		struct http_parser *p;
		struct http_answer a;
		size_t used;

		if (c->state != CONN_HTTP)
			return len; /* an answer that closes is queued: the rest is not read */
		if (!conn_out(w, c)) {
			conn_pause(w, c);
			return off;
		}
		p = conn_parser(w, c);
		if (!p) {
			conn_answer_error(w, c, 503);
			return len;
		}
		switch (http_parse(p, data + off, len - off, &used)) {
		case HTTP_MORE:
			off = len;
			break;
		case HTTP_CONTINUE:
			off += used;
			conn_queue_continue(w, c);
			break;
		case HTTP_DONE:
			off += used;
			count(&w->st.requests, 1);
			c->flags &= (uint8_t)~CONN_HEAD_TIMER;
			http_answer_request(&p->req, &a);
			if (a.metrics && conn_metrics_page(w, &a)) {
				conn_answer_error(w, c, 503);
				return len;
			}
			if (w->stopping && !a.close) { /* shutting down: this is the last one */
				a.head.connection = HTTP_CONN_CLOSE;
				a.close = 1;
			}
			conn_queue_answer(w, c, &a);
			if (a.close)
				conn_drain(w, c);
			break;
		case HTTP_ERROR:
			conn_answer_error(w, c, p->status);
			return len;
		}
	}
	return off;
}

/* After input was consumed: timers, the parser's memory, pending output. */
static void conn_after_input(struct worker *w, struct conn *c)
{
	struct http_parser *p = c->parser ? pool_at(&w->parsers, c->parser) : NULL;

	if (c->state == CONN_HTTP) {
		if (p && !http_parser_idle(p)) {
			if (!p->in_head) {
				conn_deadline(w, c, w->srv->cfg.idle_timeout); /* a body arriving */
			} else if (!(c->flags & CONN_HEAD_TIMER)) {
				/* a new request began: its head must be complete in time,
				 * however slowly its bytes trickle in */
				c->flags |= CONN_HEAD_TIMER;
				conn_deadline(w, c, w->srv->cfg.header_timeout);
			}
		} else {
			if (!c->held.head)
				conn_release_parser(w, c); /* idle connections hold no parser */
			conn_deadline(w, c, w->srv->cfg.idle_timeout);
		}
	}
	conn_flush(w, c);
	conn_check_done(w, c);
}

void conn_recv(struct worker *w, struct conn *c, uint32_t id, uint32_t len)
{
	size_t used;

	count(&w->st.bytes_in, len);
	if (c->state != CONN_HTTP) { /* draining or lingering: input is discarded */
		loop_rbuf_put(w, id);
		return;
	}
	if (c->held.head || (c->flags & CONN_PAUSED)) {
		rbuf_hold(&w->rbufs, &c->held, id, 0, len); /* keep order behind held input */
		return;
	}
	used = conn_feed(w, c, rbuf_data(&w->rbufs, id), len);
	if (used < len)
		rbuf_hold(&w->rbufs, &c->held, id, (uint32_t)used, (uint32_t)(len - used));
	else
		loop_rbuf_put(w, id);
	conn_after_input(w, c);
}

/* Output has room again: parse what was held, then receive again. */
static void conn_resume(struct worker *w, struct conn *c)
{
	c->flags &= (uint8_t)~CONN_PAUSED;
	while (c->held.head && c->state == CONN_HTTP) {
		uint32_t id = (uint32_t)rbuf_first(&c->held);
		uint32_t off = w->rbufs.off[id], len = w->rbufs.len[id];
		size_t used = conn_feed(w, c, rbuf_data(&w->rbufs, id) + off, len);

		if (used < len) { /* paused again */
			w->rbufs.off[id] = (uint16_t)(off + used);
			w->rbufs.len[id] = (uint16_t)(len - used);
			break;
		}
		loop_rbuf_put(w, rbuf_unhold(&w->rbufs, &c->held));
	}
	if (c->state != CONN_HTTP)
		conn_release_held(w, c);
	if (conn_wants_input(c))
		loop_recv_start(w, c);
	conn_after_input(w, c);
}

/* A closing answer is queued: once it is sent, linger. */
static void conn_drain(struct worker *w, struct conn *c)
{
	c->state = CONN_DRAIN;
	conn_release_parser(w, c);
	conn_release_held(w, c);
	c->flags &= (uint8_t)~CONN_PAUSED;
	conn_deadline(w, c, w->srv->cfg.idle_timeout);
}

static void conn_abort(struct worker *w, struct conn *c, enum close_reason why)
{
	if (c->state == CONN_CLOSING || c->state == CONN_FREE)
		return;
	count(&w->st.closed[why], 1);
	c->state = CONN_CLOSING;
	wheel_clear(&w->wheel, conn_slot(w, c));
	loop_close(w, c);
}

/* Lingering close: shut our side and read until the peer is done, so that
 * unread requests do not turn our close into a reset that destroys the
 * answer in the peer's receive queue. */
static void conn_linger(struct worker *w, struct conn *c)
{
	if (c->flags & CONN_PEER_EOF) {
		conn_abort(w, c, CLOSE_SERVER); /* nothing more will arrive: a plain close is clean */
		return;
	}
	c->state = CONN_LINGER;
	loop_shutdown_write(w, c);
	loop_recv_start(w, c);
	conn_deadline(w, c, LINGER_SECONDS);
}

/* Closes when nothing is left to do: a drained closing answer, or a peer
 * that finished sending and has all its answers. */
static void conn_check_done(struct worker *w, struct conn *c)
{
	if (!conn_output_idle(w, c))
		return;
	if (c->state == CONN_DRAIN) {
		conn_linger(w, c);
	} else if (c->state == CONN_HTTP) {
		int idle = !c->parser || http_parser_idle(pool_at(&w->parsers, c->parser));
		if ((c->flags & CONN_PEER_EOF) && !c->held.head)
			conn_abort(w, c, CLOSE_PEER); /* half-closed peer: every answer is out */
		else if (w->stopping && idle && !c->held.head)
			conn_abort(w, c, CLOSE_SHUTDOWN);
	}
}

void conn_open(struct worker *w, struct conn *c)
{
	uint32_t gen = c->gen;
	uint16_t io = c->io;

	memset(c, 0, sizeof(*c));
	c->gen = gen;
	c->io = io;
	c->state = CONN_HTTP;
	w->nopen++;
	count(&w->st.accepted, 1);
	gauge_set(&w->st.open, w->nopen);
	conn_deadline(w, c, w->srv->cfg.header_timeout);
	if (atomic_fetch_add_explicit(&w->srv->open, 1, memory_order_relaxed) >=
	    w->srv->cfg.max_conns) {
		count(&w->st.refused, 1);
		conn_answer_error(w, c, 503);
		conn_flush(w, c);
	}
}

void conn_eof(struct worker *w, struct conn *c)
{
	c->flags |= CONN_PEER_EOF;
	if (c->state == CONN_LINGER) {
		conn_abort(w, c, CLOSE_SERVER); /* the lingering close is complete */
		return;
	}
	conn_check_done(w, c);
}

void conn_error(struct worker *w, struct conn *c, int err)
{
	(void)err;
	conn_abort(w, c, CLOSE_RESET);
}

void conn_sent(struct worker *w, struct conn *c, int res)
{
	struct out *o = out_of(w, c->out_sending);

	if (res < 0) {
		conn_error(w, c, -res);
		return;
	}
	count(&w->st.bytes_out, (uint64_t)res);
	out_consume(o, (size_t)res);
	if (!out_empty(o)) { /* a short send: the rest goes next */
		loop_send(w, c, o);
		return;
	}
	conn_out_put(w, c->out_sending);
	c->out_sending = 0;
	if (c->state == CONN_HTTP || c->state == CONN_DRAIN)
		conn_deadline(w, c, w->srv->cfg.idle_timeout); /* the reader makes progress */
	conn_flush(w, c);
	if (c->flags & CONN_PAUSED)
		conn_resume(w, c);
	else
		conn_check_done(w, c);
}

void conn_closed(struct worker *w, struct conn *c)
{
	conn_release_parser(w, c);
	conn_release_held(w, c);
	if (c->out_fill)
		conn_out_put(w, c->out_fill);
	if (c->out_sending)
		conn_out_put(w, c->out_sending);
	c->out_fill = c->out_sending = 0;
	wheel_clear(&w->wheel, conn_slot(w, c));
	c->state = CONN_FREE;
	w->nopen--;
	gauge_set(&w->st.open, w->nopen);
	atomic_fetch_sub_explicit(&w->srv->open, 1, memory_order_relaxed);
}

/* --- worker-wide ----------------------------------------------------------- */

static void conn_timeout(void *ctx, uint32_t slot)
{
	struct worker *w = ctx;
	struct conn *c = &w->conns[slot];
	struct http_parser *p = c->parser ? pool_at(&w->parsers, c->parser) : NULL;

	if (c->state == CONN_HTTP && p && !http_parser_idle(p) && !c->out_sending &&
	    conn_out(w, c)) {
		conn_answer_error(w, c, 408); /* a request was begun and not finished */
		conn_flush(w, c);
		return;
	}
	conn_abort(w, c, CLOSE_TIMEOUT); /* idle, lingering, or not reading its answers */
}

void worker_tick(struct worker *w)
{
	struct timespec ts;
	uint64_t ns;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	w->now = (uint32_t)((ns - w->start_ns) / 1000000000ull);
	http_date_format(w->date, time(NULL));
	wheel_advance(&w->wheel, w->now, conn_timeout, w);
	if (w->stopping && w->now >= w->stop_deadline)
		for (uint32_t i = 0; i < w->nslots && w->nopen; i++)
			conn_abort(w, &w->conns[i], CLOSE_SHUTDOWN);
}

void worker_stop(struct worker *w)
{
	if (w->stopping)
		return;
	w->stopping = 1;
	w->stop_deadline = w->now + w->srv->cfg.grace;
	loop_accept_stop(w);
	for (uint32_t i = 0; i < w->nslots; i++)
		if (w->conns[i].state == CONN_HTTP)
			conn_check_done(w, &w->conns[i]);
}

int worker_init(struct worker *w, uint32_t nslots)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	w->start_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	w->now = 0;
	http_date_format(w->date, time(NULL));
	w->nslots = nslots;
	w->conns = reserve_memory((size_t)nslots * sizeof(struct conn));
	if (!w->conns || pool_init(&w->parsers, sizeof(struct http_parser), nslots) ||
	    pool_init(&w->outs, sizeof(struct out), 2 * nslots) ||
	    rbufs_init(&w->rbufs, RBUF_GROW * 32) || wheel_init(&w->wheel, nslots, 0))
		return -1;
	return 0;
}

void worker_fini(struct worker *w)
{
	free(w->metrics_page);
	pool_fini(&w->parsers);
	pool_fini(&w->outs);
	rbufs_fini(&w->rbufs);
	wheel_fini(&w->wheel);
}
