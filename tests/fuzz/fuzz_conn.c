/* libFuzzer: a connection's whole life (parsing, pipelining, pausing for a
 * slow reader, short sends, EOF, timeouts, closing) driven by arbitrary
 * events against a stand-in loop. The input is a script of operations. */
#include "loop/loop.h"
#include "server/conn.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

const char loop_name[] = "fuzz";
static int send_pending, closed;

uint32_t loop_max_slots(void) { return 4; }
uint32_t loop_slot_reserve(uint32_t slots) { (void)slots; return 1; }
uint32_t loop_max_total(void) { return 0; }
int loop_listen_backlog(uint32_t slots) { (void)slots; return 128; }
int loop_init(struct worker *w) { (void)w; return 0; }
void loop_run(struct worker *w) { (void)w; }
void loop_fini(struct worker *w) { (void)w; }
int loop_wake(struct worker *w) { (void)w; return 0; }
void loop_shutdown_write(struct worker *w, struct conn *c) { (void)w, (void)c; }
void loop_recv_stop(struct worker *w, struct conn *c) { (void)w, (void)c; }
void loop_recv_start(struct worker *w, struct conn *c) { (void)w, (void)c; }
void loop_accept_stop(struct worker *w) { (void)w; }
void loop_rbuf_put(struct worker *w, uint32_t id) { (void)w, (void)id; }

void loop_send(struct worker *w, struct conn *c, struct out *o)
{
	(void)w, (void)c, (void)o;
	if (send_pending)
		abort(); /* one send at a time per connection */
	send_pending = 1;
}

void loop_close(struct worker *w, struct conn *c)
{
	send_pending = 0;
	closed = 1;
	conn_closed(w, c);
}

static struct server srv;
static struct worker w;

static void setup(void)
{
	srv.cfg.max_conns = 4;
	srv.cfg.header_timeout = 2;
	srv.cfg.idle_timeout = 3;
	srv.cfg.grace = 1;
	srv.limits = (struct http_limits){ .max_url_bytes = 256, .max_header_bytes = 1024,
					   .max_headers = 16, .max_body = 2048 };
	w.srv = &srv;
	if (worker_init(&w, 4))
		abort();
	while (rbufs_grow(&w.rbufs) >= 0)
		;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conn *c;
	uint32_t next_buf = 0;
	size_t off = 0;

	if (!w.srv)
		setup();
	c = &w.conns[0];
	send_pending = closed = 0;
	c->gen++;
	conn_open(&w, c);
	while (off < size && !closed) {
		uint8_t op = data[off++];
		size_t n = (op >> 3) + 1;

		switch (op & 7) {
		case 0: case 1: case 2: /* bytes arrive */
			if (n > size - off)
				n = size - off;
			if (!n || c->state == CONN_CLOSING)
				break;
			memcpy(rbuf_data(&w.rbufs, next_buf % w.rbufs.count), data + off, n);
			conn_recv(&w, c, next_buf++ % w.rbufs.count, (uint32_t)n);
			off += n;
			break;
		case 3: /* the pending send completes */
		case 4: /* ... only partly */
			if (send_pending) {
				struct out *o = pool_at(&w.outs, c->out_sending);
				size_t k = (op & 7) == 3 ? o->pending : (n < o->pending ? n : o->pending);
				send_pending = 0;
				conn_sent(&w, c, (int)k);
			}
			break;
		case 5: /* a second passes */
			w.start_ns -= 1000000000ull;
			worker_tick(&w);
			break;
		case 6:
			conn_eof(&w, c);
			break;
		case 7:
			if (n == 1)
				conn_error(&w, c, 104);
			break;
		}
	}
	if (!closed) { /* the loop closes it at the end, with whatever is pending */
		send_pending = 0;
		conn_closed(&w, c);
	}
	/* nothing may leak from one connection to the next */
	if (w.ctxs.live || w.outs.live || w.nopen)
		abort();
	return 0;
}
