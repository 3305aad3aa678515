/* The object pool: references, reuse order, exhaustion, object layout. */
#include "util/pool.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

Test(pool, hands_out_every_object_then_none)
{
	struct pool p;

	cr_assert_eq(pool_init(&p, 100, 5), 0);
	for (uint32_t i = 1; i <= 5; i++) {
		cr_assert_eq(pool_get(&p), i, "fresh objects in order, references from 1");
		cr_assert_eq(p.live, i);
	}
	cr_assert_eq(pool_get(&p), 0, "all live: 0");
	cr_assert_eq(pool_get(&p), 0);
	cr_assert_eq(p.live, 5);
	pool_put(&p, 3);
	cr_assert_eq(p.live, 4);
	cr_assert_eq(pool_get(&p), 3);
	cr_assert_eq(pool_get(&p), 0);
	pool_fini(&p);
}

Test(pool, freed_objects_come_back_last_in_first_out)
{
	struct pool p;

	cr_assert_eq(pool_init(&p, 8, 10), 0);
	for (int i = 0; i < 6; i++)
		pool_get(&p);
	pool_put(&p, 2);
	pool_put(&p, 5);
	pool_put(&p, 1);
	cr_assert_eq(pool_get(&p), 1);
	cr_assert_eq(pool_get(&p), 5);
	cr_assert_eq(pool_get(&p), 2);
	cr_assert_eq(pool_get(&p), 7, "then untouched ones");
	cr_assert_eq(p.touched, 7);
	pool_fini(&p);
}

Test(pool, objects_are_aligned_and_disjoint)
{
	static const size_t sizes[] = { 1, 4, 15, 16, 17, 100, 4096 };

	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		struct pool p;
		uint32_t n = 32;

		cr_assert_eq(pool_init(&p, sizes[s], n), 0);
		cr_assert_geq(p.size, sizes[s]);
		cr_assert_eq(p.size % 16, 0);
		for (uint32_t i = 1; i <= n; i++) {
			uint32_t ref = pool_get(&p);
			char *o = pool_at(&p, ref);
			cr_assert_eq((uintptr_t)o % 16, 0);
			memset(o, (int)ref, sizes[s]);
		}
		for (uint32_t ref = 1; ref <= n; ref++) {
			const unsigned char *o = pool_at(&p, ref);
			for (size_t b = 0; b < sizes[s]; b++)
				cr_assert_eq(o[b], (unsigned char)ref, "size %zu: object %u overlaps",
					     sizes[s], ref);
		}
		pool_fini(&p);
	}
}

/* A freed object's first bytes link the free list; the rest is left alone,
 * and a reused object is whatever its last user left (callers initialise). */
Test(pool, reuse_after_free_list_use)
{
	struct pool p;
	uint32_t a, b;

	cr_assert_eq(pool_init(&p, 64, 4), 0);
	a = pool_get(&p);
	b = pool_get(&p);
	memset(pool_at(&p, b), 0xab, 64);
	pool_put(&p, a);
	pool_put(&p, b);
	cr_assert_eq(pool_get(&p), b);
	cr_assert_eq(((unsigned char *)pool_at(&p, b))[63], 0xab);
	cr_assert_eq(pool_get(&p), a);
	cr_assert_eq(pool_get(&p), 3);
	cr_assert_eq(pool_get(&p), 4);
	cr_assert_eq(pool_get(&p), 0);
	cr_assert_eq(p.live, 4);
	pool_fini(&p);
	cr_assert_null(p.mem);
	pool_fini(&p); /* twice is harmless */
}

/* Reserving is cheap: a large pool costs nothing until its objects are used. */
Test(pool, large_reservation)
{
	struct pool p;
	uint32_t ref;

	cr_assert_eq(pool_init(&p, 16384, 1u << 20), 0); /* 16 GiB of address space */
	ref = pool_get(&p);
	memset(pool_at(&p, ref), 1, 16384);
	pool_fini(&p);
}

Test(pool, churn)
{
	struct pool p;
	uint32_t held[50], n = 0, x = 1;

	cr_assert_eq(pool_init(&p, 24, 50), 0);
	for (int step = 0; step < 100000; step++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		if (n < 50 && (x & 1)) {
			uint32_t ref = pool_get(&p);
			cr_assert_neq(ref, 0);
			cr_assert_leq(ref, 50);
			for (uint32_t i = 0; i < n; i++)
				cr_assert_neq(held[i], ref, "handed out twice");
			*(uint32_t *)((char *)pool_at(&p, ref) + 8) = ref;
			held[n++] = ref;
		} else if (n) {
			uint32_t i = (x >> 1) % n;
			cr_assert_eq(*(uint32_t *)((char *)pool_at(&p, held[i]) + 8), held[i]);
			pool_put(&p, held[i]);
			held[i] = held[--n];
		}
		cr_assert_eq(p.live, n);
	}
	pool_fini(&p);
}

/* Page-sized objects that stayed free for a whole period give their pages
 * back; the rest stay warm. Residency is read with mincore. */
static int resident(void *addr, size_t len)
{
	unsigned char vec[8];

	cr_assert_leq(len / 4096, sizeof(vec));
	cr_assert_eq(mincore(addr, len, vec), 0);
	return vec[0] & 1;
}

Test(pool, trim_gives_back_objects_free_for_a_whole_period)
{
	struct pool p;
	uint32_t refs[8];

	cr_assert_eq(pool_init(&p, 9000, 16), 0);
	cr_assert_eq(p.size % 4096, 0, "page-sized objects start on a page");
	for (int i = 0; i < 8; i++) {
		refs[i] = pool_get(&p);
		memset(pool_at(&p, refs[i]), 0x5a, 9000);
	}
	for (int i = 0; i < 8; i++)
		pool_put(&p, refs[i]);
	cr_assert_eq(pool_trim(&p, 2), 0, "freed during this period: not yet");
	cr_assert_eq(pool_get(&p), refs[7], "a use lowers the count that stayed free");
	cr_assert_eq(pool_trim(&p, 2), 5, "7 stayed free, 2 kept warm");
	cr_assert(resident(pool_at(&p, refs[0]), 4096), "the bottom of the stack kept warm");
	cr_assert_not(resident(pool_at(&p, refs[6]), 4096), "the top went back");
	cr_assert_eq(*(char *)pool_at(&p, refs[0]), 0x5a);
	/* warm objects first, then trimmed ones (zeroed), then untouched ones */
	cr_assert_eq(pool_get(&p), refs[1]);
	cr_assert_eq(pool_get(&p), refs[0]);
	uint32_t r = pool_get(&p);
	cr_assert_eq(*(char *)pool_at(&p, r), 0, "a trimmed object comes back zeroed");
	cr_assert_eq(p.live, 4);
	pool_fini(&p);
}

Test(pool, small_objects_are_never_trimmed)
{
	struct pool p;

	cr_assert_eq(pool_init(&p, 256, 64), 0);
	for (int i = 0; i < 10; i++)
		pool_get(&p);
	for (uint32_t r = 1; r <= 10; r++)
		pool_put(&p, r);
	pool_trim(&p, 0);
	cr_assert_eq(pool_trim(&p, 0), 0);
	cr_assert_eq(pool_get(&p), 10);
	pool_fini(&p);
}
