/* A client ring: one thread, one io_uring, its share of the connections
 * ("seats", each one slot of the ring's registered file table) and the
 * memory they draw on. ring.c does the io_uring side, seat.c decides what
 * each connection does next. Rings share only read-only run settings. */
#ifndef UKIT_CLIENT_DRIVER_H
#define UKIT_CLIENT_DRIVER_H

#include "client/addrs.h"
#include "client/hist.h"
#include "client/options.h"
#include "client/rate.h"
#include "client/request.h"
#include "client/response.h"
#include "client/stats.h"
#include "client/wshake.h"
#include "client/wsmsg.h"
#include "loop/rbuf.h"
#include "loop/wheel.h"
#include "util/pool.h"

#include <liburing.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

/* The wheel's unit and the ring's tick: 100 ms for HTTP (idles of seconds),
 * 10 ms for WebSocket, so that pings due in the same 100 ms do not leave in
 * one burst and time each other's queueing. */
#define TICK_NS 100000000ull
#define WS_TICK_NS 10000000ull

struct cring;

/* What every ring reads and nobody writes once the run starts, but for the
 * atomics: the connection count the control API raises, and stop. */
struct client_run {
	struct client_config cfg;
	struct request_table requests;
	struct wsh_request upgrade;  /* WebSocket mode: the request around the key */
	struct wsm_pattern pattern;  /* WebSocket mode: what messages are made of */
	uint64_t ping_key;           /* ties a pong to this run's ping (wsm_ping_payload) */
	struct addr_plan addrs;
	struct sockaddr_in target;
	struct sockaddr_in *sources; /* addrs.count of them, for IORING_OP_BIND */
	uint32_t inflight_size;      /* bytes of one struct inflight or struct wsx */
	uint64_t tick_ns;            /* TICK_NS or WS_TICK_NS */
	uint32_t ping_ticks, msg_ticks, timeout_ticks;
	_Atomic uint32_t wanted;     /* connections to hold: -c, raised by the control API */
	_Atomic int stop;

	/* for the control and metrics endpoints */
	struct cring *rings;
	unsigned nrings;
	pthread_mutex_t lat_lock;    /* guards the two histograms below */
	struct hist lat_all;         /* responses or pongs since the start, merged each second */
	struct hist echo_all;        /* echoes since the start */
	_Atomic int done;            /* the summary is out: the endpoints linger */
	double start_s;
};

enum conn_state {
	CS_WAITING = 0, /* no socket: queued to connect */
	CS_BACKOFF,     /* no socket: waits before connecting again */
	CS_CONNECTING,  /* the socket → bind → connect chain is in flight */
	CS_ACTIVE,      /* requests in flight */
	CS_IDLE,        /* between requests */
	CS_CLOSING,     /* cancelling what is in flight before the slot is closed */
	CS_HANDSHAKE,   /* WebSocket: the upgrade is sent, its answer awaited */
	CS_WS,          /* WebSocket: open */
	CS_WS_CLOSING,  /* WebSocket: sending our close frame, then closing */
};

/* Whether a connection in this state keeps a receive armed. */
static inline int state_reading(unsigned state)
{
	return state == CS_ACTIVE || state == CS_IDLE || state == CS_HANDSHAKE || state == CS_WS ||
	       state == CS_WS_CLOSING;
}

/* io bits: what the kernel holds for a connection */
enum { IO_RECV = 1, IO_SEND = 2, IO_NOBUFS = 4, IO_CANCEL = 8 };

/* flags */
enum {
	CF_TIMED_OUT = 1,  /* the connect was cancelled by the timeout */
	CF_WANT_SEND = 2,  /* send the next requests once the last send completes */
	CF_OPEN = 4,       /* counted in open */
	CF_PING_OUT = 8,   /* WebSocket: a ping awaits its pong */
	CF_MSG_OUT = 16,   /* WebSocket: a message awaits its echo */
	CF_BACKOFF = 32,   /* once closed, wait before connecting again */
};

/* A WebSocket seat's times, in ticks: the next ping (or, while one is out,
 * its pong's deadline) and the same for messages. The wheel holds the
 * earlier of the two. */
struct wseat {
	uint32_t ping_at;
	uint32_t msg_at;
};

/* One seat: 12 bytes, plus its 16-byte timer wheel node (and in WebSocket
 * mode an 8-byte struct wseat). An idle connection owns nothing else (no
 * buffer, no parser, no decoder). */
struct seat {
	uint32_t gen;      /* incarnation, to drop completions for a previous one */
	uint32_t inflight; /* pool reference of the requests in flight (struct inflight), or
			      in WebSocket mode of the busy state (struct wsx); 0: none */
	uint8_t state;
	uint8_t io;
	uint8_t flags;
	uint8_t backoff;   /* consecutive failed connects */
};

/* The requests of one batch (--pipeline of them) and their response parser;
 * only connections with requests in flight hold one. */
struct inflight {
	struct resp resp;
	uint64_t sent_ns;
	struct msghdr msg;
	uint16_t nsent, ndone;
	struct iovec iov[]; /* nsent, then nsent uint16_t asked lengths */
};

