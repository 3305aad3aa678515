/* ukit-client: plans rings and source addresses, starts one pinned thread
 * per ring, prints a line a second, stops at --duration or on SIGINT and
 * prints the summary. */
#include "client/control.h"
#include "client/driver.h"
#include "client/limits.h"
#include "client/report.h"
#include "util/args.h"

#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define CONNECTING_PER_RING 256

static struct client_run run;
static struct cring *rings;
static unsigned nrings;
static sem_t started;

static void *ring_main(void *arg)
{
	struct cring *r = arg;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(r->cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set); /* best effort */
	r->init_status = ring_init(r);
	sem_post(&started);
	if (r->init_status < 0)
		return NULL;
	ring_run(r);
	ring_fini(r); /* in the thread that owns the ring (registered ring fd) */
	return NULL;
}

static uint32_t raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return 1024;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	/* the kernel refuses a ring file table larger than RLIMIT_NOFILE */
	return rl.rlim_cur > (1u << 20) ? 1u << 20 : (uint32_t)rl.rlim_cur;
}

static void port_range(uint32_t *lo, uint32_t *hi)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");

	*lo = 32768;
	*hi = 60999;
	if (f) {
		if (fscanf(f, "%u %u", lo, hi) != 2) {
			*lo = 32768;
			*hi = 60999;
		}
		fclose(f);
	}
}

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long pages = 0, rss = 0;

	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

static unsigned online_cpus(int *cpus)
{
	cpu_set_t set;
	unsigned n = 0;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		for (int i = 0; i < CPU_SETSIZE; i++)
			if (CPU_ISSET(i, &set))
				cpus[n++] = i;
	if (!n)
		cpus[n++] = 0;
	return n;
}

static uint32_t ticks_of_ms(uint32_t ms)
{
	uint32_t t = (uint32_t)(((uint64_t)ms * 1000000 + run.tick_ns / 2) / run.tick_ns);

	return t ? t : 1;
}

/* 64 random bits, for what must not be predictable (WebSocket keys and masks). */
static uint64_t random64(void)
{
	uint64_t v = 0;

	if (getrandom(&v, sizeof(v), 0) != sizeof(v)) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts); /* no entropy source: better than nothing */
		v = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid() << 32;
	}
	return v | 1; /* xorshift must not start at 0 */
}

/* What the run sends: request bytes (HTTP), or the upgrade request and the
 * message pattern (WebSocket). */
static int plan_payloads(const struct args *a)
{
	struct client_config *cfg = &run.cfg;

	run.tick_ns = cfg->mode == MODE_WS ? WS_TICK_NS : TICK_NS;
	if (cfg->mode == MODE_WS) {
		if (wsh_request_build(&run.upgrade, cfg->target.path, cfg->target.host))
			return args_error(a, "out of memory");
		wsm_pattern_init(&run.pattern, cfg->text);
		run.ping_key = random64();
		run.ping_ticks = ticks_of_ms(cfg->ping_ms);
		run.msg_ticks = ticks_of_ms(cfg->msg_every_ms);
		run.inflight_size = wseat_object_size(cfg);
	} else {
		if (request_table_build(&run.requests, cfg->target.path, cfg->target.host,
					cfg->length_lo, cfg->length_hi, cfg->connection_close))
			return args_error(a, "out of memory");
		run.inflight_size = (uint32_t)(sizeof(struct inflight) +
					       cfg->pipeline * (sizeof(struct iovec) + sizeof(uint16_t)));
	}
	run.timeout_ticks = ticks_of_ms(cfg->timeout * 1000);
	return 0;
}

/* Sources, rings and the shared request bytes. Everything is planned for
 * --capacity connections; -c of them start. */
