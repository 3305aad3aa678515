/* The epoll loop, for comparison: the same completion-style interface as
 * uring.c over edge-triggered readiness. Written as well as epoll allows
 * (nonblocking sockets registered once, accept4, sendmsg of the same iovecs,
 * reads until a short read, no per-request allocation), so the comparison is
 * with the best epoll can do. Connections are indexed by fd, and all fds of
 * the process share RLIMIT_NOFILE: this build holds at most ~20k here. */
#include "loop/loop.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

const char loop_name[] = "epoll";

#define EVENTS_MAX 512
#define ACCEPT_BATCH 64
#define FD_RESERVE 64 /* listeners, epoll and event fds, stdio */

enum { TOKEN_LISTEN = 0xffffffffu, TOKEN_WAKE = 0xfffffffeu };

/* conn.io bits */
enum {
	IO_READABLE = 1 << 0,  /* the kernel said readable and no read has said EAGAIN */
	IO_WRITABLE = 1 << 1,
	IO_SEND = 1 << 2,      /* a chunk waits to be sent */
	IO_QUEUED = 1 << 3,    /* on the worker's queue of connections to service */
	IO_RDHUP = 1 << 4,     /* the peer's FIN is queued behind the data: read to EOF */
};

struct epoll_loop {
	int epfd;
	int wakefd;
	int listen_fd;
	int accepting;
	uint32_t accept_retry_at;
	uint32_t *queue;       /* fds whose reads or sends were deferred */
	uint32_t nqueue;
	uint32_t *free_bufs;   /* receive buffer ids not in use */
	uint32_t nfree;
};

static struct epoll_loop *loop_of(struct worker *w)
{
	return w->loop;
}

uint32_t loop_max_slots(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return 1024;
	return rl.rlim_cur > (1u << 20) ? 1u << 20 : (uint32_t)rl.rlim_cur;
}

uint32_t loop_slot_reserve(uint32_t slots)
{
	(void)slots;
	return FD_RESERVE;
}

int loop_listen_backlog(uint32_t slots)
{
	(void)slots;
	return 65535; /* accept4 takes what it can: the kernel caps it at somaxconn */
}

uint32_t loop_max_total(void)
{
	return loop_max_slots() - FD_RESERVE; /* one fd table for the whole process */
}

static uint64_t token(const struct conn *c, uint32_t fd)
{
	return (uint64_t)c->gen << 32 | fd;
}

/* Core calls arrive while the core is mid-work on a connection: reads and
 * sends they start are queued and done after the current event, as
 * completions are in the io_uring build. */
static void enqueue(struct worker *w, struct conn *c)
{
	struct epoll_loop *L = loop_of(w);

	if (c->io & IO_QUEUED)
		return;
	c->io |= IO_QUEUED;
	L->queue[L->nqueue++] = conn_slot(w, c);
}

/* --- receive buffers ---------------------------------------------------------- */

void loop_rbuf_put(struct worker *w, uint32_t id)
{
	struct epoll_loop *L = loop_of(w);

	L->free_bufs[L->nfree++] = id;
}

static int rbuf_take(struct worker *w)
{
	struct epoll_loop *L = loop_of(w);
	int first;

	if (!L->nfree) {
		first = rbufs_grow(&w->rbufs);
		if (first < 0)
			return -1;
		for (uint32_t id = (uint32_t)first; id < w->rbufs.count; id++)
			loop_rbuf_put(w, id);
		gauge_set(&w->st.rbufs, w->rbufs.count);
	}
	return (int)L->free_bufs[--L->nfree];
}

/* --- connections -------------------------------------------------------------- */

void loop_send(struct worker *w, struct conn *c, struct out *o)
{
	(void)o; /* it is c->out_sending */
	c->io |= IO_SEND;
	enqueue(w, c);
}

void loop_shutdown_write(struct worker *w, struct conn *c)
{
	shutdown((int)conn_slot(w, c), SHUT_WR);
}

void loop_recv_stop(struct worker *w, struct conn *c)
{
	(void)w, (void)c; /* conn_wants_input() now says no: reading stops */
}

void loop_recv_start(struct worker *w, struct conn *c)
{
	if (c->io & IO_READABLE)
		enqueue(w, c); /* data may be waiting: an edge will not come again */
}

