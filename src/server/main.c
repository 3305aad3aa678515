/* ukit-server: start-up (limits, listeners, one pinned worker per ring),
 * signal handling and graceful shutdown. */
#include "loop/loop.h"
#include "server/config.h"
#include "server/listener.h"
#include "server/worker.h"
#include "util/args.h"

#include <errno.h>
#include <stddef.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

struct layout {
	uint32_t slots;   /* file table slots per ring */
	uint32_t reserve; /* of which kept free for accept bursts */
	int cpus[CPU_SETSIZE];
	unsigned ncpus;
};

static sem_t started;
static pthread_barrier_t go; /* every worker set up before any runs: they message each other */

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(w->cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set); /* best effort */
	if (worker_init(w, w->nslots) < 0) {
		snprintf(w->init_msg, sizeof(w->init_msg), "out of memory for %u connections",
			 w->nslots);
		w->init_status = -ENOMEM;
	} else {
		w->init_status = loop_init(w);
	}
	sem_post(&started);
	if (w->init_status < 0)
		return NULL;
	pthread_barrier_wait(&go);
	loop_run(w);
	loop_fini(w);
	worker_fini(w);
	return NULL;
}

static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static void online_cpus(struct layout *l)
{
	cpu_set_t set;

	l->ncpus = 0;
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		for (int i = 0; i < CPU_SETSIZE; i++)
			if (CPU_ISSET(i, &set))
				l->cpus[l->ncpus++] = i;
	if (!l->ncpus)
		l->cpus[l->ncpus++] = 0;
}

/* With one descriptor space for the whole process (epoll), more loops do
 * not hold more connections: one loop per core, up to RLIMIT_NOFILE. */
static int plan_shared(struct server_config *cfg, struct layout *l, const struct args *a)
{
	uint32_t total = loop_max_total();

	if (cfg->rings && cfg->rings != cfg->threads)
		return args_error(a, "--rings is for the io_uring build; %s runs one loop per thread",
				  loop_name);
	cfg->rings = cfg->threads;
	if (!cfg->max_conns)
		cfg->max_conns = total;
	if (cfg->max_conns > total)
		return args_error(a, "--max-conns %u: the %s build holds at most %u connections "
				  "here (RLIMIT_NOFILE)", cfg->max_conns, loop_name, total);
	l->slots = loop_max_slots(); /* indexed by fd: every loop sees the whole range */
	l->reserve = loop_slot_reserve(l->slots);
	return 0;
}

/* Rings and slots: each ring holds slots - reserve connections; enough rings
 * for --max-conns, in equal numbers per core, with 5% slack because
 * SO_REUSEPORT spreads connections over the cores by hash, not evenly. */
static int plan(struct server_config *cfg, struct layout *l, const struct args *a)
{
	uint32_t per_ring;
	uint64_t need;

	online_cpus(l);
	if (!cfg->threads)
		cfg->threads = l->ncpus;
	if (loop_max_total()) /* one descriptor space for all loops */
		return plan_shared(cfg, l, a);
	l->slots = loop_max_slots();
	if (cfg->ring_slots && cfg->ring_slots < l->slots)
		l->slots = cfg->ring_slots;
	l->reserve = loop_slot_reserve(l->slots);
	per_ring = l->slots - l->reserve;
	if (!cfg->max_conns) { /* what the rings hold, less the slack */
		need = (uint64_t)per_ring * (cfg->rings ? cfg->rings : cfg->threads);
		cfg->max_conns = (uint32_t)(cfg->threads > 1 ? need * 100 / 105 : need);
	}
	need = cfg->threads > 1 ? ((uint64_t)cfg->max_conns * 105 + 99) / 100 : cfg->max_conns;
	if (!cfg->rings) {
		cfg->rings = (unsigned)((need + per_ring - 1) / per_ring);
		if (cfg->rings < cfg->threads)
			cfg->rings = cfg->threads;
		cfg->rings = (cfg->rings + cfg->threads - 1) / cfg->threads * cfg->threads;
	} else if ((uint64_t)cfg->rings * per_ring < cfg->max_conns) {
		return args_error(a, "--rings %u hold at most %llu connections here (%u slots each), "
				  "below --max-conns %u", cfg->rings,
				  (unsigned long long)cfg->rings * per_ring, per_ring, cfg->max_conns);
	}
	if (cfg->rings < cfg->threads)
		return args_error(a, "--rings %u is fewer than --threads %u", cfg->rings, cfg->threads);
	return 0;
}

static int open_listeners(struct server *srv, const struct layout *l, const struct args *a)
{
	char err[160];

	if (listener_probe(srv->cfg.bind_addr, srv->cfg.port, err, sizeof(err)) < 0)
		return args_error(a, "%s", err);
	srv->nlisten = srv->cfg.threads;
	srv->listen_fds = calloc(srv->nlisten, sizeof(int));
	if (!srv->listen_fds)
		return args_error(a, "out of memory");
	for (unsigned i = 0; i < srv->nlisten; i++) {
		srv->listen_fds[i] = listener_open(srv->cfg.bind_addr, srv->cfg.port,
						   loop_listen_backlog(l->slots), err, sizeof(err));
		if (srv->listen_fds[i] < 0)
			return args_error(a, "%s", err);
	}
	return 0;
}

