/* The WebSocket life of a seat: the upgrade and its check, then a ping every
 * --ping seconds (the first at a random point of the first interval), with
 * messages whose echo is checked as it streams in; the server's pings are
 * answered, its close frames answered and counted, its protocol errors
 * closed with their code. A seat holds a struct wsx from the pool only while
 * something is in flight: the handshake, a send, a partly read frame, a
 * message awaiting its echo. seat.c connects and closes; ring.c does I/O. */
#include "client/driver.h"

#include "ws/decode.h"
#include "ws/frame.h"

#include <string.h>

/* what a seat has to send, or is sending */
enum { WP_UPGRADE = 1, WP_PING = 2, WP_PONG = 4, WP_CLOSE = 8, WP_MSG = 16 };

/* the message being read from the server */
enum { ECHO_NONE, ECHO_READING, ECHO_BAD, ECHO_UNASKED };

#define CONTROL_FRAME_MAX (WS_HEAD_MAX + WS_CONTROL_MAX)

/* The busy state of a WebSocket seat. */
struct wsx {
	union {
		struct wsh_resp hs;      /* CS_HANDSHAKE */
		struct ws_decoder dec;   /* CS_WS, while dec_live */
	} u;
	uint64_t msg_sent_ns;
	uint64_t echo_pos;           /* echo bytes checked so far */
	uint32_t msg_start;          /* the message's offset in the pattern */
	uint32_t msg_frame_len;
	uint16_t close_code;         /* WP_CLOSE: the code to send */
	uint8_t dec_live;            /* a frame or a fragmented message is partly read */
	uint8_t pending;             /* WP_*: to send once the send in flight is done */
	uint8_t sending;             /* WP_*: in the send in flight */
	uint8_t pong_len;
	uint8_t echo;                /* ECHO_* */
	uint8_t close_reason;        /* CS_WS_CLOSING: enum close_reason, for the close */
	char key[WS_KEY_LEN];        /* the handshake's key, sent from here */
	char pong[WS_CONTROL_MAX];   /* the last server ping's payload */
	char ctl[3 * CONTROL_FRAME_MAX]; /* control frames being sent: pong, ping, close */
	struct msghdr mh;
	struct iovec iov[3];
	char msg[];                  /* the message frame being sent: head, masked payload */
};

uint32_t wseat_object_size(const struct client_config *cfg)
{
	return (uint32_t)(sizeof(struct wsx) + (cfg->msg_size ? WS_HEAD_MAX + cfg->msg_size : 0));
}

static struct wsx *wsx_of(struct cring *r, const struct seat *c)
{
	return c->inflight ? pool_at(&r->inflights, c->inflight) : NULL;
}

static struct wsx *wsx_take(struct cring *r, struct seat *c)
{
	struct wsx *x;

	if (c->inflight)
		return pool_at(&r->inflights, c->inflight);
	c->inflight = pool_get(&r->inflights); /* one per seat at most: cannot run out */
	x = pool_at(&r->inflights, c->inflight);
	x->dec_live = x->pending = x->sending = x->echo = 0;
	return x;
}

/* Between frames, with nothing to send and no echo awaited, a WebSocket
 * holds nothing but its seat. */
static void wsx_maybe_put(struct cring *r, uint32_t slot)
{
	struct seat *c = &r->conns[slot];
	struct wsx *x = wsx_of(r, c);

	if (!x || c->state != CS_WS || x->dec_live || x->pending || x->sending ||
	    (c->flags & CF_MSG_OUT))
		return;
	pool_put(&r->inflights, c->inflight);
	c->inflight = 0;
}

void wseat_release(struct cring *r, uint32_t slot)
{
	struct seat *c = &r->conns[slot];

	if (c->inflight)
		pool_put(&r->inflights, c->inflight);
	c->inflight = 0;
}

/* Keys and masks: RFC 6455 wants them unpredictable, so they come from a
 * generator seeded from getrandom, not from the schedule's. */
static uint64_t krand(struct cring *r)
{
	r->krng ^= r->krng >> 12;
	r->krng ^= r->krng << 25;
	r->krng ^= r->krng >> 27;
	return r->krng * 2685821657736338717ull;
}

