/* Output chunks: copies coalesce, references do not copy, short sends leave
 * exactly the unsent bytes for the next sendmsg. */
#include "loop/out.h"

#include <criterion/criterion.h>
#include <string.h>

static struct out o;

static void setup(void)
{
	memset(&o, 0x5a, sizeof(o));
	out_reset(&o);
}

TestSuite(out, .init = setup);

static void copy(const char *s)
{
	size_t n = strlen(s);

	cr_assert(out_has_room(&o, n, 0));
	memcpy(out_tail(&o), s, n);
	out_commit(&o, n);
}

/* What sendmsg would send now. */
static size_t pending_bytes(char *buf, size_t cap)
{
	struct msghdr *m = out_msg(&o);
	size_t n = 0;

	cr_assert_null(m->msg_name);
	cr_assert_null(m->msg_control);
	cr_assert_eq(m->msg_flags, 0);
	for (size_t i = 0; i < m->msg_iovlen; i++) {
		cr_assert_leq(n + m->msg_iov[i].iov_len, cap);
		memcpy(buf + n, m->msg_iov[i].iov_base, m->msg_iov[i].iov_len);
		n += m->msg_iov[i].iov_len;
	}
	cr_assert_eq(n, o.pending, "msg holds %zu bytes, pending says %llu", n,
		     (unsigned long long)o.pending);
	return n;
}

static void expect_pending(const char *want)
{
	char buf[OUT_BYTES * 4];
	size_t n = pending_bytes(buf, sizeof(buf));

	cr_assert_eq(n, strlen(want), "%zu bytes pending, want %zu", n, strlen(want));
	cr_assert(!memcmp(buf, want, n), "pending '%.*s', want '%s'", (int)n, buf, want);
}

Test(out, starts_empty)
{
	cr_assert(out_empty(&o));
	cr_assert_eq(out_msg(&o)->msg_iovlen, 0);
	cr_assert_eq(out_tail(&o), o.data);
}

Test(out, copies_coalesce_references_do_not)
{
	static const char body[] = "BODY";

	copy("HTTP/1.1 200 OK\r\n");
	copy("\r\n");
	cr_assert_eq(o.niov, 1, "adjacent copies are one iovec");
	out_ref(&o, body, 4);
	cr_assert_eq(o.niov, 2);
	cr_assert_eq(o.iov[1].iov_base, body, "a reference is not copied");
	copy("next\r\n");
	cr_assert_eq(o.niov, 3, "a copy after a reference starts an iovec");
	copy("more");
	cr_assert_eq(o.niov, 3);
	out_ref(&o, body, 2);
	out_ref(&o, body + 2, 2);
	cr_assert_eq(o.niov, 5, "references are never merged");
	cr_assert_eq(o.used, 17 + 2 + 6 + 4);
	expect_pending("HTTP/1.1 200 OK\r\n\r\nBODYnext\r\nmoreBODY");
	cr_assert_not(out_empty(&o));
}

Test(out, short_sends_inside_and_across_iovecs)
{
	static const char ref[] = "0123456789";

	copy("abcde");
	out_ref(&o, ref, 10);
	copy("XYZ");
	expect_pending("abcde0123456789XYZ");
	out_consume(&o, 2); /* inside the first */
	expect_pending("cde0123456789XYZ");
	out_consume(&o, 3); /* exactly to its end */
	cr_assert_eq(o.first, 1);
	expect_pending("0123456789XYZ");
	out_consume(&o, 12); /* across a boundary, into the last */
	expect_pending("Z");
	cr_assert_eq(o.first, 2);
	out_consume(&o, 1);
	cr_assert(out_empty(&o));
	expect_pending("");
}

Test(out, consume_across_several_iovecs_at_once)
{
	static const char ref[] = "0123456789";

	copy("ab");
	out_ref(&o, ref, 3);
	copy("cd");
	out_ref(&o, ref + 3, 3);
	copy("ef");
	out_consume(&o, 2 + 3 + 2 + 1);
	expect_pending("45ef");
	cr_assert_eq(o.first, 3);
}

