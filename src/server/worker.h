/* A worker: one thread, one loop (an io_uring, or an epoll set in the
 * comparison build), its connections and the memory they draw on. Workers
 * share nothing on the request path; the server-wide count of open
 * connections is touched once per connection. */
#ifndef UKIT_SERVER_WORKER_H
#define UKIT_SERVER_WORKER_H

#include "http/request.h"
#include "http/response.h"
#include "loop/rbuf.h"
#include "loop/wheel.h"
#include "server/config.h"
#include "server/stats.h"
#include "util/pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

struct conn;


struct server;

struct worker {
	unsigned id;
	int cpu;
	struct server *srv;
	void *loop;               /* the backend's state */

	struct conn *conns;       /* by slot: direct descriptor index, or fd */
	uint32_t nslots;
	uint32_t nopen;

	struct pool ctxs;         /* union conn_ctx: only connections mid-request or
				     mid-frame hold one */
	struct pool outs;         /* struct out */
	struct rbufs rbufs;
	struct wheel wheel;

	uint32_t now;             /* seconds since the worker started */
	uint64_t start_ns;
	char date[HTTP_DATE_LEN + 1];

	int stopping;
	uint32_t stop_deadline;

	struct worker_stats st;
	char *metrics_page;       /* the last /metrics body, allocated at the first scrape */
	size_t metrics_cap;
	size_t metrics_len;
	uint32_t metrics_refs;    /* unsent answers referencing the page */

	pthread_t thread;
	int init_status;          /* 0 ok, <0 failed: init_msg says why */
	char init_msg[256];
};

struct server {
	struct server_config cfg;
	struct http_limits limits;
	_Atomic uint32_t open;    /* connections open in all workers */
	unsigned nworkers;
	struct worker *workers;
	int *listen_fds;          /* one per core (SO_REUSEPORT) */
	unsigned nlisten;
};

/* The worker's listening socket: the one of its core. */
static inline int worker_listen_fd(const struct worker *w)
{
	return w->srv->listen_fds[w->id % w->srv->nlisten];
}

/* Allocates the worker's tables for nslots connections. */
int worker_init(struct worker *w, uint32_t nslots);
void worker_fini(struct worker *w);

/* Once a second: the clock, the Date header, timeouts, the shutdown deadline. */
void worker_tick(struct worker *w);

/* Begins a graceful stop: no new connections, idle ones closed, in-flight
 * requests answered; the loop ends when no connection is left. */
void worker_stop(struct worker *w);

#endif