void loop_close(struct worker *w, struct conn *c)
{
	uint32_t fd = conn_slot(w, c);

	close((int)fd); /* also leaves the epoll set: the fd was never duplicated */
	c->io &= IO_QUEUED; /* a queued entry is skipped once the slot is free */
	conn_closed(w, c);
}

static int conn_alive(struct conn *c, uint32_t gen)
{
	return c->state != CONN_FREE && c->state != CONN_CLOSING && c->gen == gen;
}

static void do_send(struct worker *w, struct conn *c)
{
	uint32_t fd = conn_slot(w, c);
	ssize_t n;

	if (!(c->io & IO_SEND) || !(c->io & IO_WRITABLE))
		return; /* EPOLLOUT will bring it back */
	n = sendmsg((int)fd, out_msg(pool_at(&w->outs, c->out_sending)), MSG_NOSIGNAL);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		c->io &= (uint16_t)~IO_WRITABLE;
		return;
	}
	c->io &= (uint16_t)~IO_SEND;
	conn_sent(w, c, n < 0 ? -errno : (int)n);
}

static void do_read(struct worker *w, struct conn *c)
{
	uint32_t fd = conn_slot(w, c), gen = c->gen;

	while ((c->io & IO_READABLE) && conn_wants_input(c)) {
		int id = rbuf_take(w);
		ssize_t n;

		if (id < 0) {
			enqueue(w, c); /* every buffer is held by paused connections: later */
			return;
		}
		n = recv((int)fd, rbuf_data(&w->rbufs, (uint32_t)id), RBUF_SIZE, 0);
		/* a short read drained the socket: the next byte brings a new
		 * edge; but a FIN that came with the data brings none, so then
		 * read on until EOF */
		if (n <= 0 || (n < RBUF_SIZE && !(c->io & IO_RDHUP)))
			c->io &= (uint16_t)~IO_READABLE;
		if (n > 0) {
			conn_recv(w, c, (uint32_t)id, (uint32_t)n);
		} else {
			loop_rbuf_put(w, (uint32_t)id);
			if (n == 0)
				conn_eof(w, c);
			else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				conn_error(w, c, errno);
			else if (errno == EINTR)
				c->io |= IO_READABLE;
		}
		if (!conn_alive(c, gen))
			return;
	}
}

static void service(struct worker *w, struct conn *c)
{
	uint32_t gen = c->gen;

	do_send(w, c);
	if (conn_alive(c, gen))
		do_read(w, c);
}

static void drain_queue(struct worker *w)
{
	struct epoll_loop *L = loop_of(w);

	for (uint32_t i = 0; i < L->nqueue; i++) { /* grows while we go */
		struct conn *c = &w->conns[L->queue[i]];
		c->io &= (uint16_t)~IO_QUEUED;
		if (c->state != CONN_FREE && c->state != CONN_CLOSING)
			service(w, c);
	}
	L->nqueue = 0;
}

/* --- accepting ---------------------------------------------------------------- */

static void accept_set(struct worker *w, int on)
{
	struct epoll_loop *L = loop_of(w);
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = TOKEN_LISTEN };

	if (on == L->accepting)
		return;
	if (epoll_ctl(L->epfd, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, L->listen_fd, &ev) == 0)
		L->accepting = on;
}

void loop_accept_stop(struct worker *w)
{
	accept_set(w, 0);
}

static void on_listen(struct worker *w)
{
	struct epoll_loop *L = loop_of(w);

	for (int i = 0; i < ACCEPT_BATCH; i++) {
		int fd = accept4(L->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct epoll_event ev;
		struct conn *c;

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				/* level-triggered: retrying now would spin; wait a tick */
				count(&w->st.accept_pauses, 1);
				L->accept_retry_at = w->now + 1;
				accept_set(w, 0);
			}
			return; /* EAGAIN, or a connection that was reset: nothing to do */
		}
		if ((uint32_t)fd >= w->nslots) {
			close(fd);
			continue;
		}
		c = &w->conns[fd];
		c->gen++;
		c->io = (c->io & IO_QUEUED) | IO_WRITABLE; /* a stale queue entry stays valid */
		ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
		ev.data.u64 = token(c, (uint32_t)fd);
		if (epoll_ctl(L->epfd, EPOLL_CTL_ADD, fd, &ev)) {
			close(fd);
			continue;
		}
		conn_open(w, c);
	}
}

