/* The io_uring loop: multishot accept into a sparse registered file table,
 * multishot receive from a provided-buffer ring, sendmsg on fixed files, one
 * multishot timeout ticking the timer wheel. No readiness syscalls: the only
 * system call in the steady state is io_uring_enter. */
#include "loop/loop.h"

#include "loop/uring_compat.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>

const char loop_name[] = "io_uring";

#define SQ_ENTRIES 1024
#define CQ_ENTRIES 8192
#define BUF_GROUP 0
#define MAX_FIXED_FILES (1u << 20) /* IORING_MAX_FIXED_FILES */
#define LISTEN_BACKLOG 4096        /* bounds an accept burst: see loop_slot_reserve */

/* user_data: what completed (kind), for which connection (slot) and which
 * incarnation of it (gen), so a late completion for a reused slot is dropped. */
enum ud_kind { UD_ACCEPT = 1, UD_RECV, UD_SEND, UD_CANCEL, UD_CLOSE, UD_SHUTDOWN, UD_TICK, UD_WAKE,
	       UD_KICK, UD_MSG, UD_ACCEPT_CANCEL };

static inline uint64_t ud_make(enum ud_kind kind, uint32_t gen, uint32_t slot)
{
	return (uint64_t)kind << 56 | (uint64_t)(gen & 0xffffff) << 32 | slot;
}
static inline enum ud_kind ud_kind(uint64_t ud) { return (enum ud_kind)(ud >> 56); }
static inline uint32_t ud_gen(uint64_t ud) { return (uint32_t)(ud >> 32) & 0xffffff; }
static inline uint32_t ud_slot(uint64_t ud) { return (uint32_t)ud; }

/* conn.io bits: what this loop has in flight for a connection */
enum {
	IO_RECV = 1 << 0,        /* a multishot receive is armed */
	IO_RECV_CANCEL = 1 << 1, /* ... and being cancelled (pause) */
	IO_SEND = 1 << 2,
	IO_NOBUFS = 1 << 3,      /* waiting for receive buffers to come back */
	IO_CANCEL_ALL = 1 << 4,  /* closing: everything in flight cancelled */
	IO_SHUTDOWN = 1 << 5,    /* a shutdown is in flight */
	IO_INFLIGHT = IO_RECV | IO_SEND | IO_SHUTDOWN,
};

struct uring_loop {
	struct io_uring ring;
	struct io_uring_buf_ring *br;
	uint32_t br_entries;
	uint32_t br_added;       /* buffers given back since the ring tail last moved */
	int listen_fd;
	uint32_t reserve;        /* slots kept free for accepts already under way */
	int accepting;           /* the multishot accept is armed */
	int accept_cancelling;
	int accept_full;         /* stopped: the table is nearly full */
	int accept_stopped;      /* stopped for good: shutting down */
	uint32_t accept_retry_at; /* after an accept error: when to try again */
	uint32_t *nobufs;        /* slots whose receive ended for want of a buffer */
	uint32_t nnobufs;
	int nobufs_hit;          /* a receive found the buffer ring empty in this batch */
	struct __kernel_timespec tick;
};

static struct uring_loop *loop_of(struct worker *w)
{
	return w->loop;
}

uint32_t loop_max_slots(void)
{
	struct rlimit rl;

	/* the kernel refuses a file table larger than RLIMIT_NOFILE */
	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur > MAX_FIXED_FILES)
		return MAX_FIXED_FILES;
	return (uint32_t)rl.rlim_cur;
}

uint32_t loop_max_total(void)
{
	return 0; /* each ring's file table is its own: more rings, more connections */
}

/* A multishot accept takes the whole accept queue in one go, past any
 * watermark, and the kernel closes a connection it accepted into a full
 * table. So each ring keeps the listener's backlog free, and a quarter more
 * for connections arriving while a burst is taken (the kernel accepts an
 * order of magnitude faster than they arrive). A deep backlog matters: it
 * absorbs the moments the accepting thread waits for a CPU, which would
 * otherwise drop SYNs for a 1 s retransmit (a 300k ramp took 16.8 s with
 * 1,024, 9.3 s with 4,096). The backlog is at most a quarter of the slots. */
