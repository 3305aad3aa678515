/* A connection's life over the recording fake loop: bytes in, exact answers
 * out, pausing for a slow reader, closing handshakes and timeouts. */
#include "fake_loop.h"
#include "http/text.h"
#include "server/conn.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

static struct worker w;
static struct server srv;
static struct conn *c;

static void setup(void)
{
	fake_worker(&w, &srv, 4);
	c = &w.conns[0];
	conn_open(&w, c);
}

static void teardown(void)
{
	fake_worker_free(&w);
}

TestSuite(conn, .init = setup, .fini = teardown);

static void recv_str(struct conn *k, const char *s)
{
	fake_recv(&w, k, s, strlen(s));
}

/* --- reading what was sent ------------------------------------------------ */

struct resp {
	unsigned status;
	size_t content_length; /* (size_t)-1: none */
	int close, keep_alive;
	const char *body;
	size_t body_len;
	char head[512];
};

/* Parses the response at fake.sent + *off; bodyless: a HEAD answer, or 1xx. */
static void next_resp(size_t *off, int bodyless, struct resp *r)
{
	const char *s = fake.sent + *off, *end;
	size_t left = fake.sent_len - *off, hlen;
	const char *cl;

	memset(r, 0, sizeof(*r));
	end = memmem(s, left, "\r\n\r\n", 4);
	cr_assert_not_null(end, "no complete response at %zu of %zu", *off, fake.sent_len);
	hlen = (size_t)(end - s) + 4;
	cr_assert_lt(hlen, sizeof(r->head));
	memcpy(r->head, s, hlen);
	cr_assert(!strncmp(r->head, "HTTP/1.1 ", 9), "not a status line: %.20s", r->head);
	r->status = (unsigned)atoi(r->head + 9);
	cl = strstr(r->head, "\r\nContent-Length: ");
	r->content_length = cl ? (size_t)strtoull(cl + 18, NULL, 10) : (size_t)-1;
	r->close = strstr(r->head, "\r\nConnection: close\r\n") != NULL;
	r->keep_alive = strstr(r->head, "\r\nConnection: keep-alive\r\n") != NULL;
	r->body = s + hlen;
	r->body_len = bodyless || !cl ? 0 : r->content_length;
	cr_assert_leq(hlen + r->body_len, left, "response cut short");
	*off += hlen + r->body_len;
}

static void expect_text_resp(size_t *off, size_t len)
{
	struct resp r;

	next_resp(off, 0, &r);
	cr_assert_eq(r.status, 200, "status %u at %zu", r.status, *off);
	cr_assert_eq(r.content_length, len, "length %zu, want %zu", r.content_length, len);
	cr_assert(!memcmp(r.body, http_text(), len));
}

static void expect_error_resp(size_t *off, unsigned status)
{
	struct resp r;
	char body[64];

	next_resp(off, 0, &r);
	cr_assert_eq(r.status, status, "status %u, want %u", r.status, status);
	cr_assert(r.close, "an error answer closes");
	snprintf(body, sizeof(body), "%u %s\n", status, http_reason(status));
	cr_assert_eq(r.body_len, strlen(body));
	cr_assert(!memcmp(r.body, body, r.body_len));
}

/* --- one request ---------------------------------------------------------- */