static uint32_t tick_of(const struct cring *r, uint64_t ns)
{
	return (uint32_t)((ns - r->start_ns) / r->run->tick_ns);
}

static void rearm(struct cring *r, uint32_t slot)
{
	const struct wseat *w = &r->wseats[slot];

	seat_deadline_at(r, slot, w->ping_at < w->msg_at ? w->ping_at : w->msg_at);
}

/* --- sending ---------------------------------------------------------------- */

static size_t control_frame(struct cring *r, char *out, enum ws_opcode op, const void *payload,
			    size_t len)
{
	uint32_t m = (uint32_t)krand(r);
	uint8_t mask[4];
	size_t n;

	memcpy(mask, &m, sizeof(mask));
	n = ws_frame_head(out, op, 1, len, mask);
	if (len)
		memcpy(out + n, payload, len);
	ws_mask_apply(out + n, len, mask, 0);
	return n + len;
}

/* Sends what is pending, in one sendmsg, unless a send is in flight (its
 * completion calls again). */
static void flush(struct cring *r, uint32_t slot, struct wsx *x)
{
	const struct client_run *run = r->run;
	struct seat *c = &r->conns[slot];
	size_t off = 0;
	int n = 0;

	if ((c->io & IO_SEND) || !x->pending)
		return;
	if (x->pending & WP_UPGRADE) {
		x->iov[n++] = (struct iovec){ run->upgrade.head, run->upgrade.head_len };
		x->iov[n++] = (struct iovec){ x->key, WS_KEY_LEN };
		x->iov[n++] = (struct iovec){ (void *)WSH_REQUEST_END, sizeof(WSH_REQUEST_END) - 1 };
	} else {
		if (x->pending & WP_PONG)
			off += control_frame(r, x->ctl + off, WS_OP_PONG, x->pong, x->pong_len);
		if (x->pending & WP_PING) {
			uint8_t p[WSM_PING_LEN];
			wsm_ping_payload(p, r->now_ns, c->gen, r->seat_base + slot, run->ping_key);
			off += control_frame(r, x->ctl + off, WS_OP_PING, p, sizeof(p));
		}
		if (x->pending & WP_CLOSE) {
			char p[2];
			int k = x->close_code == WS_CLOSE_NO_STATUS
					? 0 : ws_close_payload(p, x->close_code, NULL, 0);
			off += control_frame(r, x->ctl + off, WS_OP_CLOSE, p, k > 0 ? (size_t)k : 0);
		}
		if (off)
			x->iov[n++] = (struct iovec){ x->ctl, off };
		if (x->pending & WP_MSG) { /* never with WP_CLOSE: closing drops it */
			x->msg_sent_ns = r->now_ns;
			x->iov[n++] = (struct iovec){ x->msg, x->msg_frame_len };
		}
	}
	x->sending = x->pending;
	x->pending = 0;
	memset(&x->mh, 0, sizeof(x->mh));
	x->mh.msg_iov = x->iov;
	x->mh.msg_iovlen = (size_t)n;
	ring_send(r, slot, &x->mh);
}

void wseat_sent(struct cring *r, uint32_t slot, int res)
{
	struct seat *c = &r->conns[slot];
	struct wsx *x = wsx_of(r, c);

	if (res < 0) {
		seat_error(r, slot, -res);
		return;
	}
	stat_add(&r->st.bytes_out, (uint64_t)res);
	if (!x)
		return; /* cannot happen: the object lives while its send is in flight */
	x->sending = 0;
	if (c->state == CS_WS_CLOSING && !x->pending) {
		seat_close(r, slot, (enum close_reason)x->close_reason); /* our close frame is out */
		return;
	}
	flush(r, slot, x);
	wsx_maybe_put(r, slot);
}

/* Our close frame goes out (after a pong already pending); the connection
 * closes when it is sent, or when the server closes first. */
static void begin_close(struct cring *r, uint32_t slot, struct wsx *x, unsigned code,
			enum close_reason why)
{
	struct seat *c = &r->conns[slot];

