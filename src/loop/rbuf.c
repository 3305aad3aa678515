/* Receive buffer memory and held lists (see rbuf.h). */
#include "loop/rbuf.h"

#include "util/pool.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

int rbufs_init(struct rbufs *b, uint32_t max)
{
	memset(b, 0, sizeof(*b));
	if (max > 65535)
		max = 65535; /* buffer ids are 16 bits in a CQE */
	b->max = max;
	b->mem = reserve_memory((size_t)max * RBUF_SIZE);
	b->next = reserve_memory((size_t)max * 3 * sizeof(uint16_t));
	if (!b->mem || !b->next)
		return -ENOMEM;
	b->off = b->next + max;
	b->len = b->off + max;
	return 0;
}

void rbufs_fini(struct rbufs *b)
{
	if (b->mem)
		munmap(b->mem, (size_t)b->max * RBUF_SIZE);
	if (b->next)
		munmap(b->next, (size_t)b->max * 3 * sizeof(uint16_t));
	memset(b, 0, sizeof(*b));
}

int rbufs_grow(struct rbufs *b)
{
	uint32_t first = b->count;

	if (b->count >= b->max)
		return -1;
	b->count = b->count + RBUF_GROW > b->max ? b->max : b->count + RBUF_GROW;
	return (int)first;
}

void rbuf_hold(struct rbufs *b, struct rbuf_list *l, uint32_t id, uint32_t off, uint32_t len)
{
	b->off[id] = (uint16_t)off;
	b->len[id] = (uint16_t)len;
	b->next[id] = 0;
	if (l->tail)
		b->next[l->tail - 1] = (uint16_t)(id + 1);
	else
		l->head = (uint16_t)(id + 1);
	l->tail = (uint16_t)(id + 1);
}

uint32_t rbuf_unhold(struct rbufs *b, struct rbuf_list *l)
{
	uint32_t id = (uint32_t)l->head - 1;

	l->head = b->next[id];
	if (!l->head)
		l->tail = 0;
	return id;
}
