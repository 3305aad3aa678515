/* The recording fake loop (see fake_loop.h). */
#include "fake_loop.h"

#include "server/conn.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <string.h>
#include <time.h>

struct fake_loop fake;

const char loop_name[] = "fake";

uint32_t loop_max_slots(void) { return 1024; }
uint32_t loop_slot_reserve(uint32_t slots) { (void)slots; return 1; }
uint32_t loop_max_total(void) { return 0; }
int loop_listen_backlog(uint32_t slots) { (void)slots; return 128; }
int loop_init(struct worker *w) { (void)w; return 0; }
void loop_run(struct worker *w) { (void)w; }
void loop_fini(struct worker *w) { (void)w; }
int loop_wake(struct worker *w) { (void)w; return 0; }

void loop_send(struct worker *w, struct conn *c, struct out *o)
{
	(void)w, (void)c, (void)o;
	cr_assert(!fake.send_pending, "a second send while one is in flight");
	fake.sends++;
	fake.send_pending = 1;
}

void loop_shutdown_write(struct worker *w, struct conn *c) { (void)w, (void)c; fake.shutdowns++; }
void loop_recv_stop(struct worker *w, struct conn *c) { (void)w, (void)c; fake.recv_stops++; }
void loop_recv_start(struct worker *w, struct conn *c) { (void)w, (void)c; fake.recv_starts++; }
void loop_accept_stop(struct worker *w) { (void)w; fake.accept_stops++; }
void loop_rbuf_put(struct worker *w, uint32_t id) { (void)w, (void)id; fake.rbuf_puts++; }

void loop_close(struct worker *w, struct conn *c)
{
	fake.closes++;
	fake.send_pending = 0;
	conn_closed(w, c);
}

void fake_worker(struct worker *w, struct server *srv, uint32_t nslots)
{
	memset(&fake, 0, sizeof(fake));
	memset(srv, 0, sizeof(*srv));
	memset(w, 0, sizeof(*w));
	srv->cfg.max_conns = nslots;
	srv->cfg.header_timeout = 10;
	srv->cfg.idle_timeout = 60;
	srv->cfg.grace = 5;
	srv->limits = (struct http_limits){ .max_url_bytes = 4096, .max_header_bytes = 8192,
					    .max_headers = 100, .max_body = 1 << 20 };
	w->srv = srv;
	cr_assert_eq(worker_init(w, nslots), 0);
	/* every buffer id is usable at once, as if the loop had lent them all */
	while (rbufs_grow(&w->rbufs) >= 0)
		;
}

void fake_worker_free(struct worker *w)
{
	worker_fini(w);
}

void fake_recv(struct worker *w, struct conn *c, const char *data, size_t len)
{
	static uint32_t next_id;

	while (len) {
		size_t n = len > RBUF_SIZE ? RBUF_SIZE : len;
		uint32_t id = next_id++ % w->rbufs.count;
		memcpy(rbuf_data(&w->rbufs, id), data, n);
		conn_recv(w, c, id, (uint32_t)n);
		data += n;
		len -= n;
	}
}

static void deliver(struct out *o, size_t n)
{
	size_t left = n;

	for (uint32_t i = o->first; i < o->niov && left; i++) {
		size_t k = o->iov[i].iov_len < left ? o->iov[i].iov_len : left;
		cr_assert(fake.sent_len + k <= sizeof(fake.sent));
		memcpy(fake.sent + fake.sent_len, o->iov[i].iov_base, k);
		fake.sent_len += k;
		left -= k;
	}
}

void fake_send_some(struct worker *w, struct conn *c, size_t n)
{
	struct out *o = pool_at(&w->outs, c->out_sending);

	cr_assert(fake.send_pending, "no send to complete");
	if (n > o->pending)
		n = o->pending;
	deliver(o, n);
	fake.send_pending = 0;
	conn_sent(w, c, (int)n);
}

void fake_send_all(struct worker *w, struct conn *c)
{
	fake_send_some(w, c, ((struct out *)pool_at(&w->outs, c->out_sending))->pending);
}

void fake_tick(struct worker *w, uint32_t now)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	w->start_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec -
		      (uint64_t)now * 1000000000ull - 500000000ull;
	worker_tick(w);
	cr_assert_eq(w->now, now);
}
