/* Output chunks (see out.h). */
#include "loop/out.h"

#include <string.h>

void out_commit(struct out *o, size_t n)
{
	if (o->copies_end) {
		o->iov[o->niov - 1].iov_len += n; /* contiguous with the last copy */
	} else {
		o->iov[o->niov].iov_base = o->data + o->used;
		o->iov[o->niov].iov_len = n;
		o->niov++;
		o->copies_end = 1;
	}
	o->used += (uint32_t)n;
	o->pending += n;
}

void out_ref(struct out *o, const void *p, size_t n)
{
	o->iov[o->niov].iov_base = (void *)p;
	o->iov[o->niov].iov_len = n;
	o->niov++;
	o->copies_end = 0;
	o->pending += n;
}

void out_consume(struct out *o, size_t n)
{
	o->pending -= n;
	if (!o->pending) {
		/* all sent: start over, or a later commit would extend an
		 * iovec already behind first and never be sent (holds_page
		 * stays: the owner settles it when it puts the chunk back) */
		o->first = o->niov = o->used = o->copies_end = 0;
		return;
	}
	while (n && o->first < o->niov) {
		struct iovec *v = &o->iov[o->first];
		if (n < v->iov_len) {
			v->iov_base = (char *)v->iov_base + n;
			v->iov_len -= n;
			return;
		}
		n -= v->iov_len;
		o->first++;
	}
}

struct msghdr *out_msg(struct out *o)
{
	memset(&o->msg, 0, sizeof(o->msg));
	o->msg.msg_iov = &o->iov[o->first];
	o->msg.msg_iovlen = o->niov - o->first;
	return &o->msg;
}
