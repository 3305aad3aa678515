/* What each connection does next: connect (at the ramp's rate), send the
 * next requests, check responses, idle, time out, close and be replaced.
 * The io_uring side is ring.c; this file decides. */
#include "client/driver.h"

#include "client/limits.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#define BACKOFF_MAX 4 /* a seat that keeps failing retries every 1, 2, 4, 8, 16 s */

static uint64_t rng_next(struct cring *r)
{
	/* xorshift64*: per ring, no locking */
	r->rng ^= r->rng >> 12;
	r->rng ^= r->rng << 25;
	r->rng ^= r->rng >> 27;
	return r->rng * 2685821657736338717ull;
}

static uint32_t uniform(struct cring *r, uint32_t lo, uint32_t hi)
{
	return lo + (uint32_t)(rng_next(r) % ((uint64_t)hi - lo + 1));
}

uint32_t seat_uniform(struct cring *r, uint32_t lo, uint32_t hi)
{
	return uniform(r, lo, hi);
}

static uint32_t ticks_of_s(const struct cring *r, uint32_t s)
{
	return (uint32_t)(s * (1000000000ull / r->run->tick_ns));
}

/* Seats [active, want) join the waiting stack, the lowest on top: they
 * connect first. */
static void seats_grow(struct cring *r, uint32_t want)
{
	if (want > r->nslots)
		want = r->nslots;
	for (uint32_t s = want; s > r->active;)
		r->waiting[r->nwaiting++] = --s;
	if (want > r->active)
		r->active = want;
}

int seats_init(struct cring *r)
{
	uint32_t n = r->nslots;

	r->conns = reserve_memory((size_t)n * sizeof(struct seat));
	r->waiting = reserve_memory((size_t)n * sizeof(uint32_t));
	if (!r->conns || !r->waiting)
		return -ENOMEM;
	if (r->run->cfg.mode == MODE_WS) {
		r->wseats = reserve_memory((size_t)n * sizeof(struct wseat));
		if (!r->wseats)
			return -ENOMEM;
	}
	if (wheel_init(&r->wheel, n, r->now_tick) ||
	    pool_init(&r->inflights, r->run->inflight_size, n))
		return -ENOMEM;
	r->active = 0;
	r->nwaiting = 0;
	seats_grow(r, ring_share(atomic_load(&r->run->wanted), r->run->nrings, r->id));
	r->rng = 0x9e3779b97f4a7c15ull * (r->id + 1);
	rate_init(&r->rate, r->run->cfg.rate, r->now_ns);
	hist_reset(&r->hist);
	return 0;
}

void seats_fini(struct cring *r)
{
	if (r->conns)
		munmap(r->conns, (size_t)r->nslots * sizeof(struct seat));
	if (r->waiting)
		munmap(r->waiting, (size_t)r->nslots * sizeof(uint32_t));
	if (r->wseats)
		munmap(r->wseats, (size_t)r->nslots * sizeof(struct wseat));
	r->wseats = NULL;
	wheel_fini(&r->wheel);
	pool_fini(&r->inflights);
	r->conns = NULL;
	r->waiting = NULL;
}

static void set_deadline(struct cring *r, uint32_t slot, uint32_t ticks)
{
	wheel_set(&r->wheel, slot, r->now_tick + (ticks ? ticks : 1));
}

void seat_deadline_at(struct cring *r, uint32_t slot, uint32_t tick)
{
	wheel_set(&r->wheel, slot, tick > r->now_tick ? tick : r->now_tick + 1);
}

/* --- connecting --------------------------------------------------------------------- */

void seat_start_connects(struct cring *r)
{
	uint32_t n;

	if (r->stopping || r->draining || !r->nwaiting || r->connecting >= r->max_connecting ||
	    r->now_tick < r->backoff_until)
		return;
	n = r->max_connecting - r->connecting;
	if (n > r->nwaiting)
		n = r->nwaiting;
	n = rate_take(&r->rate, r->now_ns, n);
	if (n && !atomic_load_explicit(&r->first_ns, memory_order_relaxed))
		atomic_store_explicit(&r->first_ns, r->now_ns, memory_order_relaxed);
	for (; n; n--) {
		uint32_t slot = r->waiting[--r->nwaiting];
		struct seat *c = &r->conns[slot];

		c->gen++;
		c->state = CS_CONNECTING;
		c->io = 0;
		c->flags = 0;
		r->connecting++;
		stat_add(&r->st.connecting, 1);
		ring_connect(r, slot);
		set_deadline(r, slot, ticks_of_s(r, r->run->cfg.timeout));
	}
}

static void wait_to_connect(struct cring *r, uint32_t slot)
{
	struct seat *c = &r->conns[slot];

	c->state = CS_WAITING;
	if (!r->stopping)
		r->waiting[r->nwaiting++] = slot;
}

