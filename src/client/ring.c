/* The client's io_uring side, in the server loop's discipline: one place
 * encodes user_data (kind, generation, slot); sockets are created, bound and
 * connected as direct descriptors in a linked chain; one multishot receive per
 * connection into a provided-buffer ring, re-armed whenever it ends; buffers
 * go back as soon as they are parsed; one multishot timeout ticks the wheel;
 * SQEs are queued while completions are drained and submitted once per turn. */
#include "client/driver.h"

#include "loop/uring_compat.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define SQ_ENTRIES 2048
#define CQ_ENTRIES 16384
#define BUF_GROUP 0
#define MAX_RBUFS 4096 /* 16 MiB reserved per ring, touched as receives need them */

enum ud_kind { UD_SOCKET = 1, UD_SOCKOPT, UD_BIND, UD_CONNECT, UD_RECV, UD_SEND, UD_CANCEL,
	       UD_CLOSE, UD_TICK };

static inline uint64_t ud_make(enum ud_kind kind, uint32_t gen, uint32_t slot)
{
	return (uint64_t)kind << 56 | (uint64_t)(gen & 0xffffff) << 32 | slot;
}
static inline enum ud_kind ud_kind(uint64_t ud) { return (enum ud_kind)(ud >> 56); }
static inline uint32_t ud_gen(uint64_t ud) { return (uint32_t)(ud >> 32) & 0xffffff; }
static inline uint32_t ud_slot(uint64_t ud) { return (uint32_t)ud; }

static const int one = 1;

static void cancel_one(struct cring *r, enum ud_kind kind, uint32_t slot);

/* Hands queued SQEs to the kernel now (the SQ is full, or a link chain
 * must not be split between two submissions). */
static void submit_now(struct cring *r)
{
	int ret = io_uring_submit(&r->ring);

	if (ret < 0 && ret != -EAGAIN && ret != -EBUSY && ret != -EINTR) {
		fprintf(stderr, "ukit-client: ring %u: io_uring_submit: %s\n", r->id, strerror(-ret));
		abort();
	}
}

static struct io_uring_sqe *sqe_get(struct cring *r)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);

	while (!sqe) { /* the SQ is full: hand it to the kernel and go on */
		submit_now(r);
		sqe = io_uring_get_sqe(&r->ring);
	}
	return sqe;
}

static uint64_t clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* --- receive buffers ---------------------------------------------------------- */

void ring_rbuf_put(struct cring *r, uint32_t id)
{
	io_uring_buf_ring_add(r->br, rbuf_data(&r->rbufs, id), RBUF_SIZE, (unsigned short)id,
			      io_uring_buf_ring_mask(r->br_entries), (int)r->br_added++);
}

static void buffers_grow(struct cring *r)
{
	int first = rbufs_grow(&r->rbufs);

	if (first < 0)
		return;
	for (uint32_t id = (uint32_t)first; id < r->rbufs.count; id++)
		ring_rbuf_put(r, id);
}

static int buffers_init(struct cring *r)
{
	struct io_uring_buf_reg reg = { 0 };
	size_t bytes;
	int ret;

	ret = rbufs_init(&r->rbufs, MAX_RBUFS);
	if (ret)
		return ret;
	r->br_entries = 1;
	while (r->br_entries < r->rbufs.max)
		r->br_entries <<= 1;
	/* liburing 2.3 has no io_uring_setup_buf_ring: map and register it here */
	bytes = r->br_entries * sizeof(struct io_uring_buf);
	r->br = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r->br == MAP_FAILED) {
		r->br = NULL;
		return -ENOMEM;
	}
	reg.ring_addr = (unsigned long)r->br;
	reg.ring_entries = r->br_entries;
	reg.bgid = BUF_GROUP;
	ret = io_uring_register_buf_ring(&r->ring, &reg, 0);
	if (ret)
		return ret;
	io_uring_buf_ring_init(r->br);
	buffers_grow(r);
	io_uring_buf_ring_advance(r->br, (int)r->br_added);
	r->br_added = 0;
	return 0;
}

/* --- operations ------------------------------------------------------------------ */

/* socket → setsockopt(IP_BIND_ADDRESS_NO_PORT) → bind → connect, all on the
 * slot. Only the connect reports success; a failing link reports itself and
 * the kernel skips the rest of the chain's completions (REQ_F_SKIP_LINK_CQES),
 * so whichever completion comes is the chain's last. */