Test(conn, one_request_exact_bytes)
{
	char want[512];
	int n;

	cr_assert_eq(c->state, CONN_HTTP);
	cr_assert(conn_wants_input(c));
	recv_str(c, "GET /?length=5 HTTP/1.1\r\nHost: a\r\n\r\n");
	cr_assert_eq(fake.sends, 1);
	cr_assert_eq(fake.rbuf_puts, 1, "the receive buffer went back at once");
	cr_assert_eq(c->ctx, 0, "between requests a connection holds no parser");
	cr_assert_eq(w.ctxs.live, 0);
	fake_send_all(&w, c);
	n = snprintf(want, sizeof(want),
		     "HTTP/1.1 200 OK\r\nServer: ukit\r\nDate: %s\r\nContent-Type: text/plain\r\n"
		     "Content-Length: 5\r\n\r\nukit ",
		     w.date);
	cr_assert_eq(fake.sent_len, (size_t)n);
	cr_assert(!memcmp(fake.sent, want, (size_t)n), "sent:\n%.*s", (int)fake.sent_len, fake.sent);
	cr_assert_eq(c->state, CONN_HTTP);
	cr_assert_eq(c->out_sending, 0);
	cr_assert_eq(c->out_fill, 0);
	cr_assert_eq(w.outs.live, 0, "an idle connection holds no output chunk");
	cr_assert_eq(fake.closes, 0);
	cr_assert_eq(counter_read(&w.st.requests), 1);
	cr_assert_eq(counter_read(&w.st.responses[200 - STATUS_MIN]), 1);
}