static int start_workers(struct server *srv, const struct layout *l, const struct args *a)
{
	srv->nworkers = srv->cfg.rings;
	srv->workers = calloc(srv->nworkers, sizeof(struct worker));
	if (!srv->workers || sem_init(&started, 0, 0) ||
	    pthread_barrier_init(&go, NULL, srv->nworkers + 1))
		return args_error(a, "out of memory");
	for (unsigned i = 0; i < srv->nworkers; i++) {
		struct worker *w = &srv->workers[i];
		w->id = i;
		w->srv = srv;
		w->nslots = l->slots;
		w->cpu = l->cpus[(i % srv->cfg.threads) % l->ncpus];
		if (pthread_create(&w->thread, NULL, worker_main, w))
			return args_error(a, "cannot start thread %u: %s", i, strerror(errno));
	}
	for (unsigned i = 0; i < srv->nworkers; i++)
		sem_wait(&started);
	for (unsigned i = 0; i < srv->nworkers; i++)
		if (srv->workers[i].init_status < 0)
			return args_error(a, "%s", srv->workers[i].init_msg);
	pthread_barrier_wait(&go);
	return 0;
}

static uint64_t sum(const struct server *srv, size_t offset)
{
	uint64_t t = 0;

	for (unsigned i = 0; i < srv->nworkers; i++)
		t += counter_read((const struct counter *)((const char *)&srv->workers[i].st + offset));
	return t;
}
#define SUM(srv, field) (unsigned long long)sum(srv, offsetof(struct worker_stats, field))

static void print_summary(const struct server *srv)
{
	fprintf(stderr,
		"ukit-server: stopped: %llu connections (%llu refused), %llu requests; closed by "
		"peer %llu, reset %llu, timeout %llu, server %llu, shutdown %llu; %llu input pauses, "
		"%llu ENOBUFS\n",
		SUM(srv, accepted), SUM(srv, refused), SUM(srv, requests),
		SUM(srv, closed[CLOSE_PEER]), SUM(srv, closed[CLOSE_RESET]),
		SUM(srv, closed[CLOSE_TIMEOUT]), SUM(srv, closed[CLOSE_SERVER]),
		SUM(srv, closed[CLOSE_SHUTDOWN]), SUM(srv, pauses), SUM(srv, enobufs));
}

/* Waits for SIGINT/SIGTERM, then for the workers to finish (they close
 * connections within --grace); a second signal exits at once. */
static void run_until_signal(struct server *srv, const sigset_t *sigs)
{
	struct timespec poll = { 0, 0 };
	int sig;

	while (sigwait(sigs, &sig) != 0)
		;
	for (unsigned i = 0; i < srv->nworkers; i++)
		loop_wake(&srv->workers[i]);
	for (unsigned i = 0; i < srv->nworkers; i++) {
		for (;;) {
			struct timespec t;
			clock_gettime(CLOCK_REALTIME, &t);
			t.tv_nsec += 100 * 1000 * 1000;
			if (t.tv_nsec >= 1000000000) {
				t.tv_sec++;
				t.tv_nsec -= 1000000000;
			}
			if (pthread_timedjoin_np(srv->workers[i].thread, NULL, &t) == 0)
				break;
			if (sigtimedwait(sigs, NULL, &poll) > 0) {
				fprintf(stderr, "ukit-server: second signal: exiting now\n");
				exit(1);
			}
		}
	}
}

int main(int argc, char **argv)
{
	static struct server srv;
	struct args a = { .prog = "ukit-server" };
	struct layout l = { 0 };
	sigset_t sigs;
	int ret = server_config_parse(&srv.cfg, argc, argv);

	if (ret)
		return ret > 0 ? 0 : 1;
	raise_fd_limit();
	signal(SIGPIPE, SIG_IGN);
	if (plan(&srv.cfg, &l, &a))
		return 1;
	srv.limits = (struct http_limits){
		.max_url_bytes = srv.cfg.max_url_bytes,
		.max_header_bytes = srv.cfg.max_header_bytes,
		.max_headers = srv.cfg.max_headers,
		.max_body = srv.cfg.max_body,
	};
	if (open_listeners(&srv, &l, &a))
		return 1;

	/* workers inherit the mask: only this thread takes the signals */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	if (start_workers(&srv, &l, &a))
		return 1;
	if (!srv.cfg.quiet) {
		printf("ukit-server %s: listening on %s:%u with %s: %u threads", UKIT_VERSION,
		       srv.cfg.bind_addr, srv.cfg.port, loop_name, srv.cfg.threads);
		if (!loop_max_total())
			printf(", %u rings of %u slots", srv.cfg.rings, l.slots);
		printf(", max %u connections\n", srv.cfg.max_conns);
		fflush(stdout);
	}
	run_until_signal(&srv, &sigs);
	if (!srv.cfg.quiet)
		print_summary(&srv);
	return 0;
}
