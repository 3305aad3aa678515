/* The event loop interface, completion-style: "send this chunk and tell me
 * when it is done", "close this connection". Two implementations, each
 * linked into its own binary: uring.c (ukit-server) and epoll.c
 * (ukit-server-epoll). The protocol code never knows which one runs it. */
#ifndef UKIT_LOOP_LOOP_H
#define UKIT_LOOP_LOOP_H

#include "loop/out.h"
#include "server/conn.h"
#include "server/worker.h"

extern const char loop_name[];

/* How many connection slots one loop can hold here (the io_uring backend is
 * bound by RLIMIT_NOFILE per registered file table). */
uint32_t loop_max_slots(void);

/* Of those slots, how many to keep free as headroom (accept bursts). */
uint32_t loop_slot_reserve(uint32_t slots);

/* The listen(2) backlog this loop wants, with slots per loop. */
int loop_listen_backlog(uint32_t slots);

/* The most connections the whole process can hold with this loop when all
 * loops share one descriptor space (epoll: RLIMIT_NOFILE), or 0 when each
 * loop has its own (io_uring's registered file tables): then more loops
 * hold more. */
uint32_t loop_max_total(void);

/* In the worker's thread: set up the loop (w->init_msg says why not). */
int loop_init(struct worker *w);
void loop_run(struct worker *w);
void loop_fini(struct worker *w);

/* From another thread: make the worker call worker_stop() soon. */
int loop_wake(struct worker *w);

/* Start sending o (c->out_sending); conn_sent() follows. */
void loop_send(struct worker *w, struct conn *c, struct out *o);

/* shutdown(SHUT_WR) the connection. */
void loop_shutdown_write(struct worker *w, struct conn *c);

/* Stop or restart receiving (pause for a slow reader). After a stop, data
 * already on its way may still arrive through conn_recv(). */
void loop_recv_stop(struct worker *w, struct conn *c);
void loop_recv_start(struct worker *w, struct conn *c);

/* Close: cancel what is in flight, close, then call conn_closed(). */
void loop_close(struct worker *w, struct conn *c);

/* Give a receive buffer back. */
void loop_rbuf_put(struct worker *w, uint32_t id);

/* Stop accepting new connections (shutdown). */
void loop_accept_stop(struct worker *w);

#endif