void ring_connect(struct cring *r, uint32_t slot)
{
	const struct client_run *run = r->run;
	struct seat *c = &r->conns[slot];
	struct io_uring_sqe *sqe;

	/* four SQEs must be in one submission for the links to hold */
	if (io_uring_sq_space_left(&r->ring) < 4)
		submit_now(r);
	sqe = sqe_get(r);
	io_uring_prep_socket_direct(sqe, AF_INET, SOCK_STREAM, 0, slot, 0);
	sqe->flags |= IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS;
	sqe->user_data = ud_make(UD_SOCKET, c->gen, slot);
	if (run->addrs.count) {
		uint32_t src = (r->seat_base + slot) % run->addrs.count;

		sqe = sqe_get(r);
		ukit_prep_setsockopt(sqe, (int)slot, SOL_IP, IP_BIND_ADDRESS_NO_PORT, &one,
				     sizeof(one));
		sqe->flags |= IOSQE_FIXED_FILE | IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS;
		sqe->user_data = ud_make(UD_SOCKOPT, c->gen, slot);
		sqe = sqe_get(r);
		ukit_prep_bind(sqe, (int)slot, (const struct sockaddr *)&run->sources[src],
			       sizeof(run->sources[src]));
		sqe->flags |= IOSQE_FIXED_FILE | IOSQE_IO_LINK | IOSQE_CQE_SKIP_SUCCESS;
		sqe->user_data = ud_make(UD_BIND, c->gen, slot);
	}
	sqe = sqe_get(r);
	io_uring_prep_connect(sqe, (int)slot, (const struct sockaddr *)&run->target,
			      sizeof(run->target));
	sqe->flags |= IOSQE_FIXED_FILE;
	sqe->user_data = ud_make(UD_CONNECT, c->gen, slot);
}

void ring_cancel_connect(struct cring *r, uint32_t slot)
{
	cancel_one(r, UD_CONNECT, slot);
}

void ring_recv(struct cring *r, uint32_t slot)
{
	struct io_uring_sqe *sqe = sqe_get(r);
	struct seat *c = &r->conns[slot];

	io_uring_prep_recv_multishot(sqe, (int)slot, NULL, 0, 0);
	sqe->flags |= IOSQE_FIXED_FILE | IOSQE_BUFFER_SELECT;
	sqe->buf_group = BUF_GROUP;
	sqe->user_data = ud_make(UD_RECV, c->gen, slot);
	c->io |= IO_RECV;
}

void ring_send(struct cring *r, uint32_t slot, struct msghdr *msg)
{
	struct io_uring_sqe *sqe = sqe_get(r);
	struct seat *c = &r->conns[slot];

	/* MSG_WAITALL: the kernel retries a short send itself */
	io_uring_prep_sendmsg(sqe, (int)slot, msg, MSG_NOSIGNAL | MSG_WAITALL);
	sqe->flags |= IOSQE_FIXED_FILE;
	sqe->user_data = ud_make(UD_SEND, c->gen, slot);
	c->io |= IO_SEND;
}

/* Closing a direct descriptor does not cancel what is pending on it. Cancel
 * each request by its user_data, a lookup in one hash bucket: cancelling by
 * file (IORING_ASYNC_CANCEL_FD | ALL) walks every armed poll of the ring, and
 * a burst of closes among 20,000 armed receives made that quadratic (a mass
 * timeout froze every ring for seconds). */
static void cancel_one(struct cring *r, enum ud_kind kind, uint32_t slot)
{
	struct io_uring_sqe *sqe = sqe_get(r);
	uint32_t gen = r->conns[slot].gen;

	io_uring_prep_cancel64(sqe, ud_make(kind, gen, slot), 0);
	sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
	sqe->user_data = ud_make(UD_CANCEL, gen, slot);
}

void ring_cancel_all(struct cring *r, uint32_t slot)
{
	struct seat *c = &r->conns[slot];

	if (c->io & IO_CANCEL)
		return;
	if (c->io & IO_RECV)
		cancel_one(r, UD_RECV, slot);
	if (c->io & IO_SEND)
		cancel_one(r, UD_SEND, slot);
	c->io |= IO_CANCEL;
}

/* Nothing is in flight on the slot: close it. A later socket into the same
 * slot is issued after this close, since SQEs are issued in order and a
 * direct close completes inline. */
