/* A connection's life over the loop interface, whatever protocol it speaks:
 * input in receive buffers (held while output is full), output chunks,
 * deadlines, and closing with the RFC 9112 9.6 lingering close so an error
 * answer is not lost to a reset. */
#include "server/conn_priv.h"

#include "loop/loop.h"

#include <string.h>

#define LINGER_SECONDS 2

static void conn_check_done(struct worker *w, struct conn *c);

void conn_deadline(struct worker *w, struct conn *c, unsigned seconds)
{
	wheel_set(&w->wheel, conn_slot(w, c), w->now + seconds);
}

union conn_ctx *conn_ctx_take(struct worker *w, struct conn *c, int *fresh)
{
	*fresh = !c->ctx;
	if (!c->ctx)
		c->ctx = pool_get(&w->ctxs);
	return conn_ctx(w, c);
}

void conn_ctx_put(struct worker *w, struct conn *c)
{
	if (c->ctx) {
		pool_put(&w->ctxs, c->ctx);
		c->ctx = 0;
	}
}

/* --- output ---------------------------------------------------------------- */

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
void conn_flush(struct worker *w, struct conn *c)
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

struct out *conn_out(struct worker *w, struct conn *c, size_t copy)
{
	struct out *o;

	if (!c->out_fill) {
		c->out_fill = pool_get(&w->outs);
		if (!c->out_fill)
			return NULL; /* cannot happen: the pool holds two per slot */
		out_reset(out_of(w, c->out_fill));
	}
	o = out_of(w, c->out_fill);
	if (out_has_room(o, copy, 1))
		return o;
	if (c->out_sending || out_empty(o))
		return NULL;
	conn_flush(w, c);
	return conn_out(w, c, copy);
}

/* --- input ----------------------------------------------------------------- */

void conn_pause(struct worker *w, struct conn *c)
{
	if (c->flags & CONN_PAUSED)
		return;
	c->flags |= CONN_PAUSED;
	count(&w->st.pauses, 1);
	loop_recv_stop(w, c);
}

static void conn_release_held(struct worker *w, struct conn *c)
{
	while (c->held.head)
		loop_rbuf_put(w, rbuf_unhold(&w->rbufs, &c->held));
}

/* Feeds input to the protocol the connection speaks (which may change, on
 * an upgrade, in the middle of the data). Returns what was consumed: less
 * than len when input paused. */
static size_t conn_feed(struct worker *w, struct conn *c, char *data, size_t len)
{
	size_t off = 0;

	while (off < len && !(c->flags & CONN_PAUSED)) {
		uint8_t state = c->state;
		size_t n;

		if (state == CONN_HTTP)
			n = conn_http_feed(w, c, data + off, len - off);
		else if (state == CONN_WS)
			n = conn_ws_feed(w, c, data + off, len - off);
		else
			return len; /* a closing answer is queued: the rest is not read */
		off += n;
		if (!n && c->state == state && !(c->flags & CONN_PAUSED))
			break; /* no progress: cannot happen */
	}
	return off;
}

/* After input was consumed: timers, the protocol context's memory, output. */
static void conn_after_input(struct worker *w, struct conn *c)
{
	if (c->state == CONN_HTTP)
		conn_http_after_input(w, c);
	else if (c->state == CONN_WS)
		conn_ws_after_input(w, c);
	conn_flush(w, c);
	conn_check_done(w, c);
}