	c->state = CS_WS_CLOSING;
	c->flags |= CF_BACKOFF;
	x->pending = (uint8_t)((x->pending & WP_PONG) | WP_CLOSE);
	x->close_code = (uint16_t)code;
	x->close_reason = (uint8_t)why;
	x->dec_live = 0;
	stat_add(&r->st.ws_closes_out[wsc_kind_of(code)], 1);
	seat_deadline_at(r, slot, r->now_tick + r->run->timeout_ticks);
	flush(r, slot, x);
}

/* --- the handshake ------------------------------------------------------------ */

void wseat_open(struct cring *r, uint32_t slot)
{
	struct seat *c = &r->conns[slot];
	struct wsx *x = wsx_take(r, c);
	char key[WS_KEY_LEN + 1];
	uint64_t nonce[2] = { krand(r), krand(r) };

	c->state = CS_HANDSHAKE;
	if (ws_client_key((const uint8_t *)nonce, key) < 0) { /* libcrypto failed */
		seat_fail(r, slot, ERR_CONNECT);
		return;
	}
	memcpy(x->key, key, WS_KEY_LEN);
	wsh_resp_init(&x->u.hs, key);
	x->pending |= WP_UPGRADE;
	seat_deadline_at(r, slot, r->now_tick + r->run->timeout_ticks);
	flush(r, slot, x);
}

static const enum client_error verdict_error[] = {
	[WSH_STATUS] = ERR_WS_STATUS,
	[WSH_ACCEPT] = ERR_WS_ACCEPT,
	[WSH_UPGRADE] = ERR_WS_UPGRADE,
};

static void opened(struct cring *r, uint32_t slot)
{
	const struct client_run *run = r->run;
	struct seat *c = &r->conns[slot];
	struct wseat *w = &r->wseats[slot];

	c->state = CS_WS;
	c->flags |= CF_OPEN;
	stat_sub(&r->st.connecting, 1);
	stat_add(&r->st.open, 1);
	stat_add(&r->st.connects, 1);
	stat_add(&r->st.ws_handshakes, 1);
	ring_note_full(r);
	/* spread: the first ping and message at a random point of their interval */
	w->ping_at = r->now_tick + seat_uniform(r, 0, run->ping_ticks - 1);
	w->msg_at = run->cfg.msg_size ? r->now_tick + seat_uniform(r, 0, run->msg_ticks - 1)
				      : UINT32_MAX;
	rearm(r, slot);
}

/* --- frames from the server ---------------------------------------------------- */

static void echo_start(struct cring *r, struct seat *c, struct wsx *x,
		       const struct ws_event_info *ev)
{
	unsigned want = r->run->cfg.text ? WS_OP_TEXT : WS_OP_BINARY;

	if (ev->opcode == WS_OP_CONT)
		return; /* the message goes on */
	if (!(c->flags & CF_MSG_OUT) || x->echo != ECHO_NONE) {
		x->echo = ECHO_UNASKED; /* a message we did not send */
		stat_add(&r->st.errors[ERR_WS_UNASKED], 1);
	} else {
		x->echo = ev->opcode == want ? ECHO_READING : ECHO_BAD;
	}
}

static void echo_bytes(struct cring *r, struct wsx *x, const struct ws_event_info *ev)
{
	if (x->echo != ECHO_READING)
		return;
	if (x->echo_pos + ev->len > r->run->cfg.msg_size ||
	    wsm_check(&r->run->pattern, x->msg_start, x->echo_pos, ev->data, ev->len))
		x->echo = ECHO_BAD;
	x->echo_pos += ev->len;
}

static void echo_end(struct cring *r, uint32_t slot, struct wsx *x)
{
	struct seat *c = &r->conns[slot];
	struct wseat *w = &r->wseats[slot];

	if (x->echo == ECHO_UNASKED) {
		x->echo = ECHO_NONE;
		return;
	}
	if (x->echo == ECHO_READING && x->echo_pos == r->run->cfg.msg_size) {
		stat_add(&r->st.ws_echoes, 1);
		hist_record(&r->ehist, r->now_ns - x->msg_sent_ns);
		c->backoff = 0;
	} else {
		stat_add(&r->st.errors[ERR_ECHO], 1);
	}
	x->echo = ECHO_NONE;
	c->flags &= (uint8_t)~CF_MSG_OUT;
	r->awaited--;
	w->msg_at = tick_of(r, x->msg_sent_ns) + r->run->msg_ticks;
	rearm(r, slot);
}

