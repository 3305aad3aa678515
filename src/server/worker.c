/* A worker's memory and clock: the tables it allocates at start-up, the
 * once-a-second tick (Date header, timeouts, shutdown deadline) and the
 * start of a graceful stop. */
#include "server/conn_priv.h"

#include "loop/loop.h"

#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>

#define RBUFS_PER_CORE (RBUF_GROW * 32) /* 8 MiB of receive buffers per core */
#define RBUFS_MIN_PER_RING (RBUF_GROW * 2)
#define OUTS_KEPT_WARM 16               /* idle output chunks kept resident per ring */

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void on_deadline(void *ctx, uint32_t slot)
{
	struct worker *w = ctx;

	conn_timeout(w, &w->conns[slot]);
}

void worker_tick(struct worker *w)
{
	w->now = (uint32_t)((monotonic_ns() - w->start_ns) / 1000000000ull);
	http_date_format(w->date, time(NULL));
	wheel_advance(&w->wheel, w->now, on_deadline, w);
	/* answers to a burst of connections must not stay resident while they idle */
	pool_trim(&w->outs, OUTS_KEPT_WARM);
	if (w->stopping && w->now >= w->stop_deadline)
		for (uint32_t i = 0; i < w->nslots && w->nopen; i++)
			conn_close(w, &w->conns[i], CLOSE_SHUTDOWN);
}

void worker_stop(struct worker *w)
{
	if (w->stopping)
		return;
	w->stopping = 1;
	w->stop_deadline = w->now + w->srv->cfg.grace;
	loop_accept_stop(w);
	for (uint32_t i = 0; i < w->nslots; i++)
		conn_stop(w, &w->conns[i]);
}

/* Receive buffers per ring: a core's budget shared by the rings on that
 * core (its busy periods do not add up: one thread runs them all), never
 * fewer than a small floor. Running short only delays a receive (ENOBUFS:
 * the data waits in the socket), so 600k connections on 44 rings keep
 * 22 MiB of buffers rather than 350. */
static uint32_t rbufs_per_ring(const struct server_config *cfg)
{
	uint32_t per_core = cfg->threads && cfg->rings > cfg->threads ?
		(cfg->rings + cfg->threads - 1) / cfg->threads : 1;
	uint32_t n = RBUFS_PER_CORE / per_core;

	return n < RBUFS_MIN_PER_RING ? RBUFS_MIN_PER_RING : n;
}

int worker_init(struct worker *w, uint32_t nslots)
{
	w->start_ns = monotonic_ns();
	w->now = 0;
	http_date_format(w->date, time(NULL));
	w->nslots = nslots;
	w->conns = reserve_memory((size_t)nslots * sizeof(struct conn));
	if (!w->conns || pool_init(&w->ctxs, sizeof(union conn_ctx), nslots) ||
	    pool_init(&w->outs, sizeof(struct out), 2 * nslots) ||
	    rbufs_init(&w->rbufs, rbufs_per_ring(&w->srv->cfg)) || wheel_init(&w->wheel, nslots, 0))
		return -1;
	return 0;
}

void worker_fini(struct worker *w)
{
	free(w->metrics_page);
	pool_fini(&w->ctxs);
	pool_fini(&w->outs);
	rbufs_fini(&w->rbufs);
	wheel_fini(&w->wheel);
	if (w->conns)
		munmap(w->conns, (size_t)w->nslots * sizeof(struct conn));
	w->conns = NULL;
}
