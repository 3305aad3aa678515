/* A recording stand-in for the event loop, so the connection logic can be
 * unit-tested without a kernel: sends wait until the test completes them. */
#ifndef UKIT_TESTS_FAKE_LOOP_H
#define UKIT_TESTS_FAKE_LOOP_H

#include "loop/loop.h"

#include <stddef.h>

struct fake_loop {
	int sends;           /* loop_send calls */
	int send_pending;    /* a send was started and not completed */
	int recv_stops;
	int recv_starts;
	int shutdowns;
	int closes;
	int accept_stops;
	int rbuf_puts;
	char sent[4 << 20];  /* every byte completed sends delivered, in order */
	size_t sent_len;
};

extern struct fake_loop fake;

/* A worker with its server (default limits and timeouts) and nslots slots. */
void fake_worker(struct worker *w, struct server *srv, uint32_t nslots);
void fake_worker_free(struct worker *w);

/* Receives bytes on c through a receive buffer, as the loop would. */
void fake_recv(struct worker *w, struct conn *c, const char *data, size_t len);

/* Completes the pending send: all of it, or only n bytes (a short send). */
void fake_send_all(struct worker *w, struct conn *c);
void fake_send_some(struct worker *w, struct conn *c, size_t n);

/* Sets the worker's clock to now seconds since it started (a moment into that
 * second, whatever real time has passed) and runs its tick: timeouts fire. */
void fake_tick(struct worker *w, uint32_t now);

#endif
