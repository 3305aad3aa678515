/* The timer wheel: every deadline fires once, at its second, however far
 * away it is and however it was moved; checked by hand and against a model. */
#include "loop/wheel.h"

#include <criterion/criterion.h>
#include <string.h>

#define IDS 64

struct fired {
	struct wheel *w;
	int n;
	uint32_t id[4096];
	uint32_t at[4096];
	/* fire() may re-arm: id → seconds from now, 0: no */
	uint32_t rearm[IDS];
};

static void on_fire(void *ctx, uint32_t id)
{
	struct fired *f = ctx;

	cr_assert_lt(f->n, 4096);
	f->id[f->n] = id;
	f->at[f->n++] = f->w->now;
	if (f->rearm[id])
		wheel_set(f->w, id, f->w->now + f->rearm[id]);
}

static struct wheel w;
static struct fired f;

static void setup(void)
{
	cr_assert_eq(wheel_init(&w, IDS, 0), 0);
	memset(&f, 0, sizeof(f));
	f.w = &w;
}

static void teardown(void)
{
	wheel_fini(&w);
}

static void advance(uint32_t now)
{
	wheel_advance(&w, now, on_fire, &f);
	cr_assert_eq(w.now, now);
}

TestSuite(wheel, .init = setup, .fini = teardown);

Test(wheel, fires_once_at_its_second)
{
	wheel_set(&w, 3, 5);
	advance(4);
	cr_assert_eq(f.n, 0);
	advance(5);
	cr_assert_eq(f.n, 1);
	cr_assert_eq(f.id[0], 3);
	cr_assert_eq(f.at[0], 5);
	advance(600);
	cr_assert_eq(f.n, 1);
}

Test(wheel, cleared_never_fires)
{
	wheel_set(&w, 1, 5);
	wheel_set(&w, 2, 5);
	wheel_clear(&w, 1);
	wheel_clear(&w, 1); /* twice is harmless */
	wheel_clear(&w, 9); /* never set */
	advance(10);
	cr_assert_eq(f.n, 1);
	cr_assert_eq(f.id[0], 2);
}

Test(wheel, later_deadline_moves_it)
{
	wheel_set(&w, 1, 5);
	wheel_set(&w, 1, 10);
	advance(9);
	cr_assert_eq(f.n, 0, "still filed at 5, it moved on instead of firing");
	advance(10);
	cr_assert_eq(f.n, 1);
	cr_assert_eq(f.at[0], 10);
}

Test(wheel, earlier_deadline_moves_it)
{
	wheel_set(&w, 1, 10);
	wheel_set(&w, 1, 3);
	advance(20);
	cr_assert_eq(f.n, 1);
	cr_assert_eq(f.at[0], 3);
}

Test(wheel, deadlines_beyond_the_wheel)
{
	wheel_set(&w, 1, WHEEL_SLOTS - 1);
	wheel_set(&w, 2, WHEEL_SLOTS);
	wheel_set(&w, 3, WHEEL_SLOTS + 1);
	wheel_set(&w, 4, 1000);
	wheel_set(&w, 5, 100000);
	advance(99999);
	cr_assert_eq(f.n, 4);
	cr_assert_eq(f.at[0], WHEEL_SLOTS - 1);
	cr_assert_eq(f.at[1], WHEEL_SLOTS);
	cr_assert_eq(f.at[2], WHEEL_SLOTS + 1);
	cr_assert_eq(f.at[3], 1000);
	advance(100000);
	cr_assert_eq(f.n, 5);
	cr_assert_eq(f.id[4], 5);
}

Test(wheel, past_deadline_fires_next_second)
{
	advance(50);
	wheel_set(&w, 7, 50);
	wheel_set(&w, 8, 10);
	advance(51);
	cr_assert_eq(f.n, 2);
	cr_assert_eq(f.at[0], 51);
	cr_assert_eq(f.at[1], 51);
}

Test(wheel, one_slot_many_ids)
{
	for (uint32_t id = 0; id < 10; id++)
		wheel_set(&w, id, 7);
	wheel_clear(&w, 9); /* the newest: the head of the slot's list */
	wheel_clear(&w, 0); /* the oldest: its tail */
	wheel_clear(&w, 5); /* the middle */
	advance(7);
	cr_assert_eq(f.n, 7);
	for (int i = 0; i < f.n; i++) {
		cr_assert_neq(f.id[i], 0);
		cr_assert_neq(f.id[i], 5);
		cr_assert_neq(f.id[i], 9);
		cr_assert_eq(f.at[i], 7);
	}
}

