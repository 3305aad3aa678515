/* Object pool over a lazily touched mapping (see pool.h). */
#include "util/pool.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

void *reserve_memory(size_t bytes)
{
	void *m = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return m == MAP_FAILED ? NULL : m;
}

int pool_init(struct pool *p, size_t size, uint32_t cap)
{
	memset(p, 0, sizeof(*p));
	p->size = (size + 15) & ~(size_t)15;
	p->cap = cap;
	p->mem = reserve_memory(p->size * cap);
	return p->mem ? 0 : -ENOMEM;
}

void pool_fini(struct pool *p)
{
	if (p->mem)
		munmap(p->mem, p->size * p->cap);
	p->mem = NULL;
}

uint32_t pool_get(struct pool *p)
{
	uint32_t ref = p->free;

	if (ref) {
		memcpy(&p->free, pool_at(p, ref), sizeof(p->free));
	} else {
		if (p->touched == p->cap)
			return 0;
		ref = ++p->touched;
	}
	p->live++;
	return ref;
}

void pool_put(struct pool *p, uint32_t ref)
{
	memcpy(pool_at(p, ref), &p->free, sizeof(p->free));
	p->free = ref;
	p->live--;
}