int loop_listen_backlog(uint32_t slots)
{
	uint32_t b = slots / 4 < LISTEN_BACKLOG ? slots / 4 : LISTEN_BACKLOG;
	return b < 1 ? 1 : (int)b;
}

uint32_t loop_slot_reserve(uint32_t slots)
{
	uint32_t b = (uint32_t)loop_listen_backlog(slots);
	return b + (b + 3) / 4;
}

static struct io_uring_sqe *sqe_get(struct uring_loop *L)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&L->ring);

	while (!sqe) { /* the SQ is full: hand it to the kernel and go on */
		int ret = io_uring_submit(&L->ring);
		if (ret < 0 && ret != -EAGAIN && ret != -EBUSY && ret != -EINTR) {
			fprintf(stderr, "ukit-server: io_uring_submit: %s\n", strerror(-ret));
			abort();
		}
		sqe = io_uring_get_sqe(&L->ring);
	}
	return sqe;
}

/* --- receive buffers -------------------------------------------------------- */

void loop_rbuf_put(struct worker *w, uint32_t id)
{
	struct uring_loop *L = loop_of(w);

	io_uring_buf_ring_add(L->br, rbuf_data(&w->rbufs, id), RBUF_SIZE, (unsigned short)id,
			      io_uring_buf_ring_mask(L->br_entries), (int)L->br_added++);
}

static int buffers_grow(struct worker *w)
{
	int first = rbufs_grow(&w->rbufs);

	if (first < 0)
		return 0;
	for (uint32_t id = (uint32_t)first; id < w->rbufs.count; id++)
		loop_rbuf_put(w, id);
	gauge_set(&w->st.rbufs, w->rbufs.count);
	return 1;
}

static int buffers_init(struct worker *w)
{
	struct uring_loop *L = loop_of(w);
	struct io_uring_buf_reg reg = { 0 };
	size_t bytes;
	int ret;

	L->br_entries = 1;
	while (L->br_entries < w->rbufs.max)
		L->br_entries <<= 1;
	/* liburing 2.3 has no io_uring_setup_buf_ring: map and register it here */
	bytes = L->br_entries * sizeof(struct io_uring_buf);
	L->br = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (L->br == MAP_FAILED) {
		L->br = NULL;
		return -ENOMEM;
	}
	reg.ring_addr = (unsigned long)L->br;
	reg.ring_entries = L->br_entries;
	reg.bgid = BUF_GROUP;
	ret = io_uring_register_buf_ring(&L->ring, &reg, 0);
	if (ret)
		return ret;
	io_uring_buf_ring_init(L->br);
	buffers_grow(w);
	io_uring_buf_ring_advance(L->br, (int)L->br_added);
	L->br_added = 0;
	return 0;
}

/* --- accepting -------------------------------------------------------------- */

/* The rings of a core share its listener and each keeps a multishot accept
 * on it while it has room; the kernel wakes one waiting accept per new
 * connection. Rings hand over as they fill. */

static int accept_wanted(const struct worker *w)
{
	const struct uring_loop *L = w->loop;

	return !L->accept_full && !L->accept_stopped && w->now >= L->accept_retry_at;
}

static void accept_cancel(struct worker *w)
{
	struct uring_loop *L = loop_of(w);
	struct io_uring_sqe *sqe = sqe_get(L);

	io_uring_prep_cancel64(sqe, ud_make(UD_ACCEPT, 0, 0), 0);
	sqe->user_data = ud_make(UD_ACCEPT_CANCEL, 0, 0);
	L->accept_cancelling = 1;
}

/* Arms or cancels the accept to match accept_wanted(). A cancel can miss an
 * accept that is running at that moment: its next completion tries again. */
static void accept_sync(struct worker *w)
{
	struct uring_loop *L = loop_of(w);
	struct io_uring_sqe *sqe;

	if (accept_wanted(w) && !L->accepting) {
		sqe = sqe_get(L);
		io_uring_prep_multishot_accept_direct(sqe, L->listen_fd, NULL, NULL, 0);
		sqe->user_data = ud_make(UD_ACCEPT, 0, 0);
		L->accepting = 1;
	} else if (!accept_wanted(w) && L->accepting && !L->accept_cancelling) {
		accept_cancel(w);
	}
}

