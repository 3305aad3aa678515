/* Receive buffers: fixed-size buffers a loop receives into (the io_uring
 * backend lends them to the kernel through a provided-buffer ring). A buffer
 * goes back as soon as its bytes are parsed; a connection paused by a slow
 * reader keeps the unparsed rest in a short per-connection list. */
#ifndef UKIT_LOOP_RBUF_H
#define UKIT_LOOP_RBUF_H

#include <stddef.h>
#include <stdint.h>

#define RBUF_SIZE 4096
#define RBUF_GROW 64 /* buffers added at a time when the loop runs short */

struct rbufs {
	char *mem;       /* max buffers reserved, count in service */
	uint32_t count;
	uint32_t max;
	/* held lists: per buffer, the next held buffer (id + 1) and the unparsed part */
	uint16_t *next;
	uint16_t *off;
	uint16_t *len;
};

/* A connection's held buffers, oldest first. */
struct rbuf_list {
	uint16_t head, tail; /* id + 1, 0: empty */
};

int rbufs_init(struct rbufs *b, uint32_t max);
void rbufs_fini(struct rbufs *b);

/* Puts up to RBUF_GROW more buffers in service; returns the first new id, or
 * -1 when max are already in service. New ids are [first, b->count). */
int rbufs_grow(struct rbufs *b);

static inline char *rbuf_data(const struct rbufs *b, uint32_t id)
{
	return b->mem + (size_t)id * RBUF_SIZE;
}

void rbuf_hold(struct rbufs *b, struct rbuf_list *l, uint32_t id, uint32_t off, uint32_t len);

/* The oldest held buffer's id, or -1. */
static inline int rbuf_first(const struct rbuf_list *l)
{
	return l->head ? l->head - 1 : -1;
}

/* Removes the oldest held buffer and returns its id. */
uint32_t rbuf_unhold(struct rbufs *b, struct rbuf_list *l);

#endif
