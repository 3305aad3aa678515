/* Receive buffers: growth up to the maximum, and the held lists a paused
 * connection keeps its unparsed input in. */
#include "loop/rbuf.h"

#include <criterion/criterion.h>
#include <string.h>

Test(rbuf, grows_by_steps_up_to_max)
{
	struct rbufs b;

	cr_assert_eq(rbufs_init(&b, 150), 0);
	cr_assert_eq(b.count, 0);
	cr_assert_eq(rbufs_grow(&b), 0);
	cr_assert_eq(b.count, RBUF_GROW);
	cr_assert_eq(rbufs_grow(&b), RBUF_GROW);
	cr_assert_eq(b.count, 2 * RBUF_GROW);
	cr_assert_eq(rbufs_grow(&b), 2 * RBUF_GROW);
	cr_assert_eq(b.count, 150, "the last step stops at max");
	cr_assert_eq(rbufs_grow(&b), -1);
	cr_assert_eq(b.count, 150);
	rbufs_fini(&b);
}

Test(rbuf, max_fits_16_bit_ids)
{
	struct rbufs b;

	cr_assert_eq(rbufs_init(&b, 100000), 0);
	cr_assert_eq(b.max, 65535);
	rbufs_fini(&b);
}

Test(rbuf, buffers_are_disjoint)
{
	struct rbufs b;

	cr_assert_eq(rbufs_init(&b, 100), 0);
	while (rbufs_grow(&b) >= 0)
		;
	for (uint32_t id = 0; id < b.count; id++)
		memset(rbuf_data(&b, id), (int)id, RBUF_SIZE);
	for (uint32_t id = 0; id < b.count; id++) {
		const unsigned char *d = (const unsigned char *)rbuf_data(&b, id);
		cr_assert_eq(d[0], (unsigned char)id);
		cr_assert_eq(d[RBUF_SIZE - 1], (unsigned char)id);
	}
	cr_assert_eq(rbuf_data(&b, 1) - rbuf_data(&b, 0), RBUF_SIZE);
	rbufs_fini(&b);
}

Test(rbuf, held_list_is_first_in_first_out)
{
	struct rbufs b;
	struct rbuf_list l = { 0, 0 };

	cr_assert_eq(rbufs_init(&b, 64), 0);
	cr_assert_eq(rbuf_first(&l), -1);
	rbuf_hold(&b, &l, 7, 100, 3996);
	rbuf_hold(&b, &l, 0, 0, 4096);
	rbuf_hold(&b, &l, 63, 4095, 1);
	cr_assert_eq(rbuf_first(&l), 7);
	cr_assert_eq(b.off[7], 100);
	cr_assert_eq(b.len[7], 3996);
	cr_assert_eq(b.len[0], 4096, "a whole buffer's length fits");
	cr_assert_eq(rbuf_unhold(&b, &l), 7);
	cr_assert_eq(rbuf_first(&l), 0);
	cr_assert_eq(rbuf_unhold(&b, &l), 0);
	cr_assert_eq(rbuf_first(&l), 63);
	cr_assert_eq(b.off[63], 4095);
	cr_assert_eq(b.len[63], 1);
	cr_assert_eq(rbuf_unhold(&b, &l), 63);
	cr_assert_eq(rbuf_first(&l), -1);
	cr_assert_eq(l.head, 0);
	cr_assert_eq(l.tail, 0);
	/* empty again: it starts over cleanly */
	rbuf_hold(&b, &l, 5, 1, 2);
	cr_assert_eq(rbuf_first(&l), 5);
	cr_assert_eq(rbuf_unhold(&b, &l), 5);
	cr_assert_eq(rbuf_first(&l), -1);
	rbufs_fini(&b);
}

Test(rbuf, lists_are_independent)
{
	struct rbufs b;
	struct rbuf_list x = { 0, 0 }, y = { 0, 0 };

	cr_assert_eq(rbufs_init(&b, 64), 0);
	for (uint32_t i = 0; i < 10; i++)
		rbuf_hold(&b, i % 2 ? &y : &x, i, i, 10 + i);
	for (uint32_t i = 0; i < 10; i += 2) {
		cr_assert_eq(rbuf_first(&x), (int)i);
		cr_assert_eq(b.off[i], i);
		cr_assert_eq(rbuf_unhold(&b, &x), i);
	}
	cr_assert_eq(rbuf_first(&x), -1);
	for (uint32_t i = 1; i < 10; i += 2) {
		cr_assert_eq(b.len[i], 10 + i);
		cr_assert_eq(rbuf_unhold(&b, &y), i);
	}
	cr_assert_eq(rbuf_first(&y), -1);
	rbufs_fini(&b);
}

/* The highest buffer id still fits the list's 16-bit id + 1. */
Test(rbuf, highest_id_can_be_held)
{
	struct rbufs b;
	struct rbuf_list l = { 0, 0 };

	cr_assert_eq(rbufs_init(&b, 65535), 0);
	while (rbufs_grow(&b) >= 0)
		;
	cr_assert_eq(b.count, 65535);
	rbuf_hold(&b, &l, 65534, 0, 1);
	rbuf_hold(&b, &l, 0, 0, 1);
	cr_assert_eq(rbuf_first(&l), 65534);
	cr_assert_eq(rbuf_unhold(&b, &l), 65534);
	cr_assert_eq(rbuf_unhold(&b, &l), 0);
	rbufs_fini(&b);
}