void loop_accept_stop(struct worker *w)
{
	loop_of(w)->accept_stopped = 1;
	accept_sync(w);
}

/* Our accept has ended for good: tell the next ring of this core that has
 * room to accept now. Connections already queued on the listener wake no
 * one by themselves (a wake-up may even have gone to our dying accept),
 * and once the queue is full new ones are dropped before they could: the
 * 600k ramp stalled at 46k until rings handed over like this. hops bounds
 * the search when the rings it reaches are full too. */
static void accept_kick(struct worker *w, unsigned hops)
{
	const struct server *srv = w->srv;
	unsigned threads = srv->cfg.threads, per_core = srv->nworkers / threads;

	for (unsigned k = 1; k < per_core && hops < per_core; k++) {
		const struct worker *next = &srv->workers[(w->id + k * threads) % srv->nworkers];
		const struct uring_loop *NL = next->loop;
		struct io_uring_sqe *sqe;

		if (counter_read(&next->st.open) + NL->reserve >= next->nslots)
			continue;
		sqe = sqe_get(loop_of(w));
		io_uring_prep_msg_ring(sqe, NL->ring.ring_fd, hops + 1, ud_make(UD_KICK, 0, 0), 0);
		sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
		sqe->user_data = ud_make(UD_MSG, 0, 0);
		return;
	}
}

/* Told to accept: queued connections may never wake our armed accept, so
 * re-issue it (a new accept takes what is queued at once). */
static void on_kick(struct worker *w, unsigned hops)
{
	struct uring_loop *L = loop_of(w);

	if (!accept_wanted(w))
		accept_kick(w, hops); /* full or backing off: pass it on */
	else if (L->accepting && !L->accept_cancelling)
		accept_cancel(w); /* its last completion re-arms */
	else
		accept_sync(w);
}

/* Accept only while the table has room for a burst; resume below half the reserve. */
static void accept_watermark(struct worker *w)
{
	struct uring_loop *L = loop_of(w);

	if (!L->accept_full && w->nopen + L->reserve >= w->nslots) {
		L->accept_full = 1;
		count(&w->st.accept_pauses, 1);
	} else if (L->accept_full && w->nopen + 2 * L->reserve < w->nslots) {
		L->accept_full = 0;
	}
}

static void recv_arm(struct worker *w, struct conn *c);

static void on_accept(struct worker *w, struct io_uring_cqe *cqe)
{
	struct uring_loop *L = loop_of(w);
	int ended = !(cqe->flags & IORING_CQE_F_MORE);

	if (ended)
		L->accepting = 0;
	if (cqe->res >= 0 && (uint32_t)cqe->res < w->nslots) {
		struct conn *c = &w->conns[cqe->res];
		c->gen++;
		c->io = 0;
		conn_open(w, c);
		if (conn_wants_input(c))
			recv_arm(w, c);
	} else if (cqe->res != -ECANCELED) {
		/* -ENFILE (table full: the kernel already dropped that connection),
		 * -ENOMEM, ...: back off for a tick instead of spinning */
		count(&w->st.accept_pauses, 1);
		L->accept_retry_at = w->now + 1;
	}
	accept_watermark(w);
	accept_sync(w);
	if (ended && !L->accepting && !L->accept_stopped)
		accept_kick(w, 0);
}

static void on_accept_cancel(struct worker *w)
{
	loop_of(w)->accept_cancelling = 0;
	accept_sync(w); /* a cancel that missed is sent again */
}

/* --- receiving and sending ---------------------------------------------------- */

static void recv_arm(struct worker *w, struct conn *c)
{
	struct io_uring_sqe *sqe = sqe_get(loop_of(w));
	uint32_t slot = conn_slot(w, c);

	io_uring_prep_recv_multishot(sqe, (int)slot, NULL, 0, 0);
	sqe->flags |= IOSQE_FIXED_FILE | IOSQE_BUFFER_SELECT;
	sqe->buf_group = BUF_GROUP;
	sqe->user_data = ud_make(UD_RECV, c->gen, slot);
	c->io |= IO_RECV;
}

