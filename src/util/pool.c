/* Object pool over a lazily touched mapping (see pool.h). */
#include "util/pool.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

void *reserve_memory(size_t bytes)
{
	void *m = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return m == MAP_FAILED ? NULL : m;
}

int pool_init(struct pool *p, size_t size, uint32_t cap)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	memset(p, 0, sizeof(*p));
	/* a page-sized object on its own pages: trimmable, and the pages its
	 * user never writes (the tail of a big buffer) are never resident */
	p->size = size >= page ? (size + page - 1) & ~(page - 1) : (size + 15) & ~(size_t)15;
	p->cap = cap;
	p->mem = reserve_memory(p->size * cap);
	p->next = reserve_memory((size_t)cap * sizeof(uint32_t));
	if (!p->mem || !p->next) {
		pool_fini(p);
		return -ENOMEM;
	}
	return 0;
}

void pool_fini(struct pool *p)
{
	if (p->mem)
		munmap(p->mem, p->size * p->cap);
	if (p->next)
		munmap(p->next, (size_t)p->cap * sizeof(uint32_t));
	p->mem = NULL;
	p->next = NULL;
}

uint32_t pool_get(struct pool *p)
{
	uint32_t ref = p->warm;

	if (ref) {
		p->warm = p->next[ref - 1];
		if (--p->nwarm < p->warm_low)
			p->warm_low = p->nwarm;
	} else if (p->cold) {
		ref = p->cold;
		p->cold = p->next[ref - 1];
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
	p->next[ref - 1] = p->warm;
	p->warm = ref;
	p->nwarm++;
	p->live--;
}

uint32_t pool_trim(struct pool *p, uint32_t keep)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	uint32_t n = p->warm_low > keep ? p->warm_low - keep : 0, done = 0;

	if (p->size < page)
		n = 0;
	/* which free objects go does not matter for memory: take them from the top */
	for (; done < n; done++) {
		uint32_t ref = p->warm;
		if (madvise(pool_at(p, ref), p->size, MADV_DONTNEED) != 0)
			break; /* cannot happen on our own private mapping; keep it warm */
		p->warm = p->next[ref - 1];
		p->nwarm--;
		p->next[ref - 1] = p->cold;
		p->cold = ref;
	}
	p->warm_low = p->nwarm;
	return done;
}
