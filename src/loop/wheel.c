/* Timer wheel (see wheel.h). A node sits in the slot of a second no later
 * than its deadline; when that slot comes round it fires or moves on. */
#include "loop/wheel.h"

#include "util/pool.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

int wheel_init(struct wheel *w, uint32_t cap, uint32_t now)
{
	memset(w, 0, sizeof(*w));
	w->cap = cap;
	w->now = now;
	w->nodes = reserve_memory((size_t)cap * sizeof(*w->nodes));
	return w->nodes ? 0 : -ENOMEM;
}

void wheel_fini(struct wheel *w)
{
	if (w->nodes)
		munmap(w->nodes, (size_t)w->cap * sizeof(*w->nodes));
	w->nodes = NULL;
}

static void link_node(struct wheel *w, uint32_t id)
{
	struct wheel_node *n = &w->nodes[id];
	uint32_t due = n->deadline;
	uint32_t *slot;

	if (due <= w->now)
		due = w->now + 1;
	if (due - w->now >= WHEEL_SLOTS)
		due = w->now + WHEEL_SLOTS - 1;
	n->slot = (uint16_t)(due % WHEEL_SLOTS);
	slot = &w->slots[n->slot];
	n->prev = 0;
	n->next = *slot;
	if (*slot)
		w->nodes[*slot - 1].prev = id + 1;
	*slot = id + 1;
	n->linked = 1;
}

void wheel_clear(struct wheel *w, uint32_t id)
{
	struct wheel_node *n = &w->nodes[id];

	if (!n->linked)
		return;
	if (n->prev)
		w->nodes[n->prev - 1].next = n->next;
	else
		w->slots[n->slot] = n->next;
	if (n->next)
		w->nodes[n->next - 1].prev = n->prev;
	n->linked = 0;
}

void wheel_set(struct wheel *w, uint32_t id, uint32_t deadline)
{
	struct wheel_node *n = &w->nodes[id];

	if (n->linked && deadline >= n->deadline) {
		n->deadline = deadline; /* its slot comes first; it will move on then */
		return;
	}
	wheel_clear(w, id);
	n->deadline = deadline;
	link_node(w, id);
}

void wheel_advance(struct wheel *w, uint32_t now, void (*fire)(void *ctx, uint32_t id), void *ctx)
{
	while (w->now < now) {
		uint32_t *slot = &w->slots[++w->now % WHEEL_SLOTS];

		/* Take the slot's nodes one at a time, each unlinked before it
		 * fires, so that fire() may set or clear any timer, others of
		 * this slot included. Nothing it sets lands in this slot: a
		 * node is filed 1 to WHEEL_SLOTS - 1 seconds ahead. */
		while (*slot) {
			uint32_t id = *slot - 1;
			struct wheel_node *n = &w->nodes[id];

			wheel_clear(w, id);
			if (n->deadline <= w->now)
				fire(ctx, id);
			else
				link_node(w, id);
		}
	}
}