void loop_recv_start(struct worker *w, struct conn *c)
{
	if (!(c->io & (IO_RECV | IO_NOBUFS)))
		recv_arm(w, c);
	/* else: a cancelled receive is still on its way back; its last
	 * completion re-arms, since the connection wants input again */
}

static void cancel_op(struct worker *w, struct conn *c, enum ud_kind kind)
{
	struct io_uring_sqe *sqe = sqe_get(loop_of(w));

	io_uring_prep_cancel64(sqe, ud_make(kind, c->gen, conn_slot(w, c)), 0);
	sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
	sqe->user_data = ud_make(UD_CANCEL, c->gen, conn_slot(w, c));
}

void loop_recv_stop(struct worker *w, struct conn *c)
{
	if (!(c->io & IO_RECV) || (c->io & IO_RECV_CANCEL))
		return;
	cancel_op(w, c, UD_RECV);
	c->io |= IO_RECV_CANCEL;
}

void loop_send(struct worker *w, struct conn *c, struct out *o)
{
	struct io_uring_sqe *sqe = sqe_get(loop_of(w));
	uint32_t slot = conn_slot(w, c);

	/* MSG_WAITALL: the kernel retries a short send itself */
	io_uring_prep_sendmsg(sqe, (int)slot, out_msg(o), MSG_NOSIGNAL | MSG_WAITALL);
	sqe->flags |= IOSQE_FIXED_FILE;
	sqe->user_data = ud_make(UD_SEND, c->gen, slot);
	c->io |= IO_SEND;
}

void loop_shutdown_write(struct worker *w, struct conn *c)
{
	struct io_uring_sqe *sqe = sqe_get(loop_of(w));
	uint32_t slot = conn_slot(w, c);

	/* IORING_OP_SHUTDOWN always runs in an io-wq worker, which looks the
	 * fixed slot up only then: the slot must stay ours until it is done,
	 * or the shutdown would hit the next connection given the slot */
	io_uring_prep_shutdown(sqe, (int)slot, SHUT_WR);
	sqe->flags |= IOSQE_FIXED_FILE;
	sqe->user_data = ud_make(UD_SHUTDOWN, c->gen, slot);
	c->io |= IO_SHUTDOWN;
}

static void nobufs_add(struct worker *w, struct conn *c)
{
	struct uring_loop *L = loop_of(w);

	count(&w->st.enobufs, 1);
	L->nobufs_hit = 1;
	if (c->io & IO_NOBUFS)
		return;
	c->io |= IO_NOBUFS;
	L->nobufs[L->nnobufs++] = conn_slot(w, c);
}

static void nobufs_remove(struct worker *w, struct conn *c)
{
	struct uring_loop *L = loop_of(w);
	uint32_t slot = conn_slot(w, c);

	for (uint32_t i = 0; i < L->nnobufs; i++)
		if (L->nobufs[i] == slot) { /* keep the order: first come, first re-armed */
			memmove(&L->nobufs[i], &L->nobufs[i + 1],
				(L->nnobufs - i - 1) * sizeof(L->nobufs[0]));
			L->nnobufs--;
			break;
		}
	c->io &= (uint16_t)~IO_NOBUFS;
}

/* Re-arm receives that ran out of buffers, once buffers are back: never
 * straight away, which would only spin on -ENOBUFS, and no more than there
 * are buffers for (each takes at least one), oldest first: re-arming
 * thousands for a few returned buffers would hand most of them another
 * -ENOBUFS, a storm that grows with the queue. */
