/* WebSocket on a connection (/ws/echo, RFC 6455): frames are decoded as
 * bytes arrive and every piece of payload is echoed at once as a frame of
 * its own (a message comes back whole, possibly fragmented differently), so
 * no message is ever gathered and our output is always at a frame boundary
 * when a protocol error must be answered with a close frame. Pings are
 * answered, the close handshake is completed. */
#include "server/conn_priv.h"

#include "loop/loop.h"
#include "loop/rbuf.h"
#include "ws/frame.h"
#include "ws/utf8.h"

#include <string.h>

/* Output room one decoder event may need: a data chunk (at most the input
 * left), or a control frame. */
static size_t room_for(size_t input)
{
	return WS_HEAD_MAX + (input > WS_CONTROL_MAX + 2 ? input : WS_CONTROL_MAX + 2);
}

static void queue_frame(struct worker *w, struct conn *c, enum ws_opcode op, const void *payload,
			size_t len)
{
	struct out *o = conn_out(w, c, WS_HEAD_MAX + len); /* the caller made sure */

	out_commit(o, ws_frame_head(out_tail(o), op, 1, len, NULL));
	if (len) {
		memcpy(out_tail(o), payload, len);
		out_commit(o, len);
	}
}

/* Sends a close frame with code and stops reading: the server closes the
 * TCP connection first (RFC 6455 7.1.1), after a lingering close. */
static void queue_close(struct worker *w, struct conn *c, unsigned code)
{
	char payload[2] = { 0 };
	int n = code == WS_CLOSE_NO_STATUS ? 0 : ws_close_payload(payload, code, NULL, 0);

	queue_frame(w, c, WS_OP_CLOSE, payload, n > 0 ? (size_t)n : 0);
	count(&w->st.ws_closes[ws_close_kind(code)], 1);
	conn_drain(w, c);
}

static void on_control(struct worker *w, struct conn *c, const struct ws_event_info *ev)
{
	switch (ev->opcode) {
	case WS_OP_PING:
		count(&w->st.ws_pings_in, 1);
		queue_frame(w, c, WS_OP_PONG, ev->data, ev->len);
		break;
	case WS_OP_PONG:
		break; /* any frame already counts as a sign of life */
	case WS_OP_CLOSE:
		queue_close(w, c, ev->code); /* echo the code (none: an empty close) */
		break;
	}
}

/* Echoes a piece of payload as a frame: the message's opcode first, then
 * continuations. It ends the message if it is the last piece and, for text,
 * if the text ends on a whole character: otherwise the decoder reports 1007
 * next, and the close frame follows an unfinished message, which is legal. */
static void echo_piece(union conn_ctx *ctx, struct out *o, const struct ws_event_info *ev)
{
	const struct ws_decoder *d = &ctx->ws.dec;
	int fin = !d->remaining && d->fin &&
		  (ctx->ws.opcode != WS_OP_TEXT || ws_utf8_complete(d->utf8));

	out_commit(o, ws_frame_head(out_tail(o), ctx->ws.echoing ? WS_OP_CONT : ctx->ws.opcode, fin,
				    ev->len, NULL));
	memcpy(out_tail(o), ev->data, ev->len);
	out_commit(o, ev->len);
	ctx->ws.echoing = !fin;
	ctx->ws.fin_sent = (uint8_t)fin;
}

/* A message whose last frame carried no payload: end the echo too. */
static void echo_end(union conn_ctx *ctx, struct out *o)
{
	out_commit(o, ws_frame_head(out_tail(o), ctx->ws.echoing ? WS_OP_CONT : ctx->ws.opcode, 1, 0,
				    NULL));
	ctx->ws.echoing = 0;
	ctx->ws.fin_sent = 1;
}

size_t conn_ws_feed(struct worker *w, struct conn *c, char *data, size_t len)
{
	size_t off = 0;

	c->flags &= (uint8_t)~CONN_WS_PINGED;
	for (;;) {
		struct ws_event_info ev;
		union conn_ctx *ctx;
		struct out *o;
		size_t used;
		int fresh;

		if (!(o = conn_out(w, c, room_for(len - off)))) {
			conn_pause(w, c);
			return off;
		}
		ctx = conn_ctx_take(w, c, &fresh);
		if (!ctx) { /* cannot happen: the pool holds one per slot */
			queue_close(w, c, WS_CLOSE_INTERNAL);
			return len;
		}
		if (fresh) {
			ws_decoder_init(&ctx->ws.dec, WS_ROLE_SERVER, w->srv->cfg.max_ws_message);
			ctx->ws.opcode = ctx->ws.echoing = ctx->ws.fin_sent = 0;
		}
		switch (ws_decode(&ctx->ws.dec, data + off, len - off, &used, &ev)) {
		case WS_NEED_MORE:
			return len;
		case WS_DATA_START:
			count(&w->st.ws_frames_in, 1);
			if (ev.opcode != WS_OP_CONT) {
				ctx->ws.opcode = ev.opcode;
				ctx->ws.echoing = ctx->ws.fin_sent = 0;
			}
			break;
		case WS_DATA:
			echo_piece(ctx, o, &ev);
			break;
		case WS_DATA_END:
			if (ev.fin && !ctx->ws.fin_sent) /* the message ended with an empty frame */
				echo_end(ctx, o);
			if (ev.fin)
				count(&w->st.ws_messages, 1);
			break;
		case WS_CONTROL:
			on_control(w, c, &ev);
			if (ev.opcode == WS_OP_CLOSE)
				return len; /* nothing may follow a close */
			break;
		case WS_ERROR:
			queue_close(w, c, ev.code);
			return len;
		}
		off += used;
	}
}

void conn_ws_after_input(struct worker *w, struct conn *c)
{
	union conn_ctx *ctx = conn_ctx(w, c);

	if (ctx && !c->held.head && ws_decoder_idle(&ctx->ws.dec))
		conn_ctx_put(w, c); /* between messages a WebSocket holds no decoder */
	if (!(c->flags & CONN_WS_PINGED))
		conn_deadline(w, c, w->srv->cfg.ws_idle_timeout / 2);
}

int conn_ws_timeout(struct worker *w, struct conn *c)
{
	if (c->out_sending || !conn_out(w, c, room_for(0)))
		return -1; /* not even reading what we send: give up on it */
	if (c->flags & CONN_WS_PINGED) {
		queue_close(w, c, WS_CLOSE_GOING_AWAY); /* no answer for half the timeout */
	} else {
		queue_frame(w, c, WS_OP_PING, NULL, 0);
		count(&w->st.ws_pings_out, 1);
		c->flags |= CONN_WS_PINGED;
		conn_deadline(w, c, w->srv->cfg.ws_idle_timeout - w->srv->cfg.ws_idle_timeout / 2);
	}
	conn_flush(w, c);
	return 0;
}

void conn_ws_stop(struct worker *w, struct conn *c)
{
	if (!conn_out(w, c, room_for(0)))
		return; /* the grace deadline will close it */
	queue_close(w, c, WS_CLOSE_GOING_AWAY);
	conn_flush(w, c);
}