static int plan(const struct args *a)
{
	struct client_config *cfg = &run.cfg;
	struct addr_need need = { .target = cfg->target.ip, .conns = cfg->capacity,
				  .per_source = cfg->per_source, .source_lo = cfg->source_lo,
				  .source_hi = cfg->source_hi };
	static int cpus[CPU_SETSIZE];
	unsigned ncpus = online_cpus(cpus);
	uint32_t slots = raise_fd_limit(), base = 0;
	uint64_t seed = random64();
	char err[512];

	port_range(&need.port_lo, &need.port_hi);
	if (addrs_plan(&run.addrs, &need, err, sizeof(err)))
		return args_error(a, "%s", err);
	if (!cfg->threads)
		cfg->threads = ncpus;
	if (cfg->ring_slots && cfg->ring_slots < slots)
		slots = cfg->ring_slots;
	nrings = cfg->rings;
	if (!nrings) {
		nrings = (cfg->capacity + slots - 1) / slots;
		if (nrings < cfg->threads)
			nrings = cfg->threads;
		nrings = (nrings + cfg->threads - 1) / cfg->threads * cfg->threads;
	} else if ((uint64_t)nrings * slots < cfg->capacity) {
		return args_error(a, "--rings %u hold at most %llu connections here (%u each), below %s %u",
				  nrings, (unsigned long long)nrings * slots, slots,
				  cfg->capacity > cfg->conns ? "--capacity" : "-c", cfg->capacity);
	}
	if (nrings > cfg->capacity)
		nrings = cfg->capacity;
	cfg->rings = nrings;
	run.nrings = nrings;
	atomic_store(&run.wanted, cfg->conns);

	run.target.sin_family = AF_INET;
	run.target.sin_port = htons(cfg->target.port);
	run.target.sin_addr.s_addr = htonl(cfg->target.ip);
	if (run.addrs.count) {
		run.sources = calloc(run.addrs.count, sizeof(*run.sources));
		if (!run.sources)
			return args_error(a, "out of memory");
		for (uint32_t i = 0; i < run.addrs.count; i++) {
			run.sources[i].sin_family = AF_INET;
			run.sources[i].sin_addr.s_addr = htonl(run.addrs.first + i);
		}
	}
	if (plan_payloads(a))
		return -1;

	rings = calloc(nrings, sizeof(*rings));
	if (!rings)
		return args_error(a, "out of memory");
	run.rings = rings;
	for (unsigned i = 0; i < nrings; i++) {
		struct cring *r = &rings[i];
		uint32_t share = ring_share(cfg->capacity, nrings, i);
		uint32_t connecting = cfg->max_connecting ? cfg->max_connecting / nrings
							  : CONNECTING_PER_RING;

		r->id = i;
		r->run = &run;
		r->cpu = cpus[(i % cfg->threads) % ncpus];
		r->nslots = share;
		r->seat_base = base;
		r->max_connecting = connecting ? connecting : 1;
		r->ring.ring_fd = -1;
		r->krng = seed ^ (0x9e3779b97f4a7c15ull * (i + 1));
		if (!r->krng)
			r->krng = 1;
		hist_box_init(&r->box);
		hist_box_init(&r->ebox);
		base += share;
	}
	if (cfg->rate > 0)
		cfg->rate /= nrings; /* each ring ramps its share */
	return 0;
}