static void nobufs_retry(struct worker *w, uint32_t budget)
{
	struct uring_loop *L = loop_of(w);
	uint32_t n = budget < L->nnobufs ? budget : L->nnobufs;

	for (uint32_t i = 0; i < n; i++) {
		struct conn *c = &w->conns[L->nobufs[i]];
		c->io &= (uint16_t)~IO_NOBUFS;
		if (conn_wants_input(c) && !(c->io & IO_RECV))
			recv_arm(w, c);
	}
	L->nnobufs -= n;
	memmove(L->nobufs, L->nobufs + n, L->nnobufs * sizeof(L->nobufs[0]));
}

/* --- closing ------------------------------------------------------------------ */

static void close_finish(struct worker *w, struct conn *c)
{
	struct io_uring_sqe *sqe = sqe_get(loop_of(w));
	uint32_t slot = conn_slot(w, c);

	/* nothing is in flight on the slot any more, so the kernel cannot
	 * hand it to a new connection before we are done with it */
	io_uring_prep_close_direct(sqe, slot);
	sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
	sqe->user_data = ud_make(UD_CLOSE, c->gen, slot);
	c->io = 0;
	conn_closed(w, c);
	accept_watermark(w);
}

void loop_close(struct worker *w, struct conn *c)
{
	if (c->io & IO_NOBUFS)
		nobufs_remove(w, c);
	if (!(c->io & IO_INFLIGHT)) {
		close_finish(w, c);
		return;
	}
	if (c->io & IO_CANCEL_ALL)
		return; /* cancelling already */
	/* Closing a direct descriptor does not cancel what is pending on it.
	 * Cancel each operation by its user_data, a hash lookup: cancelling by
	 * file would walk every armed receive of the ring, and a mass close
	 * (thousands of idle timeouts at once) would take quadratic time. */
	if ((c->io & IO_RECV) && !(c->io & IO_RECV_CANCEL))
		cancel_op(w, c, UD_RECV);
	if (c->io & IO_SEND)
		cancel_op(w, c, UD_SEND);
	c->io |= IO_CANCEL_ALL; /* a shutdown cannot be cancelled: it is waited for */
}

/* After a completion for a closing connection: finish once nothing is in flight. */
static void close_progress(struct worker *w, struct conn *c)
{
	if (c->state == CONN_CLOSING && !(c->io & IO_INFLIGHT))
		close_finish(w, c);
}

/* --- completions -------------------------------------------------------------- */

static void on_recv(struct worker *w, struct conn *c, struct io_uring_cqe *cqe)
{
	int res = cqe->res;

	if (!(cqe->flags & IORING_CQE_F_MORE))
		c->io &= (uint16_t)~(IO_RECV | IO_RECV_CANCEL);
	if (res > 0) {
		uint32_t id = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
		if (c->state == CONN_CLOSING)
			loop_rbuf_put(w, id);
		else
			conn_recv(w, c, id, (uint32_t)res);
	} else if (res == -ENOBUFS) {
		if (c->state != CONN_CLOSING)
			nobufs_add(w, c); /* the data waits in the socket, nothing is lost */
	} else if (c->state != CONN_CLOSING && res != -ECANCELED) {
		if (res == 0)
			conn_eof(w, c);
		else
			conn_error(w, c, -res);
	}
	if (c->state == CONN_CLOSING)
		close_progress(w, c);
	else if (c->state != CONN_FREE && !(c->io & (IO_RECV | IO_NOBUFS)) && conn_wants_input(c))
		recv_arm(w, c); /* a multishot receive ended: re-arm, whatever the reason */
}

static void on_send(struct worker *w, struct conn *c, struct io_uring_cqe *cqe)
{
	c->io &= (uint16_t)~IO_SEND;
	if (c->state == CONN_CLOSING)
		close_progress(w, c);
	else
		conn_sent(w, c, cqe->res);
}

static void tick_arm(struct worker *w)
{
	struct uring_loop *L = loop_of(w);
	struct io_uring_sqe *sqe = sqe_get(L);

	L->tick.tv_sec = 1;
	L->tick.tv_nsec = 0;
	io_uring_prep_timeout(sqe, &L->tick, 0, IORING_TIMEOUT_MULTISHOT);
	sqe->user_data = ud_make(UD_TICK, 0, 0);
}