static void pong(struct cring *r, uint32_t slot, const struct ws_event_info *ev)
{
	struct seat *c = &r->conns[slot];
	struct wseat *w = &r->wseats[slot];
	uint64_t sent;

	if (!(c->flags & CF_PING_OUT) ||
	    wsm_pong_match(ev->data, ev->len, c->gen, r->seat_base + slot, r->run->ping_key, &sent) ||
	    sent > r->now_ns) {
		stat_add(&r->st.ws_pongs_other, 1); /* unsolicited (RFC 6455 5.5.3 allows it) */
		return;
	}
	c->flags &= (uint8_t)~CF_PING_OUT;
	r->awaited--;
	c->backoff = 0; /* a round trip: the connection works */
	stat_add(&r->st.ws_pongs, 1);
	hist_record(&r->hist, r->now_ns - sent);
	w->ping_at = tick_of(r, sent) + r->run->ping_ticks;
	rearm(r, slot);
}

static void control(struct cring *r, uint32_t slot, struct wsx *x, const struct ws_event_info *ev)
{
	switch (ev->opcode) {
	case WS_OP_PING: /* answered with its payload; only the latest if several wait */
		stat_add(&r->st.ws_server_pings, 1);
		if (ev->len)
			memcpy(x->pong, ev->data, ev->len);
		x->pong_len = (uint8_t)ev->len;
		x->pending |= WP_PONG;
		break;
	case WS_OP_PONG:
		pong(r, slot, ev);
		break;
	case WS_OP_CLOSE: /* echo its code (none: an empty close), then close */
		stat_add(&r->st.ws_closes_in[wsc_kind_of(ev->code)], 1);
		stat_add(&r->st.errors[ERR_WS_CLOSED], 1);
		begin_close(r, slot, x, ev->code, CLOSE_SERVER);
		break;
	}
}

static void frames(struct cring *r, uint32_t slot, struct wsx *x, char *data, size_t len)
{
	struct seat *c = &r->conns[slot];
	size_t off = 0;

	if (!x->dec_live) {
		/* echoes are checked as they stream, never gathered: no size limit */
		ws_decoder_init(&x->u.dec, WS_ROLE_CLIENT, UINT64_MAX >> 1);
		x->dec_live = 1;
	}
	for (;;) {
		struct ws_event_info ev;
		size_t used;
		enum ws_event e = ws_decode(&x->u.dec, data + off, len - off, &used, &ev);

		off += used;
		switch (e) {
		case WS_NEED_MORE:
			if (ws_decoder_idle(&x->u.dec))
				x->dec_live = 0;
			return;
		case WS_DATA_START:
			echo_start(r, c, x, &ev);
			break;
		case WS_DATA:
			echo_bytes(r, x, &ev);
			break;
		case WS_DATA_END:
			if (ev.fin)
				echo_end(r, slot, x);
			break;
		case WS_CONTROL:
			control(r, slot, x, &ev);
			if (c->state != CS_WS)
				return; /* nothing may follow a close frame */
			break;
		case WS_ERROR:
			stat_add(&r->st.errors[ev.code == WS_CLOSE_INVALID_DATA ? ERR_WS_UTF8
										 : ERR_WS_PROTOCOL], 1);
			begin_close(r, slot, x, ev.code, CLOSE_ERROR);
			return;
		}
	}
}

void wseat_data(struct cring *r, uint32_t slot, char *data, uint32_t len)
{
	struct seat *c = &r->conns[slot];
	struct wsx *x;

	if (c->state == CS_WS_CLOSING)
		return; /* after a close frame nothing counts */
	x = wsx_take(r, c);
	if (c->state == CS_HANDSHAKE) {
		size_t used;

		switch (wsh_resp_feed(&x->u.hs, data, len, &used)) {
		case WSH_MORE:
			return;
		case WSH_GARBAGE:
			seat_fail(r, slot, ERR_GARBAGE);
			return;
		case WSH_DONE:
			break;
		}
		if (x->u.hs.verdict != WSH_OK) {
			seat_fail(r, slot, verdict_error[x->u.hs.verdict]);
			return;
		}
		opened(r, slot);
		data += used;
		len -= (uint32_t)used;
	}
	frames(r, slot, x, data, len);
	if (c->state == CS_WS || c->state == CS_WS_CLOSING)
		flush(r, slot, x);
	wsx_maybe_put(r, slot);
}

