/* An output chunk: the unit a connection hands to its loop for one send.
 * Heads (and any bytes that must be copied) go into data[]; bodies that are
 * constant, like the response text, are referenced by an iovec, never copied.
 * A connection has at most two: one being sent, one being filled. */
#ifndef UKIT_LOOP_OUT_H
#define UKIT_LOOP_OUT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

#define OUT_IOVS 64
#define OUT_BYTES 8192

struct out {
	struct msghdr msg;   /* the loop's sendmsg points it at iov[first..niov) */
	uint32_t first;      /* first iovec not completely sent */
	uint32_t niov;
	uint32_t used;       /* bytes of data[] in use */
	uint32_t copies_end; /* whether iov[niov-1] ends at data + used */
	uint32_t holds_page; /* references a page its owner must keep until sent */
	uint64_t pending;    /* bytes queued and not yet sent */
	struct iovec iov[OUT_IOVS];
	char data[OUT_BYTES];
};

static inline void out_reset(struct out *o)
{
	o->first = o->niov = o->used = o->copies_end = o->holds_page = 0;
	o->pending = 0;
}

static inline int out_empty(const struct out *o)
{
	return o->pending == 0;
}

/* Room for copy more bytes of data and refs more references. */
static inline int out_has_room(const struct out *o, size_t copy, unsigned refs)
{
	return o->used + copy <= OUT_BYTES && o->niov + 1 + refs <= OUT_IOVS;
}

/* Where the next copied bytes go; out_commit makes n of them part of the output. */
static inline char *out_tail(struct out *o)
{
	return o->data + o->used;
}

void out_commit(struct out *o, size_t n);
void out_ref(struct out *o, const void *p, size_t n);

/* n bytes were sent: drop them from the front. */
void out_consume(struct out *o, size_t n);

/* Points msg at what remains, for sendmsg. */
struct msghdr *out_msg(struct out *o);

#endif