static void on_completion(struct worker *w, struct io_uring_cqe *cqe)
{
	uint64_t ud = cqe->user_data;
	struct conn *c;

	switch (ud_kind(ud)) {
	case UD_ACCEPT:
		on_accept(w, cqe);
		return;
	case UD_TICK:
		if (!(cqe->flags & IORING_CQE_F_MORE))
			tick_arm(w);
		worker_tick(w);
		accept_sync(w); /* after a back-off */
		if (loop_of(w)->nnobufs) /* buffers held by paused readers came back */
			nobufs_retry(w, w->rbufs.count);
		return;
	case UD_WAKE:
		worker_stop(w);
		return;
	case UD_KICK:
		on_kick(w, (unsigned)cqe->res);
		return;
	case UD_ACCEPT_CANCEL:
		on_accept_cancel(w);
		return;
	case UD_MSG:
		return; /* a kick that failed: the target ring is gone (shutting down) */
	case UD_CANCEL:
	case UD_CLOSE:
		return; /* failures here only mean the target was already gone */
	case UD_RECV:
	case UD_SEND:
	case UD_SHUTDOWN:
		break;
	}
	c = &w->conns[ud_slot(ud)];
	if (ud_gen(ud) != (c->gen & 0xffffff) || c->state == CONN_FREE) {
		/* cannot happen: slots are closed only when nothing is in flight */
		if (cqe->flags & IORING_CQE_F_BUFFER)
			loop_rbuf_put(w, cqe->flags >> IORING_CQE_BUFFER_SHIFT);
		return;
	}
	if (ud_kind(ud) == UD_RECV) {
		on_recv(w, c, cqe);
	} else if (ud_kind(ud) == UD_SEND) {
		on_send(w, c, cqe);
	} else {
		c->io &= (uint16_t)~IO_SHUTDOWN; /* a failure: the peer is gone anyway */
		close_progress(w, c);
	}
}

/* After a batch of completions: give buffers back in one tail update and
 * re-arm what waited for them (growing the pool if it ran dry). */
static void batch_end(struct worker *w)
{
	struct uring_loop *L = loop_of(w);

	if (L->nobufs_hit) {
		L->nobufs_hit = 0;
		buffers_grow(w);
	}
	if (L->br_added) {
		uint32_t added = L->br_added;
		io_uring_buf_ring_advance(L->br, (int)added);
		L->br_added = 0;
		if (L->nnobufs)
			nobufs_retry(w, added);
	}
}

void loop_run(struct worker *w)
{
	struct uring_loop *L = loop_of(w);

	while (!(w->stopping && w->nopen == 0)) {
		struct io_uring_cqe *cqe;
		unsigned head, n = 0;
		int ret = io_uring_submit_and_wait(&L->ring, 1);

		if (ret == -EBADR) {
			count(&w->st.cq_overflows, 1); /* completions were lost: cannot happen with NODROP */
		} else if (ret < 0 && ret != -EINTR && ret != -ETIME && ret != -EAGAIN && ret != -EBUSY) {
			fprintf(stderr, "ukit-server: worker %u: io_uring_enter: %s\n", w->id,
				strerror(-ret));
			abort();
		}
		io_uring_for_each_cqe(&L->ring, head, cqe) {
			on_completion(w, cqe);
			n++;
		}
		io_uring_cq_advance(&L->ring, n);
		batch_end(w);
	}
}

/* --- set-up --------------------------------------------------------------------- */