void conn_recv(struct worker *w, struct conn *c, uint32_t id, uint32_t len)
{
	size_t used;

	count(&w->st.bytes_in, len);
	if (c->state != CONN_HTTP && c->state != CONN_WS) { /* draining, lingering */
		c->flags &= (uint8_t)~CONN_CLIENT_DONE; /* more came after all: linger */
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

/* Output has room again: feed what was held, then receive again. */
static void conn_resume(struct worker *w, struct conn *c)
{
	c->flags &= (uint8_t)~CONN_PAUSED;
	while (c->held.head && (c->state == CONN_HTTP || c->state == CONN_WS)) {
		uint32_t id = (uint32_t)rbuf_first(&c->held);
		uint32_t off = w->rbufs.off[id], len = w->rbufs.len[id];
		size_t used = conn_feed(w, c, rbuf_data(&w->rbufs, id) + off, len);

		if (c->state != CONN_HTTP && c->state != CONN_WS)
			break; /* a closing answer: conn_drain gave every held buffer back */
		if (used < len) { /* paused again */
			w->rbufs.off[id] = (uint16_t)(off + used);
			w->rbufs.len[id] = (uint16_t)(len - used);
			break;
		}
		loop_rbuf_put(w, rbuf_unhold(&w->rbufs, &c->held));
	}
	if (conn_wants_input(c))
		loop_recv_start(w, c);
	conn_after_input(w, c);
}

/* --- closing ----------------------------------------------------------------- */

void conn_drain(struct worker *w, struct conn *c)
{
	if (c->held.head) /* input waits behind the closing request */
		c->flags &= (uint8_t)~CONN_CLIENT_DONE;
	c->state = CONN_DRAIN;
	conn_ctx_put(w, c);
	conn_release_held(w, c);
	c->flags &= (uint8_t)~CONN_PAUSED;
	conn_deadline(w, c, w->srv->cfg.idle_timeout);
}

void conn_close(struct worker *w, struct conn *c, enum close_reason why)
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
 * answer in the peer's receive queue. Not needed when nothing more will
 * arrive: the peer shut its side, or it asked to close itself and sent
 * nothing after that request (RFC 9112 9.6: it must not; nginx's default
 * lingering_close uses the same test). The shutdown is not free here: io_uring runs it in an
 * io-wq thread, a hand-off per connection. */
static void conn_linger(struct worker *w, struct conn *c)
{
	if (c->flags & (CONN_PEER_EOF | CONN_CLIENT_DONE)) {
		conn_close(w, c, CLOSE_SERVER); /* a plain close is clean */
		return;
	}
	c->state = CONN_LINGER;
	loop_shutdown_write(w, c);
	loop_recv_start(w, c);
	conn_deadline(w, c, LINGER_SECONDS);
}

/* Closes when nothing is left to do: a drained closing answer, a peer that
 * finished sending and has all its answers, or an idle connection at
 * shutdown. */
static void conn_check_done(struct worker *w, struct conn *c)
{
	union conn_ctx *ctx;

	if (!conn_output_idle(w, c))
		return;
	if (c->state == CONN_DRAIN) {
		conn_linger(w, c);
		return;
	}
	if (c->state != CONN_HTTP && c->state != CONN_WS)
		return;
	if ((c->flags & CONN_PEER_EOF) && !c->held.head) {
		conn_close(w, c, CLOSE_PEER); /* half-closed peer: every answer is out */
		return;
	}
	ctx = conn_ctx(w, c);
	if (w->stopping && c->state == CONN_HTTP && !c->held.head &&
	    (!ctx || http_parser_idle(&ctx->http)))
		conn_close(w, c, CLOSE_SHUTDOWN);
}

void conn_stop(struct worker *w, struct conn *c)
{
	if (c->state == CONN_WS)
		conn_ws_stop(w, c);
	else
		conn_check_done(w, c);
}

void conn_timeout(struct worker *w, struct conn *c)
{
	int handled = -1;

	if (c->state == CONN_HTTP)
		handled = conn_http_timeout(w, c);
	else if (c->state == CONN_WS)
		handled = conn_ws_timeout(w, c);
	if (handled)
		conn_close(w, c, CLOSE_TIMEOUT); /* idle, lingering, or not reading */
}

/* --- the loop's calls -------------------------------------------------------- */

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
		conn_close(w, c, CLOSE_SERVER); /* the lingering close is complete */
		return;
	}
	conn_check_done(w, c);
}

void conn_error(struct worker *w, struct conn *c, int err)
{
	(void)err;
	conn_close(w, c, CLOSE_RESET);
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
	/* the reader makes progress; but a request's head being received keeps
	 * its own, shorter deadline */
	if ((c->state == CONN_HTTP && !(c->flags & CONN_HEAD_TIMER)) || c->state == CONN_DRAIN)
		conn_deadline(w, c, w->srv->cfg.idle_timeout);
	conn_flush(w, c);
	if (c->flags & CONN_PAUSED)
		conn_resume(w, c);
	else
		conn_check_done(w, c);
}

void conn_closed(struct worker *w, struct conn *c)
{
	conn_ctx_put(w, c);
	conn_release_held(w, c);
	if (c->out_fill)
		conn_out_put(w, c->out_fill);
	if (c->out_sending)
		conn_out_put(w, c->out_sending);
	c->out_fill = c->out_sending = 0;
	if (c->flags & CONN_WEBSOCKET)
		gauge_add(&w->st.ws_open, -1);
	wheel_clear(&w->wheel, conn_slot(w, c));
	c->state = CONN_FREE;
	w->nopen--;
	gauge_set(&w->st.open, w->nopen);
	atomic_fetch_sub_explicit(&w->srv->open, 1, memory_order_relaxed);
}
