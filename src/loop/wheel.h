/* A coarse timer wheel with one-second slots: every connection's deadline
 * without a kernel timer per connection. One ring timeout ticks it.
 * Pushing a deadline later is a store; only earlier deadlines relink. */
#ifndef UKIT_LOOP_WHEEL_H
#define UKIT_LOOP_WHEEL_H

#include <stdint.h>

#define WHEEL_SLOTS 256 /* seconds; longer deadlines are re-filed as they come round */

struct wheel_node {
	uint32_t prev, next; /* id + 1, 0: none */
	uint32_t deadline;   /* seconds */
	uint16_t slot;       /* the slot it is filed in */
	uint16_t linked;
};

struct wheel {
	struct wheel_node *nodes; /* by id, cap of them, touched lazily */
	uint32_t cap;
	uint32_t now;             /* the last second advanced to */
	uint32_t slots[WHEEL_SLOTS]; /* id + 1 of each slot's first node */
};

int wheel_init(struct wheel *w, uint32_t cap, uint32_t now);
void wheel_fini(struct wheel *w);

/* Sets id's deadline (absolute seconds, > now). */
void wheel_set(struct wheel *w, uint32_t id, uint32_t deadline);
void wheel_clear(struct wheel *w, uint32_t id);

/* Advances to now, calling fire(ctx, id) for each id whose deadline has come;
 * an id is unlinked before it is fired and fire may set it again. */
void wheel_advance(struct wheel *w, uint32_t now, void (*fire)(void *ctx, uint32_t id), void *ctx);

#endif