Test(conn, http10_keep_alive_and_head)
{
	size_t off = 0;
	struct resp r;

	recv_str(c, "HEAD /?length=300 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
	fake_send_all(&w, c);
	next_resp(&off, 1, &r);
	cr_assert_eq(r.status, 200);
	cr_assert_eq(r.content_length, 300);
	cr_assert(r.keep_alive);
	cr_assert_eq(off, fake.sent_len, "no body after the head of a HEAD answer");
	cr_assert_eq(c->state, CONN_HTTP);
	recv_str(c, "GET / HTTP/1.0\r\n\r\n");
	fake_send_all(&w, c);
	next_resp(&off, 0, &r);
	cr_assert(r.close);
	cr_assert_eq(c->state, CONN_FREE, "the client chose to close and sent nothing more");
	cr_assert_eq(fake.shutdowns, 0);
}

Test(conn, short_sends)
{
	size_t off = 0;

	recv_str(c, "GET /?length=3000 HTTP/1.1\r\nHost: a\r\n\r\n");
	fake_send_some(&w, c, 10);
	cr_assert_eq(fake.sends, 2, "the rest is sent again");
	fake_send_some(&w, c, 1000);
	fake_send_some(&w, c, 1);
	fake_send_all(&w, c);
	expect_text_resp(&off, 3000);
	cr_assert_eq(off, fake.sent_len);
	cr_assert_eq(w.outs.live, 0);
}

Test(conn, request_split_over_reads)
{
	static const char req[] = "GET /?length=7 HTTP/1.1\r\nHost: a\r\n\r\n";
	size_t off = 0;

	for (size_t i = 0; i < sizeof(req) - 1; i++) {
		fake_recv(&w, c, req + i, 1);
		if (i < sizeof(req) - 2)
			cr_assert_neq(c->ctx, 0, "mid-request the parser is kept");
	}
	cr_assert_eq(c->ctx, 0);
	fake_send_all(&w, c);
	expect_text_resp(&off, 7);
}

Test(conn, expect_100_continue)
{
	size_t off = 0;
	struct resp r;

	recv_str(c, "POST /?length=4 HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n"
		    "Content-Length: 3\r\n\r\n");
	cr_assert_eq(fake.sends, 1, "100 Continue is sent before the body comes");
	fake_send_all(&w, c);
	cr_assert_eq(fake.sent_len, 25);
	cr_assert(!memcmp(fake.sent, "HTTP/1.1 100 Continue\r\n\r\n", 25));
	off = 25;
	recv_str(c, "abc");
	fake_send_all(&w, c);
	next_resp(&off, 0, &r);
	cr_assert_eq(r.status, 200);
	cr_assert_eq(r.content_length, 4);
	cr_assert_eq(counter_read(&w.st.responses[100 - STATUS_MIN]), 1);
}

/* --- pipelining ----------------------------------------------------------- */

Test(conn, fifty_pipelined_requests)
{
	char in[4096];
	size_t n = 0, off = 0;
	int sends;

	for (int i = 1; i <= 50; i++)
		n += (size_t)sprintf(in + n, "GET /?length=%d HTTP/1.1\r\nHost: a\r\n\r\n", i);
	cr_assert_leq(n, RBUF_SIZE, "one receive");
	fake_recv(&w, c, in, n);
	cr_assert_eq(counter_read(&w.st.requests), 50);
	for (sends = 0; fake.send_pending; sends++)
		fake_send_all(&w, c);
	cr_assert_leq(sends, 2, "%d sends for 50 answers", sends);
	for (int i = 1; i <= 50; i++)
		expect_text_resp(&off, (size_t)i);
	cr_assert_eq(off, fake.sent_len);
	cr_assert_eq(c->ctx, 0);
	cr_assert_eq(w.outs.live, 0);
	cr_assert_eq(c->state, CONN_HTTP);
}

/* A reader that does not read: input stops once two chunks are full, and
 * what arrives meanwhile is held, not parsed; memory stays bounded. When the
 * reader reads, everything is answered, in order. */
Test(conn, backpressure)
{
	enum { N = 3000 };
	static char in[N * 48];
	size_t n = 0, fed = 0, off = 0;
	uint32_t x = 7;

	for (int i = 0; i < N; i++)
		n += (size_t)sprintf(in + n, "GET /?length=%d HTTP/1.1\r\nHost: a\r\n\r\n", 1 + i % 997);
	/* the loop receives while the connection wants input; nothing is sent */
	while (conn_wants_input(c) && fed < n) {
		size_t k = n - fed < 1000 ? n - fed : 1000;
		fake_recv(&w, c, in + fed, k);
		fed += k;
	}
	cr_assert_lt(fed, n, "input should have paused");
	cr_assert_eq(fake.recv_stops, 1);
	cr_assert(c->flags & CONN_PAUSED);
	cr_assert_eq(w.outs.live, 2, "at most two output chunks");
	cr_assert_eq(fake.sends, 1);
	/* a receive already on its way when input stopped is held */
	{
		size_t k = 1000;
		uint64_t reqs = counter_read(&w.st.requests);
		fake_recv(&w, c, in + fed, k);
		fed += k;
		cr_assert_eq(counter_read(&w.st.requests), reqs, "held input is not parsed");
		cr_assert_neq(c->held.head, 0);
	}
	/* the reader reads, sometimes a little at a time */
	while (fed < n || fake.send_pending) {
		cr_assert_leq(w.outs.live, 2);
		cr_assert_leq(w.ctxs.live, 1);
		if (conn_wants_input(c) && fed < n) {
			size_t k = n - fed < 1000 ? n - fed : 1000;
			fake_recv(&w, c, in + fed, k);
			fed += k;
			continue;
		}
		cr_assert(fake.send_pending, "stalled: no send and no input wanted");
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		if (x % 3 == 0)
			fake_send_some(&w, c, 1 + x % 5000);
		else
			fake_send_all(&w, c);
	}
	cr_assert_eq(counter_read(&w.st.requests), N);
	for (int i = 0; i < N; i++)
		expect_text_resp(&off, (size_t)(1 + i % 997));
	cr_assert_eq(off, fake.sent_len);
	cr_assert_geq(fake.recv_starts, 1);
	cr_assert_eq(c->held.head, 0);
	cr_assert_eq(c->ctx, 0);
	cr_assert_eq(w.outs.live, 0);
	cr_assert_eq(w.ctxs.live, 0);
	cr_assert(conn_wants_input(c));
	cr_assert_eq(c->state, CONN_HTTP);
	cr_assert_lt(fake.sends, N / 10, "%d sends for %d answers", fake.sends, N);
}

/* --- closing -------------------------------------------------------------- */

Test(conn, connection_close_then_linger_then_eof)
{
	size_t off = 0;
	struct resp r;

	recv_str(c, "GET /?length=2 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
		    "GET /?length=3 HTTP/1.1\r\nHost: a\r\n\r\n");
	cr_assert_eq(c->state, CONN_DRAIN);
	cr_assert_eq(counter_read(&w.st.requests), 1, "nothing after a closing request is answered");
	cr_assert_eq(c->ctx, 0);
	recv_str(c, "GET /?length=4 HTTP/1.1\r\nHost: a\r\n\r\n");
	cr_assert_eq(counter_read(&w.st.requests), 1);
	cr_assert_eq(fake.shutdowns, 0, "the answer is sent first");
	fake_send_all(&w, c);
	next_resp(&off, 0, &r);
	cr_assert_eq(r.status, 200);
	cr_assert(r.close);
	cr_assert_eq(r.content_length, 2);
	cr_assert_eq(off, fake.sent_len, "nothing after the closing answer");
	/* lingering close: our side shut, input read and dropped until EOF */
	cr_assert_eq(c->state, CONN_LINGER);
	cr_assert_eq(fake.shutdowns, 1);
	cr_assert(conn_wants_input(c));
	cr_assert_eq(fake.closes, 0);
	recv_str(c, "more junk");
	cr_assert_eq(fake.sends, 1);
	cr_assert_eq(fake.closes, 0);
	conn_eof(&w, c);
	cr_assert_eq(fake.closes, 1);
	cr_assert_eq(c->state, CONN_FREE);
	cr_assert_eq(counter_read(&w.st.closed[CLOSE_SERVER]), 1);
	cr_assert_eq(w.nopen, 0);
	cr_assert_eq(srv.open, 0);
	cr_assert_eq(w.outs.live, 0);
	cr_assert_eq(w.ctxs.live, 0);
}

Test(conn, client_close_with_nothing_after_closes_without_linger)
{
	size_t off = 0;

	recv_str(c, "GET /?length=5 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
	fake_send_all(&w, c);
	expect_text_resp(&off, 5);
	cr_assert_eq(fake.shutdowns, 0, "no shutdown: nothing more will arrive");
	cr_assert_eq(fake.closes, 1);
	cr_assert_eq(c->state, CONN_FREE);
	cr_assert_eq(counter_read(&w.st.closed[CLOSE_SERVER]), 1);
}

Test(conn, input_arriving_while_the_closing_answer_drains_makes_it_linger)
{
	recv_str(c, "GET /?length=5 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
	cr_assert_eq(c->state, CONN_DRAIN);
	recv_str(c, "GET / HTTP/1.1\r\n"); /* against RFC 9112 9.6, but it happens */
	fake_send_all(&w, c);
	cr_assert_eq(c->state, CONN_LINGER);
	cr_assert_eq(fake.shutdowns, 1);
}

Test(conn, server_decided_close_lingers)
{
	recv_str(c, "GET / HTTP/1.1\r\n\r\n"); /* no Host: 400, our decision */
	fake_send_all(&w, c);
	cr_assert_eq(c->state, CONN_LINGER);
	cr_assert_eq(fake.shutdowns, 1);
}

Test(conn, linger_ends_by_timeout)
{
	/* bytes after the closing request: they must not turn our close into a reset */
	recv_str(c, "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET");
	fake_send_all(&w, c);
	cr_assert_eq(c->state, CONN_LINGER);
	fake_tick(&w, 1);
	cr_assert_eq(fake.closes, 0);
	fake_tick(&w, 2);
	cr_assert_eq(fake.closes, 1);
	cr_assert_eq(c->state, CONN_FREE);
}

Test(conn, bad_request_then_drain)
{
	size_t off = 0;

	recv_str(c, "GET /?length=1 HTTP/1.1\r\nHost: a\r\n\r\n\x01\x02 / HTTP/1.1\r\n\r\n"
		    "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
	cr_assert_eq(c->state, CONN_DRAIN);
	cr_assert_eq(c->ctx, 0);
	recv_str(c, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
	while (fake.send_pending)
		fake_send_all(&w, c);
	expect_text_resp(&off, 1);
	expect_error_resp(&off, 400);
	cr_assert_eq(off, fake.sent_len);
	cr_assert_eq(counter_read(&w.st.requests), 1);
	cr_assert_eq(counter_read(&w.st.responses[400 - STATUS_MIN]), 1);
	cr_assert_eq(c->state, CONN_LINGER);
	cr_assert_eq(fake.shutdowns, 1);
}

Test(conn, error_statuses_reach_the_peer)
{
	static const struct { const char *in; unsigned status; } cases[] = {
		{ "GET / HTTP/1.1\r\n\r\n", 400 },
		{ "FOO / HTTP/1.1\r\nHost: a\r\n\r\n", 501 },
		{ "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505 },
		{ "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2000000\r\n\r\n", 413 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nExpect: x\r\n\r\n", 417 },
		{ "DELETE / HTTP/1.1\r\nHost: a\r\n\r\n", 405 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t off = fake.sent_len;
		struct conn *k = &w.conns[1];

		conn_open(&w, k);
		recv_str(k, cases[i].in);
		fake_send_all(&w, k);
		expect_error_resp(&off, cases[i].status);
		cr_assert_eq(k->state, CONN_LINGER, "%s", cases[i].in);
		conn_eof(&w, k);
		cr_assert_eq(k->state, CONN_FREE);
	}
}

Test(conn, half_close_after_a_request)
{
	size_t off = 0;

	recv_str(c, "GET /?length=9 HTTP/1.1\r\nHost: a\r\n\r\n");
	conn_eof(&w, c);
	cr_assert_eq(fake.closes, 0, "the answer is still on its way");
	cr_assert_not(conn_wants_input(c));
	fake_send_all(&w, c);
	expect_text_resp(&off, 9);
	cr_assert_eq(fake.closes, 1);
	cr_assert_eq(fake.shutdowns, 0, "the peer is done: a plain close");
	cr_assert_eq(c->state, CONN_FREE);
	cr_assert_eq(counter_read(&w.st.closed[CLOSE_PEER]), 1);
}

Test(conn, half_close_while_paused)
{
	enum { N = 200 };
	static char in[N * 48];
	size_t n = 0, off = 0;

	for (int i = 0; i < N; i++)
		n += (size_t)sprintf(in + n, "GET /?length=%d HTTP/1.1\r\nHost: a\r\n\r\n", i + 1);
	fake_recv(&w, c, in, n); /* all of it arrives, then the peer shuts */
	conn_eof(&w, c);
	cr_assert(c->flags & CONN_PAUSED);
	while (fake.send_pending)
		fake_send_all(&w, c);
	for (int i = 0; i < N; i++)
		expect_text_resp(&off, (size_t)i + 1);
	cr_assert_eq(off, fake.sent_len);
	cr_assert_eq(fake.closes, 1);
	cr_assert_eq(c->state, CONN_FREE);
}

Test(conn, eof_when_idle_closes)
{
	recv_str(c, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
	fake_send_all(&w, c);
	conn_eof(&w, c);
	cr_assert_eq(fake.closes, 1);
	cr_assert_eq(c->state, CONN_FREE);
}

Test(conn, eof_mid_request_closes)
{
	recv_str(c, "GET / HTTP/1.1\r\nHo");
	conn_eof(&w, c);
	cr_assert_eq(fake.closes, 1);
	cr_assert_eq(fake.sent_len, 0);
	cr_assert_eq(w.ctxs.live, 0);
}

Test(conn, error_closes_at_once)
{
	recv_str(c, "GET /?length=100 HTTP/1.1\r\nHost: a\r\n\r\nGET / HT");
	cr_assert(fake.send_pending);
	conn_error(&w, c, 104);
	cr_assert_eq(fake.closes, 1);
	cr_assert_eq(c->state, CONN_FREE);
	cr_assert_eq(counter_read(&w.st.closed[CLOSE_RESET]), 1);
	cr_assert_eq(w.outs.live, 0);
	cr_assert_eq(w.ctxs.live, 0);
	cr_assert_eq(srv.open, 0);
	conn_error(&w, c, 104); /* a late second error changes nothing */
	cr_assert_eq(fake.closes, 1);
}

Test(conn, failed_send_closes)
{
	recv_str(c, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
	fake.send_pending = 0;
	conn_sent(&w, c, -32);
	cr_assert_eq(fake.closes, 1);
	cr_assert_eq(w.outs.live, 0);
}

/* N pipelined requests, the one at index last ending the connection with
 * tail; all of it arrives before the reader reads, so the end is held. */
static size_t pipeline_with_end(char *in, int n, int last, const char *tail)
{
	size_t len = 0;

	for (int i = 0; i < n; i++) {
		if (i == last)
			len += (size_t)sprintf(in + len, "%s", tail);
		else
			len += (size_t)sprintf(in + len, "GET /?length=%d HTTP/1.1\r\nHost: a\r\n\r\n", i + 1);
	}
	return len;
}

/* The end of the connection (a closing request, a bad one) inside held
 * input: conn_drain() gives the held buffers back while conn_resume() is
 * feeding one of them. (Before the connection core was split, conn_resume()
 * then unheld from the emptied list, read next[0xffffffff] and crashed.) */
Test(conn, close_inside_held_input)
{
	enum { N = 200, LAST = 150 };
	static char in[N * 64];
	size_t n, off = 0, bufs;
	struct resp r;

	n = pipeline_with_end(in, N, LAST, "GET /?length=7 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
	bufs = (n + RBUF_SIZE - 1) / RBUF_SIZE;
	fake_recv(&w, c, in, n);
	cr_assert(c->flags & CONN_PAUSED);
	cr_assert_neq(c->held.head, 0);
	while (fake.send_pending)
		fake_send_all(&w, c);
	for (int i = 0; i < LAST; i++)
		expect_text_resp(&off, (size_t)i + 1);
	next_resp(&off, 0, &r);
	cr_assert(r.close);
	cr_assert_eq(r.content_length, 7);
	cr_assert_eq(off, fake.sent_len);
	cr_assert_eq(c->state, CONN_LINGER);
	cr_assert_eq(fake.rbuf_puts, (int)bufs, "each buffer given back once");
}

Test(conn, bad_request_inside_held_input)
{
	enum { N = 200, LAST = 150 };
	static char in[N * 64];
	size_t n, off = 0, bufs;

	n = pipeline_with_end(in, N, LAST, "GET / HTTP/1.1\r\n\r\n");
	bufs = (n + RBUF_SIZE - 1) / RBUF_SIZE;
	fake_recv(&w, c, in, n);
	cr_assert(c->flags & CONN_PAUSED);
	while (fake.send_pending)
		fake_send_all(&w, c);
	for (int i = 0; i < LAST; i++)
		expect_text_resp(&off, (size_t)i + 1);
	expect_error_resp(&off, 400);
	cr_assert_eq(c->state, CONN_LINGER);
	cr_assert_eq(fake.rbuf_puts, (int)bufs, "each buffer given back once");
}

/* --- memory between requests ---------------------------------------------- */

Test(conn, idle_connections_hold_no_parser)
{
	recv_str(c, "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\n");
	cr_assert_neq(c->ctx, 0, "a request has begun");
	recv_str(c, "Host: a\r\n\r\n");
	cr_assert_eq(c->ctx, 0);
	recv_str(c, "\r\n"); /* an empty line is not a request */
	cr_assert_eq(c->ctx, 0);
	while (fake.send_pending)
		fake_send_all(&w, c);
	cr_assert_eq(c->ctx, 0);
	cr_assert_eq(w.ctxs.live, 0);
	cr_assert_eq(w.outs.live, 0);
	cr_assert_eq(fake.rbuf_puts, 3);
}

/* --- timeouts ------------------------------------------------------------- */

Test(conn, header_timeout_is_408)
{
	size_t off = 0;

	recv_str(c, "GET / HTTP/1.1\r\nHo");
	fake_tick(&w, 9);
	cr_assert_eq(fake.sends, 0);
	fake_tick(&w, 10);
	cr_assert_eq(fake.sends, 1);
	cr_assert_eq(c->state, CONN_DRAIN);
	fake_send_all(&w, c);
	expect_error_resp(&off, 408);
	cr_assert_eq(c->state, CONN_LINGER);
	cr_assert_eq(counter_read(&w.st.closed[CLOSE_TIMEOUT]), 0, "answered, not dropped");
}

/* The head must be complete in time however its bytes trickle in. */
Test(conn, header_timeout_is_not_reset_by_trickling_bytes)
{
	size_t off = 0;

	fake_tick(&w, 1);
	recv_str(c, "GET / HTTP/1.1\r\n");
	for (uint32_t t = 2; t < 11; t++) {
		fake_tick(&w, t);
		recv_str(c, "X: y\r\n");
	}
	cr_assert_eq(fake.sends, 0);
	fake_tick(&w, 11);
	cr_assert_eq(fake.sends, 1);
	fake_send_all(&w, c);
	expect_error_resp(&off, 408);
}

/* Each request gets the whole header timeout, counted from its first byte. */
Test(conn, header_timeout_per_request)
{
	size_t off = 0;

	recv_str(c, "GET /?length=1 HTTP/1.1\r\nHost: a\r\n\r\n");
	fake_send_all(&w, c);
	fake_tick(&w, 30);
	recv_str(c, "GET / HTTP/1.1\r\nHost: a\r\n");
	fake_tick(&w, 39);
	cr_assert_eq(fake.sends, 1);
	fake_tick(&w, 40);
	cr_assert_eq(fake.sends, 2);
	fake_send_all(&w, c);
	expect_text_resp(&off, 1);
	expect_error_resp(&off, 408);
}

/* A finished send must not replace the header timeout of a request being
 * received with the (longer) idle timeout. */
Test(conn, header_timeout_survives_a_finished_send)
{
	size_t off = 0;

	recv_str(c, "GET /?length=1 HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHo");
	fake_send_all(&w, c); /* the first answer is out; the second head is pending */
	fake_tick(&w, 10);
	cr_assert_eq(fake.sends, 2, "no 408 at the header timeout");
	fake_send_all(&w, c);
	expect_text_resp(&off, 1);
	expect_error_resp(&off, 408);
}

Test(conn, idle_timeout_closes_silently)
{
	recv_str(c, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
	fake_send_all(&w, c);
	fake_tick(&w, 59);
	cr_assert_eq(fake.closes, 0);
	fake_tick(&w, 60);
	cr_assert_eq(fake.closes, 1);
	cr_assert_eq(fake.sends, 1, "no answer to an idle connection");
	cr_assert_eq(c->state, CONN_FREE);
	cr_assert_eq(counter_read(&w.st.closed[CLOSE_TIMEOUT]), 1);
}

Test(conn, silent_new_connection_closes_at_the_header_timeout)
{
	fake_tick(&w, 9);
	cr_assert_eq(fake.closes, 0);
	fake_tick(&w, 10);
	cr_assert_eq(fake.closes, 1);
	cr_assert_eq(fake.sends, 0, "no request began: no 408");
}

Test(conn, slow_body_is_408_at_the_idle_timeout)
{
	size_t off = 0;

	recv_str(c, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc");
	fake_tick(&w, 59);
	cr_assert_eq(fake.sends, 0, "a body gets the idle timeout, not the header one");
	fake_tick(&w, 60);
	cr_assert_eq(fake.sends, 1);
	fake_send_all(&w, c);
	expect_error_resp(&off, 408);
}

Test(conn, reader_that_never_reads_is_closed)
{
	recv_str(c, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
	cr_assert(fake.send_pending);
	fake_tick(&w, 60);
	cr_assert_eq(fake.closes, 1);
}

/* --- limits --------------------------------------------------------------- */

Test(conn, over_max_conns_is_503)
{
	struct conn *k = &w.conns[1];
	size_t off = 0;

	srv.cfg.max_conns = 1;
	conn_open(&w, k);
	cr_assert_eq(fake.sends, 1, "answered at once");
	cr_assert_eq(counter_read(&w.st.refused), 1);
	cr_assert_eq(k->state, CONN_DRAIN);
	recv_str(k, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
	cr_assert_eq(counter_read(&w.st.requests), 0, "its requests are not read");
	fake_send_all(&w, k);
	expect_error_resp(&off, 503);
	cr_assert_eq(k->state, CONN_LINGER);
	conn_eof(&w, k);
	cr_assert_eq(k->state, CONN_FREE);
	cr_assert_eq(srv.open, 1);
	/* the first one is served */
	recv_str(c, "GET /?length=2 HTTP/1.1\r\nHost: a\r\n\r\n");
	fake_send_all(&w, c);
	expect_text_resp(&off, 2);
	/* and once it is gone there is room again */
	conn_error(&w, c, 104);
	conn_open(&w, k);
	cr_assert_eq(counter_read(&w.st.refused), 1);
	cr_assert_eq(k->state, CONN_HTTP);
}

/* --- /metrics ------------------------------------------------------------- */

/* Answers point into the worker's page: while one is unsent, a scrape gets
 * the same page again; once all are sent, the next scrape renders anew. */
Test(conn, metrics_page_is_kept_until_sent)
{
	static const char scrape[] = "GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n";
	size_t off = 0;
	struct resp r1, r2, r3;

	srv.workers = &w;
	srv.nworkers = 1;
	recv_str(c, scrape);
	cr_assert_eq(w.metrics_refs, 1);
	recv_str(c, scrape);
	cr_assert_eq(w.metrics_refs, 2);
	while (fake.send_pending)
		fake_send_all(&w, c);
	cr_assert_eq(w.metrics_refs, 0, "every reference settled once sent");
	next_resp(&off, 0, &r1);
	next_resp(&off, 0, &r2);
	cr_assert_eq(r1.status, 200);
	cr_assert(strstr(r1.head, "\r\nContent-Type: text/plain; version=0.0.4\r\n"));
	cr_assert(memmem(r1.body, r1.body_len, "ukit_requests_total{thread=\"0\"} 1\n", 34));
	cr_assert_eq(r1.body_len, r2.body_len);
	cr_assert(!memcmp(r1.body, r2.body, r1.body_len), "the same page, not a new one");
	recv_str(c, scrape);
	fake_send_all(&w, c);
	next_resp(&off, 0, &r3);
	cr_assert(memmem(r3.body, r3.body_len, "ukit_requests_total{thread=\"0\"} 3\n", 34));
	cr_assert_eq(w.metrics_refs, 0);
}

/* --- stopping ------------------------------------------------------------- */

Test(conn, stop_closes_idle_and_finishes_the_rest)
{
	struct conn *k = &w.conns[1];
	size_t off = 0;
	struct resp r;

	conn_open(&w, k);
	recv_str(k, "GET / HTTP/1.1\r\nHo"); /* mid-request */
	worker_stop(&w);
	cr_assert_eq(fake.accept_stops, 1);
	cr_assert_eq(c->state, CONN_FREE, "an idle connection closes at once");
	cr_assert_eq(counter_read(&w.st.closed[CLOSE_SHUTDOWN]), 1);
	cr_assert_eq(k->state, CONN_HTTP);
	recv_str(k, "st: a\r\n\r\n");
	fake_send_all(&w, k);
	next_resp(&off, 0, &r);
	cr_assert_eq(r.status, 200);
	cr_assert(r.close, "the last answer says close");
	cr_assert_eq(k->state, CONN_LINGER);
}

Test(conn, stop_deadline_closes_everything)
{
	recv_str(c, "GET / HTTP/1.1\r\nHo");
	worker_stop(&w);
	fake_tick(&w, srv.cfg.grace - 1);
	cr_assert_eq(c->state, CONN_HTTP);
	fake_tick(&w, srv.cfg.grace);
	cr_assert_eq(c->state, CONN_FREE);
}