static int start_rings(const struct args *a)
{
	if (sem_init(&started, 0, 0))
		return args_error(a, "cannot create a semaphore: %s", strerror(errno));
	for (unsigned i = 0; i < nrings; i++)
		if (pthread_create(&rings[i].thread, NULL, ring_main, &rings[i]))
			return args_error(a, "cannot start thread %u: %s", i, strerror(errno));
	for (unsigned i = 0; i < nrings; i++)
		sem_wait(&started);
	for (unsigned i = 0; i < nrings; i++)
		if (rings[i].init_status < 0)
			return args_error(a, "ring %u: %s", i, rings[i].init_msg);
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sums the counters and moves the rings' latency samples into this
 * second's histograms and the run's (which the metrics endpoint reads). */
static void collect(struct totals *t, struct hist *second, struct hist *echo_second)
{
	memset(t, 0, sizeof(*t));
	pthread_mutex_lock(&run.lat_lock);
	for (unsigned i = 0; i < nrings; i++) {
		totals_add(t, &rings[i].st);
		hist_box_take(&rings[i].box, second, &run.lat_all);
		hist_box_take(&rings[i].ebox, echo_second, &run.echo_all);
	}
	pthread_mutex_unlock(&run.lat_lock);
}

/* Waits until at most `until` (monotonic seconds); returns 1 on a signal. */
static int wait_signal(const sigset_t *sigs, double until)
{
	double left = until - now_s();
	struct timespec ts;

	if (left <= 0)
		return 0;
	ts.tv_sec = (time_t)left;
	ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
	for (;;) {
		int sig = sigtimedwait(sigs, NULL, &ts);
		if (sig > 0)
			return 1;
		if (errno == EAGAIN)
			return 0;
		left = until - now_s(); /* EINTR: wait the rest */
		if (left <= 0)
			return 0;
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
	}
}

/* Seconds from the first connect of any ring until every ring first held
 * its share of -c, or -1. */
static double time_to_full(void)
{
	uint64_t first = UINT64_MAX, last = 0;

	if (!run.cfg.conns)
		return -1;
	for (unsigned i = 0; i < nrings; i++) {
		uint64_t ns = atomic_load_explicit(&rings[i].full_ns, memory_order_relaxed);
		if (!ns && ring_share(run.cfg.conns, nrings, i))
			return -1;
		if (ns > last)
			last = ns;
		ns = atomic_load_explicit(&rings[i].first_ns, memory_order_relaxed);
		if (ns && ns < first)
			first = ns;
	}
	return (double)(last - first) / 1e9;
}

static void stop_rings(const sigset_t *sigs)
{
	struct timespec poll = { 0, 0 };

	atomic_store(&run.stop, 1);
	for (unsigned i = 0; i < nrings; i++) {
		for (;;) {
			struct timespec t;
			clock_gettime(CLOCK_REALTIME, &t);
			t.tv_nsec += 100 * 1000 * 1000;
			if (t.tv_nsec >= 1000000000) {
				t.tv_sec++;
				t.tv_nsec -= 1000000000;
			}
			if (pthread_timedjoin_np(rings[i].thread, NULL, &t) == 0)
				break;
			if (sigtimedwait(sigs, NULL, &poll) > 0) {
				fprintf(stderr, "ukit-client: second signal: exiting now\n");
				exit(1);
			}
		}
	}
}

int main(int argc, char **argv)
{
	struct args a = { .prog = "ukit-client" };
	struct client_config *cfg = &run.cfg;
	static struct hist lat_second, echo_second, lat_held;
	struct totals prev, cur;
	struct summary sum = { 0 };
	FILE *progress = stdout, *csv = NULL;
	double start, last;
	sigset_t sigs;
	char err[512];
	int ret = client_config_parse(cfg, argc, argv);

	if (ret)
		return ret > 0 ? 0 : 2;
	signal(SIGPIPE, SIG_IGN);
	pthread_mutex_init(&run.lat_lock, NULL);
	hist_reset(&run.lat_all);
	hist_reset(&run.echo_all);
	if (plan(&a))
		return 2;
	if (cfg->csv_path) {
		csv = fopen(cfg->csv_path, "w");
		if (!csv) {
			args_error(&a, "--out %s: %s", cfg->csv_path, strerror(errno));
			return 2;
		}
		report_csv_header(csv);
	}
	if (cfg->json)
		progress = stderr;
	sum.rss_start_kb = rss_kb();

	/* rings inherit the mask: only this thread takes the signals */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	if ((cfg->control_port || cfg->metrics_port) && control_start(&run, err, sizeof(err))) {
		args_error(&a, "%s", err);
		return 2;
	}
	if (start_rings(&a)) {
		atomic_store(&run.stop, 1); /* the rings that did start stop by themselves */
		return 1;
	}

	memset(&prev, 0, sizeof(prev));
	hist_reset(&lat_held);
	start = last = run.start_s = now_s();
	for (unsigned t = 1; t <= cfg->duration; t++) {
		struct second s = { .t = t, .lat = &lat_second, .echo = &echo_second,
				    .ws = cfg->mode == MODE_WS,
				    .sources = run.addrs.count ? run.addrs.count : 1 };
		int sig = wait_signal(&sigs, start + t);
		double now = now_s();

		hist_reset(&lat_second);
		hist_reset(&echo_second);
		collect(&cur, &lat_second, &echo_second);
		s.wanted = atomic_load(&run.wanted);
		/* all were open when this second began: its latency is the held load's */
		if (prev.open == s.wanted && s.wanted && !prev.connecting)
			hist_merge(&lat_held, &lat_second);
		s.elapsed = now - last;
		s.now = cur;
		s.prev = prev;
		if (cur.open > sum.peak_open)
			sum.peak_open = cur.open;
		if (s.elapsed > 0 && (double)(cur.connects - prev.connects) / s.elapsed > sum.peak_connect_rate)
			sum.peak_connect_rate = (double)(cur.connects - prev.connects) / s.elapsed;
		long rss = rss_kb();
		if (rss > sum.rss_peak_kb)
			sum.rss_peak_kb = rss;
		if (!cfg->quiet)
			report_progress(progress, &s);
		if (csv)
			report_csv_row(csv, &s);
		prev = cur;
		last = now;
		if (sig) {
			sum.interrupted = 1;
			break;
		}
	}
	stop_rings(&sigs);
	collect(&cur, NULL, NULL);
	sum.url = cfg->url;
	sum.mode = cfg->mode == MODE_WS ? "websocket" : cfg->closed_loop ? "throughput" : "scenario";
	sum.ws = cfg->mode == MODE_WS;
	sum.capacity = cfg->capacity;
	sum.wanted = atomic_load(&run.wanted);
	sum.echo = &run.echo_all;
	sum.msg_size = cfg->msg_size;
	sum.seconds = now_s() - start;
	sum.conns = cfg->conns;
	sum.threads = cfg->threads;
	sum.rings = nrings;
	sum.sources = run.addrs.count ? run.addrs.count : 1;
	sum.t = cur;
	sum.lat = &run.lat_all;
	sum.held = &lat_held;
	sum.full_s = time_to_full();
	sum.state_bytes = (unsigned)(sizeof(struct seat) + sizeof(struct wheel_node) + sizeof(uint32_t) +
				     (sum.ws ? sizeof(struct wseat) : 0));
	sum.limits = limits_seen();
	if (cfg->json)
		report_summary_json(stdout, &sum);
	else
		report_summary_text(stdout, &sum);
	if (csv)
		fclose(csv);
	fflush(stdout);
	atomic_store(&run.done, 1);
	if (cfg->linger && (cfg->control_port || cfg->metrics_port) && !sum.interrupted)
		wait_signal(&sigs, now_s() + cfg->linger); /* a last scrape sees the final counts */
	control_stop();
	request_table_free(&run.requests);
	wsh_request_free(&run.upgrade);
	free(run.sources);
	free(rings);
	return 0;
}