static inline uint16_t *inflight_lengths(struct inflight *f, uint32_t pipeline)
{
	return (uint16_t *)(f->iov + pipeline);
}

struct cring {
	unsigned id;
	int cpu;
	struct client_run *run;

	struct io_uring ring;
	struct io_uring_buf_ring *br;
	uint32_t br_entries;
	uint32_t br_added;
	struct rbufs rbufs;
	uint32_t *nobufs;          /* slots whose receive ended for want of a buffer */
	uint32_t nnobufs;
	int nobufs_hit;
	struct __kernel_timespec tick;

	struct seat *conns;        /* by slot == direct descriptor index */
	struct wseat *wseats;      /* by slot, WebSocket mode only */
	uint32_t nslots;           /* seats reserved: this ring's share of --capacity */
	uint32_t active;           /* seats in use: [0, active), this ring's share of wanted */
	uint32_t seat_base;        /* the run-wide seat number of slot 0 */
	uint32_t *waiting;         /* stack of slots in CS_WAITING */
	uint32_t nwaiting;
	uint32_t connecting;
	uint32_t max_connecting;
	struct rate rate;
	struct wheel wheel;        /* in ticks */
	struct pool inflights;

	uint64_t start_ns, now_ns;
	uint32_t now_tick;
	uint64_t rng;              /* schedules: seeded per ring, the same every run */
	uint64_t krng;             /* WebSocket keys and masks: seeded from getrandom */
	uint32_t backoff_until;    /* tick: no connects before (after a local limit) */
	uint32_t awaited;          /* WebSocket: pings and messages awaiting their answer */
	uint32_t drain_until;      /* tick: once stopped, wait for those until then */
	int draining;              /* stopped: nothing new starts, answers are awaited */
	int stopping;

	struct ring_stats st;
	struct hist hist;          /* responses or pongs since the last hand-over */
	struct hist_box box;
	struct hist ehist;         /* echoes since the last hand-over */
	struct hist_box ebox;
	_Atomic uint64_t first_ns; /* when it issued its first connect (0: not yet) */
	_Atomic uint64_t full_ns;  /* when its first share of -c was all open (0: not yet) */

	pthread_t thread;
	int init_status;
	char init_msg[256];
};

/* ring.c */
int ring_init(struct cring *r);
void ring_run(struct cring *r);
void ring_fini(struct cring *r);
void ring_connect(struct cring *r, uint32_t slot);
void ring_recv(struct cring *r, uint32_t slot);
void ring_send(struct cring *r, uint32_t slot, struct msghdr *msg);
void ring_cancel_connect(struct cring *r, uint32_t slot);
void ring_cancel_all(struct cring *r, uint32_t slot);
void ring_close_slot(struct cring *r, uint32_t slot);
void ring_rbuf_put(struct cring *r, uint32_t id);

/* seat.c: what happens to connections */
int seats_init(struct cring *r);
void seats_fini(struct cring *r);
void seat_start_connects(struct cring *r);
void seat_connected(struct cring *r, uint32_t slot, int res);
void seat_sent(struct cring *r, uint32_t slot, int res);
void seat_data(struct cring *r, uint32_t slot, char *data, uint32_t len);
void seat_eof(struct cring *r, uint32_t slot);
void seat_error(struct cring *r, uint32_t slot, int err);
void seat_io_done(struct cring *r, uint32_t slot);
void seat_tick(struct cring *r);
void seat_stop_all(struct cring *r);
/* for wseat.c */
void seat_close(struct cring *r, uint32_t slot, enum close_reason why);
void seat_fail(struct cring *r, uint32_t slot, enum client_error kind);
void seat_deadline_at(struct cring *r, uint32_t slot, uint32_t tick);
uint32_t seat_uniform(struct cring *r, uint32_t lo, uint32_t hi);

/* This ring's share of n connections (rings take n / nrings, the first
 * n % nrings one more). */
static inline uint32_t ring_share(uint32_t n, unsigned nrings, unsigned id)
{
	return n / nrings + (id < n % nrings);
}

/* A connection opened: the first time the ring holds its whole share of -c,
 * note when, for the summary's time to open them all. */
static inline void ring_note_full(struct cring *r)
{
	if (!atomic_load_explicit(&r->full_ns, memory_order_relaxed) &&
	    stat_get(&r->st.open) >= r->active)
		atomic_store_explicit(&r->full_ns, r->now_ns, memory_order_relaxed);
}

/* wseat.c: the WebSocket life of a seat */
void wseat_open(struct cring *r, uint32_t slot);
void wseat_data(struct cring *r, uint32_t slot, char *data, uint32_t len);
void wseat_eof(struct cring *r, uint32_t slot);
void wseat_sent(struct cring *r, uint32_t slot, int res);
void wseat_deadline(struct cring *r, uint32_t slot);
void wseat_closing(struct cring *r, uint32_t slot, int stopping);
void wseat_release(struct cring *r, uint32_t slot);
uint32_t wseat_object_size(const struct client_config *cfg);

#endif