/* --- the loop ------------------------------------------------------------------- */

static void on_event(struct worker *w, struct epoll_event *ev)
{
	uint32_t fd = (uint32_t)ev->data.u64, gen = (uint32_t)(ev->data.u64 >> 32);
	struct conn *c;

	if (fd == TOKEN_LISTEN) {
		on_listen(w);
		return;
	}
	if (fd == TOKEN_WAKE) {
		uint64_t v;
		if (read(loop_of(w)->wakefd, &v, sizeof(v)) == sizeof(v))
			worker_stop(w);
		return;
	}
	c = &w->conns[fd];
	if (!conn_alive(c, gen))
		return; /* an event for a connection closed earlier in this batch */
	if (ev->events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		c->io |= IO_READABLE;
	if (ev->events & (EPOLLRDHUP | EPOLLHUP))
		c->io |= IO_RDHUP;
	if (ev->events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
		c->io |= IO_WRITABLE;
	service(w, c);
}

/* Milliseconds until the next one-second tick is due (<= 0: due now). */
static int ms_to_next_tick(struct worker *w)
{
	struct timespec ts;
	int64_t since_start, due;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	since_start = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec - (int64_t)w->start_ns;
	due = (int64_t)(w->now + 1) * 1000000000 - since_start;
	return due <= 0 ? 0 : (int)(due / 1000000) + 1;
}

void loop_run(struct worker *w)
{
	struct epoll_loop *L = loop_of(w);
	struct epoll_event events[EVENTS_MAX];

	while (!(w->stopping && w->nopen == 0)) {
		int n = epoll_wait(L->epfd, events, EVENTS_MAX, ms_to_next_tick(w));

		if (n < 0 && errno != EINTR) {
			fprintf(stderr, "ukit-server: worker %u: epoll_wait: %s\n", w->id, strerror(errno));
			abort();
		}
		for (int i = 0; i < n; i++) {
			on_event(w, &events[i]);
			drain_queue(w);
		}
		if (ms_to_next_tick(w) == 0) {
			worker_tick(w);
			if (!L->accepting && !w->stopping && w->now >= L->accept_retry_at)
				accept_set(w, 1);
			drain_queue(w);
		}
	}
}

/* --- set-up ----------------------------------------------------------------------- */

int loop_init(struct worker *w)
{
	struct epoll_loop *L = calloc(1, sizeof(*L));
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = TOKEN_WAKE };

	if (!L)
		return -ENOMEM;
	w->loop = L;
	L->listen_fd = worker_listen_fd(w);
	L->queue = reserve_memory((size_t)w->nslots * sizeof(uint32_t));
	L->free_bufs = reserve_memory((size_t)w->rbufs.max * sizeof(uint32_t));
	L->epfd = epoll_create1(EPOLL_CLOEXEC);
	L->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (!L->queue || !L->free_bufs || L->epfd < 0 || L->wakefd < 0 ||
	    epoll_ctl(L->epfd, EPOLL_CTL_ADD, L->wakefd, &ev)) {
		snprintf(w->init_msg, sizeof(w->init_msg), "epoll set-up: %s", strerror(errno));
		return -errno;
	}
	accept_set(w, 1);
	if (!L->accepting) {
		snprintf(w->init_msg, sizeof(w->init_msg), "epoll_ctl(listener): %s", strerror(errno));
		return -errno;
	}
	return 0;
}

void loop_fini(struct worker *w)
{
	struct epoll_loop *L = loop_of(w);

	if (!L)
		return;
	close(L->epfd);
	close(L->wakefd);
	munmap(L->queue, (size_t)w->nslots * sizeof(uint32_t));
	munmap(L->free_bufs, (size_t)w->rbufs.max * sizeof(uint32_t));
	free(L);
	w->loop = NULL;
}

int loop_wake(struct worker *w)
{
	uint64_t one = 1;
	struct epoll_loop *L = loop_of(w);

	if (!L)
		return -EINVAL;
	return write(L->wakefd, &one, sizeof(one)) == sizeof(one) ? 0 : -errno;
}