void ring_close_slot(struct cring *r, uint32_t slot)
{
	struct io_uring_sqe *sqe = sqe_get(r);

	io_uring_prep_close_direct(sqe, slot);
	sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
	sqe->user_data = ud_make(UD_CLOSE, r->conns[slot].gen, slot);
}

static void tick_arm(struct cring *r)
{
	struct io_uring_sqe *sqe = sqe_get(r);

	r->tick.tv_sec = 0;
	r->tick.tv_nsec = (long long)r->run->tick_ns;
	io_uring_prep_timeout(sqe, &r->tick, 0, IORING_TIMEOUT_MULTISHOT);
	sqe->user_data = ud_make(UD_TICK, 0, 0);
}

/* --- completions ---------------------------------------------------------------- */

static void nobufs_add(struct cring *r, uint32_t slot)
{
	struct seat *c = &r->conns[slot];

	r->nobufs_hit = 1;
	if (c->io & IO_NOBUFS)
		return;
	c->io |= IO_NOBUFS;
	r->nobufs[r->nnobufs++] = slot;
}

/* Re-arm receives that ran out of buffers once buffers are back: never at
 * once, which would only spin on -ENOBUFS. */
static void nobufs_retry(struct cring *r)
{
	while (r->nnobufs) {
		uint32_t slot = r->nobufs[--r->nnobufs];
		struct seat *c = &r->conns[slot];

		c->io &= (uint8_t)~IO_NOBUFS;
		if (c->state == CS_CLOSING)
			seat_io_done(r, slot);
		else if (state_reading(c->state) && !(c->io & IO_RECV))
			ring_recv(r, slot);
	}
}

static void on_recv(struct cring *r, uint32_t slot, struct io_uring_cqe *cqe)
{
	struct seat *c = &r->conns[slot];
	int res = cqe->res;

	if (!(cqe->flags & IORING_CQE_F_MORE))
		c->io &= (uint8_t)~IO_RECV;
	if (res > 0) {
		uint32_t id = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
		if (c->state != CS_CLOSING)
			seat_data(r, slot, rbuf_data(&r->rbufs, id), (uint32_t)res);
		ring_rbuf_put(r, id); /* parsed: nothing keeps its bytes */
	} else if (res == -ENOBUFS) {
		if (c->state != CS_CLOSING)
			nobufs_add(r, slot); /* the data waits in the socket, nothing is lost */
	} else if (c->state != CS_CLOSING && res != -ECANCELED) {
		if (res == 0)
			seat_eof(r, slot);
		else
			seat_error(r, slot, -res);
	}
	if (c->state == CS_CLOSING)
		seat_io_done(r, slot);
	else if (state_reading(c->state) && !(c->io & (IO_RECV | IO_NOBUFS)))
		ring_recv(r, slot); /* a multishot receive ended: re-arm, whatever the reason */
}

static void on_completion(struct cring *r, struct io_uring_cqe *cqe)
{
	uint64_t ud = cqe->user_data;
	uint32_t slot = ud_slot(ud);
	struct seat *c;

	switch (ud_kind(ud)) {
	case UD_TICK:
		if (!(cqe->flags & IORING_CQE_F_MORE))
			tick_arm(r);
		seat_tick(r);
		if (r->nnobufs)
			nobufs_retry(r);
		return;
	case UD_CANCEL:
	case UD_CLOSE:
		return; /* failures here only mean the target was already gone */
	default:
		break;
	}
	c = slot < r->nslots ? &r->conns[slot] : NULL;
	if (!c || ud_gen(ud) != (c->gen & 0xffffff)) {
		/* cannot happen: a slot is reused only when nothing is in flight */
		if (cqe->flags & IORING_CQE_F_BUFFER)
			ring_rbuf_put(r, cqe->flags >> IORING_CQE_BUFFER_SHIFT);
		return;
	}
	switch (ud_kind(ud)) {
	case UD_SOCKET:
	case UD_SOCKOPT:
	case UD_BIND:
	case UD_CONNECT:
		seat_connected(r, slot, cqe->res);
		break;
	case UD_RECV:
		on_recv(r, slot, cqe);
		break;
	case UD_SEND:
		c->io &= (uint8_t)~IO_SEND;
		if (c->state == CS_CLOSING)
			seat_io_done(r, slot);
		else
			seat_sent(r, slot, cqe->res);
		break;
	default:
		break;
	}
}