/* A failed connect: the seat waits 1, 2, 4... seconds, so a refusing or
 * missing server costs a few connects per second, not a spin. */
static void backoff(struct cring *r, uint32_t slot)
{
	struct seat *c = &r->conns[slot];

	c->state = CS_BACKOFF;
	set_deadline(r, slot, ticks_of_s(r, 1u << c->backoff));
	if (c->backoff < BACKOFF_MAX)
		c->backoff++;
}

static void send_requests(struct cring *r, uint32_t slot);

void seat_connected(struct cring *r, uint32_t slot, int res)
{
	struct seat *c = &r->conns[slot];
	int err = -res, kind;

	r->connecting--;
	if (res >= 0 && r->run->cfg.mode == MODE_WS) {
		/* counted as connecting until the handshake is done */
		wheel_clear(&r->wheel, slot);
		ring_recv(r, slot);
		wseat_open(r, slot);
		return;
	}
	stat_sub(&r->st.connecting, 1);
	if (res >= 0) {
		c->state = CS_IDLE;
		c->backoff = 0;
		c->flags |= CF_OPEN;
		stat_add(&r->st.open, 1);
		stat_add(&r->st.connects, 1);
		ring_note_full(r);
		wheel_clear(&r->wheel, slot);
		ring_recv(r, slot);
		send_requests(r, slot);
		return;
	}
	wheel_clear(&r->wheel, slot);
	if (err == ECANCELED && (c->flags & CF_TIMED_OUT))
		err = ETIMEDOUT;
	if (err == ECONNREFUSED)
		stat_add(&r->st.errors[ERR_REFUSED], 1);
	else if (err == ETIMEDOUT)
		stat_add(&r->st.errors[ERR_CONNECT_TIMEOUT], 1);
	else
		stat_add(&r->st.errors[ERR_CONNECT], 1);
	kind = limits_kind_of(err);
	if (kind >= 0)
		limits_note((enum limit_kind)kind, err == ETIMEDOUT ? 0 : err);
	/* a local limit: the whole ring waits a second rather than spin on it */
	if (kind >= 0 && kind != LIMIT_BACKLOG && kind != LIMIT_REFUSED)
		r->backoff_until = r->now_tick + ticks_of_s(r, 1);
	/* the socket may be in the slot (bind or connect failed): close it;
	 * closing an empty slot fails harmlessly */
	ring_close_slot(r, slot);
	backoff(r, slot);
}

/* --- requests and responses ----------------------------------------------------------- */

static void send_requests(struct cring *r, uint32_t slot)
{
	const struct client_run *run = r->run;
	struct seat *c = &r->conns[slot];
	uint32_t d = run->cfg.pipeline, ref;
	struct inflight *f;
	uint16_t *lengths;

	if (r->stopping)
		return;
	if (c->io & IO_SEND) { /* the last send has not completed: its msghdr is busy */
		c->flags |= CF_WANT_SEND;
		c->state = CS_ACTIVE;
		return;
	}
	ref = pool_get(&r->inflights); /* one per seat at most: cannot run out */
	f = pool_at(&r->inflights, ref);
	lengths = inflight_lengths(f, d);
	for (uint32_t i = 0; i < d; i++) {
		size_t len;
		lengths[i] = (uint16_t)uniform(r, run->cfg.length_lo, run->cfg.length_hi);
		f->iov[i].iov_base = (void *)request_bytes(&run->requests, lengths[i], &len);
		f->iov[i].iov_len = len;
	}
	memset(&f->msg, 0, sizeof(f->msg));
	f->msg.msg_iov = f->iov;
	f->msg.msg_iovlen = d;
	f->nsent = (uint16_t)d;
	f->ndone = 0;
	f->sent_ns = r->now_ns;
	resp_init(&f->resp, lengths[0], (enum resp_check)run->cfg.check_length,
		  (enum resp_check)run->cfg.check_body);
	c->inflight = ref;
	c->state = CS_ACTIVE;
	c->flags &= (uint8_t)~CF_WANT_SEND;
	ring_send(r, slot, &f->msg);
	stat_add(&r->st.sent, d);
	set_deadline(r, slot, ticks_of_s(r, run->cfg.timeout));
}

static void inflight_drop(struct cring *r, struct seat *c)
{
	struct inflight *f;

	if (!c->inflight)
		return;
	f = pool_at(&r->inflights, c->inflight);
	stat_add(&r->st.unanswered, (uint64_t)(f->nsent - f->ndone));
	pool_put(&r->inflights, c->inflight);
	c->inflight = 0;
}

