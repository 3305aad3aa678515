/* A pool of fixed-size objects in one reserved mapping: pages are touched only
 * when objects are first used, freed objects are reused last-in first-out,
 * and nothing is allocated after start-up. References are index + 1 (0: none).
 *
 * Page-sized objects can be trimmed: objects that stayed free for a whole
 * trim period give their pages back to the kernel (a burst of answers to
 * 100,000 new connections must not stay resident while they idle). */
#ifndef UKIT_UTIL_POOL_H
#define UKIT_UTIL_POOL_H

#include <stddef.h>
#include <stdint.h>

struct pool {
	char *mem;
	uint32_t *next;    /* free-list links, outside the objects so trimmed ones keep theirs */
	size_t size;       /* bytes per object: a multiple of 16, or of the page size from a page up */
	uint32_t cap;      /* objects the mapping holds */
	uint32_t touched;  /* objects ever handed out: the rest of the mapping is untouched */
	uint32_t warm;     /* first free object that may be resident, 0 if none */
	uint32_t cold;     /* first free object whose pages were given back, 0 if none */
	uint32_t nwarm;
	uint32_t warm_low; /* the fewest warm objects since the last trim */
	uint32_t live;     /* objects handed out now */
};

int pool_init(struct pool *p, size_t size, uint32_t cap);
void pool_fini(struct pool *p);

/* A free object's reference, or 0 when all cap objects are live. */
uint32_t pool_get(struct pool *p);
void pool_put(struct pool *p, uint32_t ref);

/* Gives back the pages of objects that stayed free since the last call, but
 * keeps `keep` warm ones; once a second is the intended rhythm. Returns the
 * number trimmed. Objects smaller than a page are never trimmed. */
uint32_t pool_trim(struct pool *p, uint32_t keep);

static inline void *pool_at(const struct pool *p, uint32_t ref)
{
	return p->mem + (size_t)(ref - 1) * p->size;
}

/* Reserves count * size bytes of address space without committing memory. */
void *reserve_memory(size_t bytes);

#endif