Test(wheel, fire_may_set_it_again)
{
	f.rearm[4] = 3;
	wheel_set(&w, 4, 2);
	advance(11);
	cr_assert_eq(f.n, 4);
	cr_assert_eq(f.at[0], 2);
	cr_assert_eq(f.at[1], 5);
	cr_assert_eq(f.at[2], 8);
	cr_assert_eq(f.at[3], 11);
	f.rearm[4] = WHEEL_SLOTS; /* a whole turn: the slot being fired */
	advance(12);
	advance(11 + 3 + WHEEL_SLOTS - 1);
	cr_assert_eq(f.n, 5);
	advance(11 + 3 + WHEEL_SLOTS);
	cr_assert_eq(f.n, 6);
	cr_assert_eq(f.at[5], 14 + WHEEL_SLOTS);
}

/* fire() for one id may clear or move others due in the same second: a
 * cleared one does not fire, a moved one fires when it is due. */
static struct {
	uint32_t clear_on[IDS]; /* id + 1 to clear when this one fires */
	uint32_t move_on[IDS];  /* id + 1 to move 5 s later when this one fires */
} side;

static void on_fire_side(void *ctx, uint32_t id)
{
	on_fire(ctx, id);
	if (side.clear_on[id])
		wheel_clear(f.w, side.clear_on[id] - 1);
	if (side.move_on[id])
		wheel_set(f.w, side.move_on[id] - 1, f.w->now + 5);
}

Test(wheel, fire_may_clear_or_move_others_due_with_it)
{
	/* filed in one slot, newest first: 3, 2, 1, 0 */
	for (uint32_t id = 0; id < 4; id++)
		wheel_set(&w, id, 7);
	side.clear_on[3] = 2 + 1; /* the next one in the slot */
	side.clear_on[2] = 3 + 1; /* cleared already, and fired: harmless */
	side.move_on[1] = 0 + 1;
	wheel_advance(&w, 7, on_fire_side, &f);
	cr_assert_eq(f.n, 2, "%d fired", f.n);
	cr_assert_eq(f.id[0], 3);
	cr_assert_eq(f.id[1], 1);
	wheel_advance(&w, 11, on_fire_side, &f);
	cr_assert_eq(f.n, 2);
	wheel_advance(&w, 12, on_fire_side, &f);
	cr_assert_eq(f.n, 3);
	cr_assert_eq(f.id[2], 0);
	cr_assert_eq(f.at[2], 12);
	wheel_advance(&w, 1000, on_fire_side, &f);
	cr_assert_eq(f.n, 3);
}

Test(wheel, fires_in_deadline_order_across_a_jump)
{
	wheel_set(&w, 1, 30);
	wheel_set(&w, 2, 10);
	wheel_set(&w, 3, 20);
	advance(1000);
	cr_assert_eq(f.n, 3);
	cr_assert_eq(f.id[0], 2);
	cr_assert_eq(f.id[1], 3);
	cr_assert_eq(f.id[2], 1);
}

Test(wheel, starts_at_any_second)
{
	struct wheel w2;

	cr_assert_eq(wheel_init(&w2, 4, 1000000), 0);
	f.w = &w2;
	wheel_set(&w2, 0, 1000003);
	wheel_advance(&w2, 1000002, on_fire, &f);
	cr_assert_eq(f.n, 0);
	wheel_advance(&w2, 1000003, on_fire, &f);
	cr_assert_eq(f.n, 1);
	wheel_fini(&w2);
}

/* Random sets, clears and advances, against a model: each armed id fires
 * exactly at its deadline (the next second if that has passed), once. */
Test(wheel, against_a_model)
{
	uint32_t deadline[IDS] = { 0 }; /* 0: not armed */
	uint32_t x = 12345;

	for (int step = 0; step < 20000; step++) {
		uint32_t r, id;

		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		r = x % 100;
		id = (x >> 8) % IDS;
		if (r < 50) {
			uint32_t d = w.now + 1 + (x >> 16) % 700;
			wheel_set(&w, id, d);
			deadline[id] = d;
		} else if (r < 65) {
			wheel_clear(&w, id);
			deadline[id] = 0;
		} else {
			uint32_t to = w.now + (x >> 16) % (r < 95 ? 3 : 400);
			f.n = 0;
			advance(to);
			for (int i = 0; i < f.n; i++) {
				cr_assert_neq(deadline[f.id[i]], 0, "id %u fired but was not armed", f.id[i]);
				cr_assert_eq(f.at[i], deadline[f.id[i]], "id %u fired at %u, due %u",
					     f.id[i], f.at[i], deadline[f.id[i]]);
				deadline[f.id[i]] = 0;
			}
			for (uint32_t i = 0; i < IDS; i++)
				cr_assert(!deadline[i] || deadline[i] > to, "id %u due %u did not fire by %u",
					  i, deadline[i], to);
		}
	}
}