/* Closes the connection; its seat connects again (respecting the rate). */
void seat_close(struct cring *r, uint32_t slot, enum close_reason why)
{
	struct seat *c = &r->conns[slot];

	if (c->state == CS_CLOSING)
		return;
	if (c->flags & CF_OPEN) {
		c->flags &= (uint8_t)~CF_OPEN;
		stat_sub(&r->st.open, 1);
		stat_add(&r->st.closed[why], 1);
	}
	if (r->run->cfg.mode == MODE_WS)
		wseat_closing(r, slot, 0); /* its busy state goes back once nothing is in flight */
	else
		inflight_drop(r, c);
	wheel_clear(&r->wheel, slot);
	c->state = CS_CLOSING;
	if (c->io & (IO_RECV | IO_SEND))
		ring_cancel_all(r, slot);
	else
		seat_io_done(r, slot);
}

static enum close_reason reason_of(enum client_error kind)
{
	switch (kind) {
	case ERR_RESET:
		return CLOSE_RESET;
	case ERR_TIMEOUT:
	case ERR_PONG_TIMEOUT:
	case ERR_ECHO_TIMEOUT:
		return CLOSE_TIMEOUT;
	case ERR_CLOSED:
	case ERR_IDLE_CLOSED:
		return CLOSE_PEER;
	case ERR_WS_CLOSED:
		return CLOSE_SERVER;
	default:
		return CLOSE_ERROR;
	}
}

void seat_fail(struct cring *r, uint32_t slot, enum client_error kind)
{
	stat_add(&r->st.errors[kind], 1);
	if (r->run->cfg.mode == MODE_WS)
		r->conns[slot].flags |= CF_BACKOFF; /* a server that fails us is not hammered */
	seat_close(r, slot, reason_of(kind));
}

void seat_io_done(struct cring *r, uint32_t slot)
{
	struct seat *c = &r->conns[slot];

	if (c->state != CS_CLOSING || (c->io & (IO_RECV | IO_SEND | IO_NOBUFS)))
		return;
	ring_close_slot(r, slot);
	c->io = 0;
	if (r->run->cfg.mode == MODE_WS)
		wseat_release(r, slot);
	if (c->flags & CF_BACKOFF)
		backoff(r, slot);
	else
		wait_to_connect(r, slot);
}

static const enum client_error verdict_error[] = {
	[RESP_BAD_STATUS] = ERR_STATUS,
	[RESP_BAD_LENGTH] = ERR_LENGTH,
	[RESP_BAD_BODY] = ERR_BODY,
};

/* One response ended. Returns 1 while the connection reads on. */
static int response_done(struct cring *r, uint32_t slot, struct inflight *f)
{
	const struct client_config *cfg = &r->run->cfg;
	struct seat *c = &r->conns[slot];
	int keep_alive = resp_keep_alive(&f->resp);

	stat_add(&r->st.responses, 1);
	if (f->resp.verdict == RESP_OK)
		stat_add(&r->st.ok, 1);
	else
		stat_add(&r->st.errors[verdict_error[f->resp.verdict]], 1);
	hist_record(&r->hist, r->now_ns - f->sent_ns);
	if (++f->ndone < f->nsent) {
		if (!keep_alive) { /* it will close with requests unanswered */
			seat_fail(r, slot, ERR_CLOSED);
			return 0;
		}
		resp_expect(&f->resp, inflight_lengths(f, cfg->pipeline)[f->ndone]);
		return 1;
	}
	pool_put(&r->inflights, c->inflight);
	c->inflight = 0;
	if (!keep_alive || cfg->connection_close) {
		if (!keep_alive)
			stat_add(&r->st.server_closes, 1);
		seat_close(r, slot, keep_alive ? CLOSE_CLIENT : CLOSE_SERVER);
		return 0;
	}
	if (cfg->closed_loop) {
		send_requests(r, slot);
	} else {
		uint32_t ms = uniform(r, cfg->idle_lo_ms, cfg->idle_hi_ms);
		uint32_t ticks = (uint32_t)(((uint64_t)ms * 1000000 + r->run->tick_ns - 1) /
					    r->run->tick_ns);

		c->state = CS_IDLE;
		if (ticks)
			set_deadline(r, slot, ticks);
		else
			send_requests(r, slot);
	}
	return 0;
}

void seat_data(struct cring *r, uint32_t slot, char *data, uint32_t len)
{
	struct seat *c = &r->conns[slot];

	stat_add(&r->st.bytes_in, len);
	if (r->run->cfg.mode == MODE_WS) {
		wseat_data(r, slot, data, len);
		return;
	}
	while (len) {
		struct inflight *f;
		size_t used;

		if (c->state != CS_ACTIVE || !c->inflight) {
			seat_fail(r, slot, ERR_GARBAGE); /* bytes nobody asked for */
			return;
		}
		f = pool_at(&r->inflights, c->inflight);
		switch (resp_feed(&f->resp, data, len, &used)) {
		case RESP_MORE:
			return;
		case RESP_ERROR:
			seat_fail(r, slot, ERR_GARBAGE);
			return;
		case RESP_DONE:
			data += used;
			len -= (uint32_t)used;
			if (!response_done(r, slot, f) && len && c->state != CS_CLOSING &&
			    c->state != CS_ACTIVE) {
				seat_fail(r, slot, ERR_GARBAGE);
				return;
			}
			if (c->state == CS_CLOSING)
				return;
			break;
		}
	}
}

