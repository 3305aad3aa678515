/* A pool of fixed-size objects in one reserved mapping: pages are touched only
 * when objects are first used, freed objects are reused last-in first-out,
 * and nothing is allocated after start-up. References are index + 1 (0: none). */
#ifndef UKIT_UTIL_POOL_H
#define UKIT_UTIL_POOL_H

#include <stddef.h>
#include <stdint.h>

struct pool {
	char *mem;
	size_t size;       /* bytes per object (at least 4: a free object links the next) */
	uint32_t cap;      /* objects the mapping holds */
	uint32_t touched;  /* objects ever handed out: the rest of the mapping is untouched */
	uint32_t free;     /* reference of the first free object below touched, 0 if none */
	uint32_t live;     /* objects handed out now */
};

int pool_init(struct pool *p, size_t size, uint32_t cap);
void pool_fini(struct pool *p);

/* A free object's reference, or 0 when all cap objects are live. */
uint32_t pool_get(struct pool *p);
void pool_put(struct pool *p, uint32_t ref);

static inline void *pool_at(const struct pool *p, uint32_t ref)
{
	return p->mem + (size_t)(ref - 1) * p->size;
}

/* Reserves count * size bytes of address space without committing memory. */
void *reserve_memory(size_t bytes);

#endif