/* After a batch of completions: give buffers back in one tail update and
 * re-arm what waited for them (growing the pool if it ran dry). */
static void batch_end(struct cring *r)
{
	if (r->nobufs_hit) {
		r->nobufs_hit = 0;
		buffers_grow(r);
	}
	if (r->br_added) {
		io_uring_buf_ring_advance(r->br, (int)r->br_added);
		r->br_added = 0;
		if (r->nnobufs)
			nobufs_retry(r);
	}
}

static void update_clock(struct cring *r)
{
	r->now_ns = clock_ns();
	r->now_tick = (uint32_t)((r->now_ns - r->start_ns) / r->run->tick_ns);
}

void ring_run(struct cring *r)
{
	while (!r->stopping) {
		struct io_uring_cqe *cqe;
		unsigned head, n = 0;
		int ret;

		seat_start_connects(r);
		ret = io_uring_submit_and_wait(&r->ring, 1);
		if (ret < 0 && ret != -EINTR && ret != -ETIME && ret != -EAGAIN && ret != -EBUSY &&
		    ret != -EBADR) {
			fprintf(stderr, "ukit-client: ring %u: io_uring_enter: %s\n", r->id,
				strerror(-ret));
			abort();
		}
		update_clock(r);
		io_uring_for_each_cqe(&r->ring, head, cqe) {
			on_completion(r, cqe);
			n++;
		}
		io_uring_cq_advance(&r->ring, n);
		batch_end(r);
	}
	seat_stop_all(r);
}

/* --- set-up ------------------------------------------------------------------------ */

int ring_init(struct cring *r)
{
	struct io_uring_params p;
	int ret;

	r->start_ns = clock_ns();
	update_clock(r);
	r->nobufs = reserve_memory((size_t)r->nslots * sizeof(uint32_t));
	if (!r->nobufs) {
		snprintf(r->init_msg, sizeof(r->init_msg), "out of memory");
		return -ENOMEM;
	}
	memset(&p, 0, sizeof(p));
	p.cq_entries = CQ_ENTRIES;
	p.flags = IORING_SETUP_CQSIZE | IORING_SETUP_SUBMIT_ALL | IORING_SETUP_SINGLE_ISSUER |
		  IORING_SETUP_DEFER_TASKRUN;
	ret = io_uring_queue_init_params(SQ_ENTRIES, &r->ring, &p);
	if (ret < 0) {
		snprintf(r->init_msg, sizeof(r->init_msg),
			 "io_uring_setup: %s (Linux 6.11 or later is needed, and io_uring allowed: "
			 "sysctl kernel.io_uring_disabled)", strerror(-ret));
		return ret;
	}
	ret = io_uring_register_files_sparse(&r->ring, r->nslots);
	if (ret < 0) {
		snprintf(r->init_msg, sizeof(r->init_msg),
			 "cannot register a file table of %u slots: %s (RLIMIT_NOFILE caps it; "
			 "use --ring-slots or more --rings)", r->nslots, strerror(-ret));
		goto err;
	}
	(void)io_uring_register_ring_fd(&r->ring); /* optional: only saves an fdget per enter */
	ret = buffers_init(r);
	if (ret < 0) {
		snprintf(r->init_msg, sizeof(r->init_msg), "cannot register the buffer ring: %s",
			 strerror(-ret));
		goto err;
	}
	ret = seats_init(r);
	if (ret < 0) {
		snprintf(r->init_msg, sizeof(r->init_msg), "out of memory for %u connections",
			 r->nslots);
		goto err;
	}
	tick_arm(r);
	ret = io_uring_submit(&r->ring);
	if (ret < 0) {
		snprintf(r->init_msg, sizeof(r->init_msg), "io_uring_submit: %s", strerror(-ret));
		goto err;
	}
	return 0;
err:
	io_uring_queue_exit(&r->ring);
	r->ring.ring_fd = -1;
	return ret;
}

void ring_fini(struct cring *r)
{
	if (r->ring.ring_fd >= 0)
		io_uring_queue_exit(&r->ring); /* closes every slot, cancels everything */
	if (r->br)
		munmap(r->br, r->br_entries * sizeof(struct io_uring_buf));
	if (r->nobufs)
		munmap(r->nobufs, (size_t)r->nslots * sizeof(uint32_t));
	rbufs_fini(&r->rbufs);
	seats_fini(r);
	r->br = NULL;
	r->nobufs = NULL;
}