void wseat_eof(struct cring *r, uint32_t slot)
{
	struct seat *c = &r->conns[slot];
	struct wsx *x = wsx_of(r, c);

	if (c->state == CS_WS_CLOSING && x) /* the closing handshake ends as it should */
		seat_close(r, slot, (enum close_reason)x->close_reason);
	else
		seat_fail(r, slot, ERR_CLOSED);
}

/* --- time ------------------------------------------------------------------------ */

static void queue_message(struct cring *r, uint32_t slot, struct wsx *x)
{
	const struct client_run *run = r->run;
	struct seat *c = &r->conns[slot];
	uint32_t size = run->cfg.msg_size, m = (uint32_t)krand(r);
	uint8_t mask[4];
	size_t h;

	memcpy(mask, &m, sizeof(mask));
	h = ws_frame_head(x->msg, run->cfg.text ? WS_OP_TEXT : WS_OP_BINARY, 1, size, mask);
	x->msg_start = seat_uniform(r, 0, WSM_PERIOD - 1);
	wsm_fill(&run->pattern, x->msg_start, 0, x->msg + h, size);
	ws_mask_apply(x->msg + h, size, mask, 0);
	x->msg_frame_len = (uint32_t)(h + size);
	x->echo_pos = 0;
	x->pending |= WP_MSG;
	c->flags |= CF_MSG_OUT;
	r->awaited++;
	stat_add(&r->st.ws_msgs, 1);
}

void wseat_deadline(struct cring *r, uint32_t slot)
{
	const struct client_run *run = r->run;
	struct seat *c = &r->conns[slot];
	struct wseat *w = &r->wseats[slot];
	struct wsx *x = NULL;

	switch (c->state) {
	case CS_HANDSHAKE:
		seat_fail(r, slot, ERR_TIMEOUT);
		return;
	case CS_WS_CLOSING: /* our close frame could not be sent in time */
		x = wsx_of(r, c);
		seat_close(r, slot, x ? (enum close_reason)x->close_reason : CLOSE_ERROR);
		return;
	default:
		break;
	}
	if (r->now_tick >= w->ping_at) {
		if (c->flags & CF_PING_OUT) {
			seat_fail(r, slot, ERR_PONG_TIMEOUT);
			return;
		}
		x = wsx_take(r, c);
		x->pending |= WP_PING;
		c->flags |= CF_PING_OUT;
		r->awaited++;
		stat_add(&r->st.ws_pings, 1);
		w->ping_at = r->now_tick + run->timeout_ticks; /* now the pong's deadline */
	}
	if (r->now_tick >= w->msg_at) {
		if (c->flags & CF_MSG_OUT) {
			seat_fail(r, slot, ERR_ECHO_TIMEOUT);
			return;
		}
		x = wsx_take(r, c);
		if (x->sending & WP_MSG) { /* the echo beat the send's completion: its buffer is busy */
			w->msg_at = r->now_tick + 1;
		} else {
			queue_message(r, slot, x);
			w->msg_at = r->now_tick + run->timeout_ticks; /* now the echo's deadline */
		}
	}
	rearm(r, slot);
	if (x) {
		flush(r, slot, x);
		wsx_maybe_put(r, slot);
	}
}

/* The connection closes (stopping: the run ends): what was awaited is lost. */
void wseat_closing(struct cring *r, uint32_t slot, int stopping)
{
	struct seat *c = &r->conns[slot];

	if (c->state == CS_HANDSHAKE && !stopping)
		stat_sub(&r->st.connecting, 1);
	if (c->flags & CF_PING_OUT) {
		stat_add(&r->st.ws_pings_unanswered, 1);
		r->awaited--;
	}
	if (c->flags & CF_MSG_OUT) {
		stat_add(&r->st.ws_msgs_unanswered, 1);
		r->awaited--;
	}
	c->flags &= (uint8_t)~(CF_PING_OUT | CF_MSG_OUT);
}