Test(out, room)
{
	cr_assert(out_has_room(&o, OUT_BYTES, OUT_IOVS - 1));
	cr_assert_not(out_has_room(&o, OUT_BYTES + 1, 0));
	cr_assert_not(out_has_room(&o, 0, OUT_IOVS));
	copy("x");
	cr_assert(out_has_room(&o, OUT_BYTES - 1, 0));
	cr_assert_not(out_has_room(&o, OUT_BYTES, 0));
	/* fill the iovecs with references: one is kept for a head */
	for (unsigned i = 1; i < OUT_IOVS - 1; i++)
		out_ref(&o, "r", 1);
	cr_assert_eq(o.niov, OUT_IOVS - 1);
	cr_assert(out_has_room(&o, 10, 0));
	cr_assert_not(out_has_room(&o, 10, 1));
}

/* A chunk filled to the brim is sent exactly. */
Test(out, full_chunk)
{
	static char want[OUT_BYTES + 1];
	size_t n = 0;

	while (out_has_room(&o, 100, 0)) {
		char *t = out_tail(&o);
		for (int i = 0; i < 100; i++)
			t[i] = want[n + i] = (char)('a' + (n + i) % 26);
		out_commit(&o, 100);
		n += 100;
	}
	cr_assert_eq(n, OUT_BYTES / 100 * 100);
	want[n] = 0;
	expect_pending(want);
}

/* Bytes committed after everything before them was sent are sent too. */
Test(out, commit_after_all_was_sent)
{
	copy("abc");
	out_consume(&o, 3);
	cr_assert(out_empty(&o));
	copy("de");
	expect_pending("de");
	out_ref(&o, "REF", 3);
	copy("f");
	expect_pending("deREFf");
}

/* What the owner counts on the chunk survives its being sent. */
Test(out, holds_page_outlives_the_send)
{
	copy("head");
	out_ref(&o, "page", 4);
	o.holds_page = 1;
	out_consume(&o, 8);
	cr_assert(out_empty(&o));
	cr_assert_eq(o.holds_page, 1);
	out_reset(&o);
	cr_assert_eq(o.holds_page, 0);
}

Test(out, commit_after_a_short_send)
{
	copy("abc");
	out_consume(&o, 1);
	copy("de");
	expect_pending("bcde");
}

/* Random copies, references and short sends against a byte queue. */
Test(out, against_a_model)
{
	static char model[1 << 20];
	static char buf[1 << 16];
	static char refdata[4096];
	size_t head = 0, tail = 0;
	uint32_t x = 99;

	for (size_t i = 0; i < sizeof(refdata); i++)
		refdata[i] = (char)(i * 7 + 3);
	for (int round = 0; round < 300; round++) {
		out_reset(&o);
		head = tail = 0;
		for (int step = 0; step < 200; step++) {
			uint32_t r;
			size_t n;

			x ^= x << 13, x ^= x >> 17, x ^= x << 5;
			r = x % 10;
			n = 1 + (x >> 8) % 300;
			if (r < 4 && out_has_room(&o, n, 0)) {
				char *t = out_tail(&o);
				for (size_t i = 0; i < n; i++)
					t[i] = model[tail++] = (char)(x + i);
				out_commit(&o, n);
			} else if (r < 7 && out_has_room(&o, 0, 1)) {
				size_t off = (x >> 4) % (sizeof(refdata) - n);
				memcpy(model + tail, refdata + off, n);
				tail += n;
				out_ref(&o, refdata + off, n);
			} else if (tail > head) {
				n = (x >> 12) % (tail - head + 1);
				out_consume(&o, n);
				head += n;
			}
			cr_assert_eq(o.pending, tail - head);
			cr_assert_eq(pending_bytes(buf, sizeof(buf)), tail - head);
			cr_assert(!memcmp(buf, model + head, tail - head), "round %d step %d", round,
				  step);
		}
	}
}