static int read_sysctl_int(const char *path)
{
	FILE *f = fopen(path, "r");
	int v = -1;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* Why io_uring_setup failed, in words an operator can act on. */
static void explain_setup_failure(struct worker *w, int err)
{
	int disabled = read_sysctl_int("/proc/sys/kernel/io_uring_disabled");
	const char *why;

	if (err == -ENOSYS)
		why = "this kernel has no io_uring, or a seccomp filter hides it";
	else if (err == -EPERM && disabled == 2)
		why = "sysctl kernel.io_uring_disabled = 2 forbids it";
	else if (err == -EPERM && disabled == 1)
		why = "sysctl kernel.io_uring_disabled = 1 allows it only to the group in kernel.io_uring_group";
	else if (err == -EPERM)
		why = "a seccomp filter or security module forbids io_uring_setup (a container profile?)";
	else if (err == -ENOMEM)
		why = "not enough locked memory for the rings (RLIMIT_MEMLOCK or memory cgroup)";
	else
		why = "the kernel refused the ring's flags (Linux 6.1 or later is needed)";
	snprintf(w->init_msg, sizeof(w->init_msg),
		 "io_uring is unavailable (io_uring_setup: %s): %s; ./ukit-server-epoll runs without it",
		 strerror(-err), why);
}

int loop_init(struct worker *w)
{
	struct io_uring_params p;
	struct uring_loop *L = calloc(1, sizeof(*L));
	int ret;

	if (!L)
		return -ENOMEM;
	w->loop = L;
	L->listen_fd = worker_listen_fd(w);
	L->reserve = loop_slot_reserve(w->nslots);
	L->nobufs = reserve_memory((size_t)w->nslots * sizeof(uint32_t));
	if (!L->nobufs)
		return -ENOMEM;

	memset(&p, 0, sizeof(p));
	p.cq_entries = CQ_ENTRIES;
	p.flags = IORING_SETUP_CQSIZE | IORING_SETUP_SUBMIT_ALL | IORING_SETUP_SINGLE_ISSUER;
	p.flags |= w->srv->cfg.taskrun == TASKRUN_COOP
			   ? IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG
			   : IORING_SETUP_DEFER_TASKRUN;
	ret = io_uring_queue_init_params(SQ_ENTRIES, &L->ring, &p);
	if (ret < 0) {
		explain_setup_failure(w, ret);
		free(L);
		w->loop = NULL;
		return ret;
	}
	ret = io_uring_register_files_sparse(&L->ring, w->nslots);
	if (ret < 0) {
		snprintf(w->init_msg, sizeof(w->init_msg),
			 "cannot register a file table of %u slots: %s (RLIMIT_NOFILE caps it)",
			 w->nslots, strerror(-ret));
		return ret;
	}
	io_uring_register_ring_fd(&L->ring); /* only saves an fdget per enter */
	ret = buffers_init(w);
	if (ret < 0) {
		snprintf(w->init_msg, sizeof(w->init_msg), "cannot register the buffer ring: %s",
			 strerror(-ret));
		return ret;
	}
	tick_arm(w);
	accept_sync(w);
	ret = io_uring_submit(&L->ring);
	if (ret < 0) {
		snprintf(w->init_msg, sizeof(w->init_msg), "io_uring_submit: %s", strerror(-ret));
		return ret;
	}
	return 0;
}

void loop_fini(struct worker *w)
{
	struct uring_loop *L = loop_of(w);

	if (!L)
		return;
	io_uring_queue_exit(&L->ring);
	if (L->br)
		munmap(L->br, L->br_entries * sizeof(struct io_uring_buf));
	if (L->nobufs)
		munmap(L->nobufs, (size_t)w->nslots * sizeof(uint32_t));
	free(L);
	w->loop = NULL;
}

/* Wakes a worker from another thread with a message on its ring: the
 * sender needs a ring of its own, one for the whole process. */
int loop_wake(struct worker *w)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static struct io_uring waker;
	static int ready;
	struct uring_loop *L = loop_of(w);
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	int ret;

	if (!L)
		return -EINVAL;
	pthread_mutex_lock(&lock);
	if (!ready) {
		ret = io_uring_queue_init(8, &waker, 0);
		if (ret < 0)
			goto out;
		ready = 1;
	}
	sqe = io_uring_get_sqe(&waker);
	io_uring_prep_msg_ring(sqe, L->ring.ring_fd, 0, ud_make(UD_WAKE, 0, 0), 0);
	ret = io_uring_submit_and_wait(&waker, 1);
	if (ret >= 0 && io_uring_wait_cqe(&waker, &cqe) == 0) {
		ret = cqe->res;
		io_uring_cqe_seen(&waker, cqe);
	}
out:
	pthread_mutex_unlock(&lock);
	return ret < 0 ? ret : 0;
}