void seat_eof(struct cring *r, uint32_t slot)
{
	struct seat *c = &r->conns[slot];

	if (r->run->cfg.mode == MODE_WS) {
		wseat_eof(r, slot);
		return;
	}
	if (c->state != CS_ACTIVE || !c->inflight) {
		seat_fail(r, slot, ERR_IDLE_CLOSED); /* closed with nothing asked */
		return;
	}
	/* a response delimited by the close ends here; anything else is cut short */
	if (resp_eof(&((struct inflight *)pool_at(&r->inflights, c->inflight))->resp) == RESP_DONE)
		response_done(r, slot, pool_at(&r->inflights, c->inflight));
	if (c->state != CS_CLOSING)
		seat_fail(r, slot, ERR_CLOSED);
}

void seat_error(struct cring *r, uint32_t slot, int err)
{
	int kind = limits_kind_of(err);

	if (kind == LIMIT_MEMORY)
		limits_note(LIMIT_MEMORY, err);
	seat_fail(r, slot, err == ECONNRESET || err == EPIPE ? ERR_RESET : ERR_CLOSED);
}

void seat_sent(struct cring *r, uint32_t slot, int res)
{
	struct seat *c = &r->conns[slot];

	if (r->run->cfg.mode == MODE_WS) {
		wseat_sent(r, slot, res);
		return;
	}
	if (res < 0) {
		seat_error(r, slot, -res);
		return;
	}
	stat_add(&r->st.bytes_out, (uint64_t)res);
	if (c->flags & CF_WANT_SEND) {
		c->flags &= (uint8_t)~CF_WANT_SEND;
		send_requests(r, slot);
	}
}

/* --- time --------------------------------------------------------------------------- */

static void on_deadline(void *ctx, uint32_t slot)
{
	struct cring *r = ctx;
	struct seat *c = &r->conns[slot];

	switch (c->state) {
	case CS_CONNECTING:
		c->flags |= CF_TIMED_OUT;
		ring_cancel_connect(r, slot);
		break;
	case CS_ACTIVE:
		seat_fail(r, slot, ERR_TIMEOUT);
		break;
	case CS_IDLE:
		send_requests(r, slot);
		break;
	case CS_BACKOFF:
		wait_to_connect(r, slot);
		break;
	case CS_HANDSHAKE:
	case CS_WS:
	case CS_WS_CLOSING:
		wseat_deadline(r, slot);
		break;
	default:
		break;
	}
}

void seat_tick(struct cring *r)
{
	if (atomic_load_explicit(&r->run->stop, memory_order_relaxed)) {
		/* Before the wheel: start no request that cannot end. WebSocket
		 * mode first waits (up to 2 s, or --timeout if shorter) for the
		 * pongs and echoes of what was sent, which would otherwise all
		 * count as unanswered; a healthy server answers in one round trip. */
		if (!r->draining) {
			r->draining = 1;
			r->drain_until = r->now_tick + ticks_of_s(r, r->run->cfg.timeout < 2
								   ? r->run->cfg.timeout : 2);
		}
		if (!r->awaited || r->now_tick >= r->drain_until)
			r->stopping = 1;
		return;
	}
	seats_grow(r, ring_share(atomic_load_explicit(&r->run->wanted, memory_order_relaxed),
				 r->run->nrings, r->id));
	wheel_advance(&r->wheel, r->now_tick, on_deadline, r);
	/* latency goes to the main thread ten times a second, whatever the tick */
	if (r->now_tick % (uint32_t)(TICK_NS / r->run->tick_ns) == 0) {
		hist_box_put(&r->box, &r->hist);
		hist_box_put(&r->ebox, &r->ehist);
	}
}

/* The run is over: requests still in flight are unanswered; the ring's exit
 * closes every socket. */
void seat_stop_all(struct cring *r)
{
	for (uint32_t slot = 0; slot < r->active; slot++) {
		if (r->run->cfg.mode == MODE_WS)
			wseat_closing(r, slot, 1); /* only the accounting: the ring's exit closes */
		else
			inflight_drop(r, &r->conns[slot]);
	}
	hist_box_put(&r->box, &r->hist);
	hist_box_put(&r->ebox, &r->ehist);
}
