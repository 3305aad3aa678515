/* Request parsing. Every case is parsed whole, a byte at a time and in random
 * splits (fixed seeds): the parser keeps no bytes, so where reads end must not
 * change a single event, status, position or extracted field. */
#include "http/request.h"
#include "http/text.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

static const struct http_limits lim = {
	.max_url_bytes = 64,
	.max_header_bytes = 512,
	.max_headers = 8,
	.max_body = 100,
};

#define MAX_EVENTS 64

struct event {
	enum http_event ev;
	uint16_t status;         /* HTTP_ERROR */
	size_t at;               /* input consumed when it was returned */
	struct http_request req; /* HTTP_DONE */
};

struct trace {
	struct event ev[MAX_EVENTS];
	int n;
	size_t consumed;
	int idle; /* between requests at the end */
};

enum split { WHOLE, BYTES, RANDOM };

static uint32_t rnd_state;

static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

/* Feeds in, cut into pieces, as a connection does: each piece until it is
 * used up, recording every event but HTTP_MORE; stops at an error after
 * checking that it sticks. */
static void feed(const char *in, size_t len, enum split how, uint32_t seed, struct trace *t)
{
	struct http_parser p;
	size_t off = 0;

	memset(t, 0, sizeof(*t));
	http_parser_init(&p, &lim);
	rnd_state = seed * 2654435761u + 1;
	while (off < len) {
		size_t piece = how == WHOLE ? len - off : how == BYTES ? 1 : 1 + rnd() % 23;
		size_t end = off + (piece < len - off ? piece : len - off);
		int calls = 0;

		while (off < end) {
			size_t used = (size_t)-1;
			enum http_event e = http_parse(&p, in + off, end - off, &used);

			cr_assert(++calls < 1000, "the parser makes no progress at %zu", off);
			cr_assert_leq(used, end - off);
			if (e == HTTP_MORE) {
				cr_assert_eq(used, end - off, "HTTP_MORE consumes everything");
				off = end;
				break;
			}
			off += used;
			cr_assert_lt(t->n, MAX_EVENTS);
			t->ev[t->n].ev = e;
			t->ev[t->n].at = off;
			if (e == HTTP_DONE)
				t->ev[t->n].req = p.req;
			if (e == HTTP_ERROR) {
				t->ev[t->n++].status = p.status;
				cr_assert_neq(p.status, 0);
				/* sticky: whatever comes next is refused too */
				cr_assert_eq(http_parse(&p, "GET / HTTP/1.1\r\n", 16, &used), HTTP_ERROR);
				cr_assert_eq(used, 0);
				cr_assert_eq(http_parse(&p, "", 0, &used), HTTP_ERROR);
				t->consumed = off;
				return;
			}
			t->n++;
		}
	}
	t->consumed = off;
	t->idle = http_parser_idle(&p);
}

static const char *event_name(enum http_event e)
{
	static const char *const names[] = { "MORE", "CONTINUE", "DONE", "ERROR" };
	return names[e];
}

static int trace_eq(const char *name, const char *how, const struct trace *a,
		    const struct trace *b)
{
	if (a->n != b->n) {
		cr_expect_fail("%s (%s): %d events, whole: %d", name, how, b->n, a->n);
		return 0;
	}
	for (int i = 0; i < a->n; i++) {
		const struct event *x = &a->ev[i], *y = &b->ev[i];
		if (x->ev != y->ev || x->status != y->status) {
			cr_expect_fail("%s (%s): event %d is %s %u, whole: %s %u", name, how, i,
				       event_name(y->ev), y->status, event_name(x->ev), x->status);
			return 0;
		}
		if (x->ev == HTTP_ERROR)
			continue; /* where an error stops is not part of the contract */
		if (x->at != y->at || memcmp(&x->req, &y->req, sizeof(x->req))) {
			cr_expect_fail("%s (%s): event %d at %zu, whole: %zu, or its request differs",
				       name, how, i, y->at, x->at);
			return 0;
		}
	}
	cr_expect_eq(a->idle, b->idle, "%s (%s)", name, how);
	return a->idle == b->idle;
}

/* Parses whole, then checks every split gives the same trace. */
static int run(const char *name, const char *in, size_t len, struct trace *t)
{
	struct trace s;

	feed(in, len, WHOLE, 0, t);
	feed(in, len, BYTES, 0, &s);
	if (!trace_eq(name, "byte by byte", t, &s))
		return 0;
	for (uint32_t seed = 1; seed <= 16; seed++) {
		char how[32];
		snprintf(how, sizeof(how), "random split %u", seed);
		feed(in, len, RANDOM, seed, &s);
		if (!trace_eq(name, how, t, &s))
			return 0;
	}
	return 1;
}

/* Expected events as letters: C continue, D done; then an error, or none. */
struct ecase {
	const char *name;
	const char *in;
	const char *events;
	uint16_t status; /* the final HTTP_ERROR, 0: none (all input consumed, idle) */
	size_t len;      /* 0: strlen(in) */
};

/* A case whose input holds NUL bytes. */
#define BIN(name, in, events, status) { name, in, events, status, sizeof(in) - 1 }

static void run_case(const struct ecase *c)
{
	struct trace t;
	size_t len = c->len ? c->len : strlen(c->in);
	size_t nev = strlen(c->events);

	if (!run(c->name, c->in, len, &t))
		return;
	if ((size_t)t.n != nev + (c->status != 0)) {
		cr_expect_fail("%s: %d events (last %s %u), want %zu%s", c->name, t.n,
			       t.n ? event_name(t.ev[t.n - 1].ev) : "-", t.n ? t.ev[t.n - 1].status : 0,
			       nev, c->status ? " and an error" : "");
		return;
	}
	for (size_t i = 0; i < nev; i++)
		cr_expect_eq(t.ev[i].ev, c->events[i] == 'C' ? HTTP_CONTINUE : HTTP_DONE,
			     "%s: event %zu is %s", c->name, i, event_name(t.ev[i].ev));
	if (c->status) {
		cr_expect_eq(t.ev[nev].ev, HTTP_ERROR, "%s: no error", c->name);
		cr_expect_eq(t.ev[nev].status, c->status, "%s: status %u, want %u", c->name,
			     t.ev[nev].status, c->status);
	} else {
		cr_expect_eq(t.consumed, len, "%s", c->name);
		cr_expect(t.idle, "%s: a request is left unfinished", c->name);
	}
}

static void run_cases(const struct ecase *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		run_case(&c[i]);
}

/* One complete request: its fields. */
static struct http_request parse1(const char *in)
{
	struct trace t;

	cr_assert(run(in, in, strlen(in), &t));
	cr_assert_eq(t.n, 1, "%s: %d events", in, t.n);
	cr_assert_eq(t.ev[0].ev, HTTP_DONE, "%s: %s (status %u)", in, event_name(t.ev[0].ev),
		     t.ev[0].status);
	cr_assert_eq(t.ev[0].at, strlen(in));
	return t.ev[0].req;
}

#define H11 " HTTP/1.1\r\nHost: a\r\n\r\n"

/* --- request line, query, routes ----------------------------------------- */

Test(http_request, methods)
{
	static const struct { const char *in; uint8_t method; } cases[] = {
		{ "GET /" H11, HTTP_GET },
		{ "HEAD /" H11, HTTP_HEAD },
		{ "POST /" H11, HTTP_POST },
		{ "PUT /" H11, HTTP_PUT },
		{ "DELETE /" H11, HTTP_DELETE },
		{ "OPTIONS *" H11, HTTP_OPTIONS },
		{ "PROPFIND /" H11, HTTP_PROPFIND },
		{ "M-SEARCH /" H11, HTTP_MSEARCH },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct http_request r = parse1(cases[i].in);
		cr_expect_eq(r.method, cases[i].method, "%s", cases[i].in);
		cr_expect_eq(r.version, 11, "%s", cases[i].in);
		cr_expect_eq(r.hosts, 1, "%s", cases[i].in);
		cr_expect_eq(r.has_body, 0, "%s", cases[i].in);
		cr_expect_eq(r.expect, HTTP_EXPECT_NONE, "%s", cases[i].in);
	}
}

struct qcase {
	const char *target;
	uint8_t route;
	uint8_t state;
	uint64_t length; /* HTTP_LENGTH_OK; UINT64_MAX: saturated (more than the text) */
};

static void run_query_cases(const struct qcase *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char in[256];
		struct http_request r;

		snprintf(in, sizeof(in), "GET %s" H11, c[i].target);
		r = parse1(in);
		cr_expect_eq(r.route, c[i].route, "%s: route %u", c[i].target, r.route);
		cr_expect_eq(r.length_state, c[i].state, "%s: length state %u", c[i].target,
			     r.length_state);
		if (c[i].state == HTTP_LENGTH_OK && c[i].length == UINT64_MAX)
			cr_expect_gt(r.length, HTTP_TEXT_MAX, "%s: %llu", c[i].target,
				     (unsigned long long)r.length);
		else if (c[i].state == HTTP_LENGTH_OK)
			cr_expect_eq(r.length, c[i].length, "%s: %llu", c[i].target,
				     (unsigned long long)r.length);
	}
}

#define TEXT HTTP_ROUTE_TEXT
#define ABSENT HTTP_LENGTH_ABSENT
#define OK HTTP_LENGTH_OK
#define BAD HTTP_LENGTH_BAD

Test(http_request, length_parameter)
{
	static const struct qcase cases[] = {
		{ "/", TEXT, ABSENT, 0 },
		{ "/?", TEXT, ABSENT, 0 },
		{ "/?a=1", TEXT, ABSENT, 0 },
		{ "/?length=5", TEXT, OK, 5 },
		{ "/?length=0", TEXT, OK, 0 },
		{ "/?length=0005", TEXT, OK, 5 },
		{ "/?length=10240", TEXT, OK, 10240 },
		{ "/?length=10241", TEXT, OK, 10241 },
		{ "/?length=18446744073709551615", TEXT, OK, UINT64_MAX },
		{ "/?length=18446744073709551617", TEXT, OK, UINT64_MAX }, /* 2^64 + 1 */
		{ "/?length=99999999999999999999999999999999999999", TEXT, OK, UINT64_MAX },
		{ "/?length=", TEXT, BAD, 0 },
		{ "/?length=-1", TEXT, BAD, 0 },
		{ "/?length=abc", TEXT, BAD, 0 },
		{ "/?length=1x", TEXT, BAD, 0 },
		{ "/?length=5=6", TEXT, BAD, 0 },
		{ "/?length", TEXT, BAD, 0 },
		{ "/?length&a=1", TEXT, BAD, 0 },
		{ "/?length#x", TEXT, BAD, 0 },
		{ "/?length=&a=1", TEXT, BAD, 0 },
		/* percent-encoding is decoded in keys and values */
		{ "/?%6cength=%31%30", TEXT, OK, 10 },
		{ "/?%6C%65ngth=1%30", TEXT, OK, 10 },
		{ "/?length=%", TEXT, BAD, 0 },
		{ "/?length=%3", TEXT, BAD, 0 },
		{ "/?length=%G5", TEXT, BAD, 0 },
		{ "/?length=%2D1", TEXT, BAD, 0 },
		/* '+' is not a digit, raw or encoded */
		{ "/?length=1+", TEXT, BAD, 0 },
		{ "/?length=+1", TEXT, BAD, 0 },
		{ "/?length=%2B1", TEXT, BAD, 0 },
		/* other parameters around it */
		{ "/?a=1&length=5&b=2", TEXT, OK, 5 },
		{ "/?a=1&length=5", TEXT, OK, 5 },
		{ "/?length=5&b=2", TEXT, OK, 5 },
		{ "/?&&length=5&&", TEXT, OK, 5 },
		{ "/?a=length&b=5", TEXT, ABSENT, 0 },
		{ "/?a&length=7", TEXT, OK, 7 },
		{ "/?xlength=5", TEXT, ABSENT, 0 },
		{ "/?lengthx=5", TEXT, ABSENT, 0 },
		{ "/?lengt=5", TEXT, ABSENT, 0 },
		{ "/?LENGTH=5", TEXT, ABSENT, 0 },
		{ "/?a=b=c&length=3", TEXT, OK, 3 },
		/* repeated: any bad one makes it bad, else the last counts */
		{ "/?length=5&length=7", TEXT, OK, 7 },
		{ "/?length=x&length=7", TEXT, BAD, 0 },
		{ "/?length=7&length=x", TEXT, BAD, 0 },
		/* fragments end the query */
		{ "/?length=5#frag", TEXT, OK, 5 },
		{ "/?length=5#&length=7", TEXT, OK, 5 },
		{ "/#?length=5", TEXT, ABSENT, 0 },
		{ "/?a=1#&length=5", TEXT, ABSENT, 0 },
		/* the path is not the query */
		{ "/length=5", TEXT, ABSENT, 0 },
	};

	run_query_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

/* A broken escape spoils its own key or value, not the delimiter after it. */
Test(http_request, broken_escape_keeps_the_delimiter)
{
	static const struct qcase cases[] = {
		{ "/?a=%&length=5", TEXT, OK, 5 },
		{ "/?a=%4&length=5", TEXT, OK, 5 },
		{ "/?a%&length=5", TEXT, OK, 5 },
		{ "/?length=5%", TEXT, BAD, 0 },
		{ "/?length=5%3", TEXT, BAD, 0 },
		{ "/?length=5%&a=1", TEXT, BAD, 0 },
		{ "/?length=7&a=%#&length=1", TEXT, OK, 7 },
	};

	run_query_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

Test(http_request, routes)
{
	static const struct qcase cases[] = {
		{ "/ws/echo", HTTP_ROUTE_WS_ECHO, ABSENT, 0 },
		{ "/ws/echo?length=3", HTTP_ROUTE_WS_ECHO, OK, 3 },
		{ "/ws/echo#x", HTTP_ROUTE_WS_ECHO, ABSENT, 0 },
		{ "/metrics", HTTP_ROUTE_METRICS, ABSENT, 0 },
		{ "/metrics?", HTTP_ROUTE_METRICS, ABSENT, 0 },
		{ "/ws/echo2", TEXT, ABSENT, 0 },
		{ "/ws/echo/", TEXT, ABSENT, 0 },
		{ "/ws/ech", TEXT, ABSENT, 0 },
		{ "/ws", TEXT, ABSENT, 0 },
		{ "/metric", TEXT, ABSENT, 0 },
		{ "/metricsx", TEXT, ABSENT, 0 },
		{ "/Metrics", TEXT, ABSENT, 0 },
		{ "//metrics", TEXT, ABSENT, 0 },
		{ "/", TEXT, ABSENT, 0 },
		{ "/index.html", TEXT, ABSENT, 0 },
		{ "/?length=3", TEXT, OK, 3 },
		/* absolute-form */
		{ "http://host:8000/ws/echo?length=3", HTTP_ROUTE_WS_ECHO, OK, 3 },
		{ "http://host?length=3", TEXT, OK, 3 },
		{ "http://host", TEXT, ABSENT, 0 },
		{ "http://host/metrics", HTTP_ROUTE_METRICS, ABSENT, 0 },
		{ "HTTP://HOST/metrics", HTTP_ROUTE_METRICS, ABSENT, 0 },
		{ "https://u@host:1/ws/echo", HTTP_ROUTE_WS_ECHO, ABSENT, 0 },
		{ "http://host/x?length=9#y", TEXT, OK, 9 },
	};

	run_query_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

Test(http_request, asterisk_form)
{
	static const struct ecase cases[] = {
		{ "GET *", "GET *" H11, "", 400, 0 },
		{ "HEAD *", "HEAD *" H11, "", 400, 0 },
		{ "OPTIONS *x", "OPTIONS *x" H11, "", 400, 0 },
		{ "GET *x", "GET *x" H11, "", 400, 0 },
		{ "OPTIONS **", "OPTIONS **" H11, "", 400, 0 },
	};
	struct http_request r = parse1("OPTIONS *" H11);

	cr_expect_eq(r.route, TEXT);
	cr_expect_eq(r.length_state, ABSENT);
	run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

/* A long query only costs the scanner: it keeps a few bytes of state. */
Test(http_request, target_at_the_url_limit)
{
	char in[256];
	struct http_request r;

	snprintf(in, sizeof(in), "GET /?a=%s&length=42" H11, "0123456789012345678901234567890123456789012345");
	cr_assert_eq(strlen("/?a=01234567890123456789012345678901234567890123456789&length=42"), 64);
	r = parse1(in);
	cr_expect_eq(r.length_state, OK);
	cr_expect_eq(r.length, 42);
}

/* --- connection persistence ---------------------------------------------- */

Test(http_request, keep_alive)
{
	static const struct { const char *in; uint8_t keep_alive, version; } cases[] = {
		{ "GET / HTTP/1.1\r\nHost: a\r\n\r\n", 1, 11 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", 0, 11 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nConnection: Close\r\n\r\n", 0, 11 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, close\r\n\r\n", 0, 11 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\n\r\n", 1, 11 },
		{ "GET / HTTP/1.0\r\n\r\n", 0, 10 },
		{ "GET / HTTP/1.0\r\nHost: a\r\n\r\n", 0, 10 },
		{ "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 1, 10 },
		{ "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", 1, 10 },
		{ "GET / HTTP/1.0\r\nConnection: close\r\n\r\n", 0, 10 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct http_request r = parse1(cases[i].in);
		cr_expect_eq(r.keep_alive, cases[i].keep_alive, "%s", cases[i].in);
		cr_expect_eq(r.version, cases[i].version, "%s", cases[i].in);
	}
}

/* RFC 9112 6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing:
 * the connection closes after it, whatever Connection says. */
Test(http_request, http10_transfer_encoding_closes)
{
	struct http_request r = parse1("POST / HTTP/1.0\r\nConnection: keep-alive\r\n"
				       "Transfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n");

	cr_expect_eq(r.version, 10);
	cr_expect_eq(r.keep_alive, 0);
}

/* --- pipelining ---------------------------------------------------------- */

Test(http_request, pipelined_requests_one_at_a_time)
{
	static const char in[] = "GET /?length=1 HTTP/1.1\r\nHost: a\r\n\r\n"
				 "HEAD /metrics HTTP/1.1\r\nHost: a\r\n\r\n"
				 "POST /ws/echo?length=3 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi"
				 "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
	size_t ends[4], off = 0;
	struct trace t;

	ends[0] = strstr(in, "HEAD") - in;
	ends[1] = strstr(in, "POST") - in;
	ends[2] = strstr(in, "hi") + 2 - in;
	ends[3] = sizeof(in) - 1;
	cr_assert(run("pipelined", in, sizeof(in) - 1, &t));
	cr_assert_eq(t.n, 4);
	for (int i = 0; i < 4; i++) {
		cr_expect_eq(t.ev[i].ev, HTTP_DONE);
		cr_expect_eq(t.ev[i].at, ends[i], "request %d ends at %zu, not %zu", i, ends[i],
			     t.ev[i].at);
	}
	cr_expect_eq(t.ev[0].req.length, 1);
	cr_expect_eq(t.ev[1].req.method, HTTP_HEAD);
	cr_expect_eq(t.ev[1].req.route, HTTP_ROUTE_METRICS);
	cr_expect_eq(t.ev[2].req.route, HTTP_ROUTE_WS_ECHO);
	cr_expect_eq(t.ev[2].req.length, 3);
	cr_expect_eq(t.ev[2].req.has_body, 1);
	cr_expect_eq(t.ev[3].req.keep_alive, 0);
	cr_expect_eq(t.ev[3].req.length_state, ABSENT);

	/* by hand: *used says where each request ends in one buffer */
	{
		struct http_parser p;
		size_t used;

		http_parser_init(&p, &lim);
		for (int i = 0; i < 4; i++) {
			cr_assert_eq(http_parse(&p, in + off, sizeof(in) - 1 - off, &used), HTTP_DONE);
			off += used;
			cr_assert_eq(off, ends[i]);
			cr_assert(http_parser_idle(&p));
		}
		cr_assert_eq(http_parse(&p, in + off, 0, &used), HTTP_MORE);
		cr_assert_eq(used, 0);
	}
}

Test(http_request, request_split_across_buffers)
{
	static const char a[] = "GET /?len", b[] = "gth=12 HTTP/1.1\r\nHo", c[] = "st: a\r\n\r";
	struct http_parser p;
	size_t used;

	http_parser_init(&p, &lim);
	cr_assert(http_parser_idle(&p));
	cr_assert_eq(http_parse(&p, a, sizeof(a) - 1, &used), HTTP_MORE);
	cr_assert_eq(used, sizeof(a) - 1);
	cr_assert_not(http_parser_idle(&p));
	cr_assert(p.in_head);
	cr_assert_eq(http_parse(&p, b, sizeof(b) - 1, &used), HTTP_MORE);
	cr_assert_eq(http_parse(&p, c, sizeof(c) - 1, &used), HTTP_MORE);
	cr_assert_eq(http_parse(&p, "\nGET", 4, &used), HTTP_DONE);
	cr_assert_eq(used, 1);
	cr_assert_eq(p.req.length, 12);
	cr_assert(http_parser_idle(&p));
	cr_assert_eq(http_parse(&p, "GET", 3, &used), HTTP_MORE);
	cr_assert_not(http_parser_idle(&p));
}

/* Empty lines before a request are allowed (RFC 9112 2.2). */
Test(http_request, empty_lines_before_a_request)
{
	static const struct ecase cases[] = {
		{ "CRLF before", "\r\nGET /" H11, "D", 0, 0 },
		{ "CRLF between", "GET /" H11 "\r\n\r\nGET /" H11, "DD", 0, 0 },
	};

	run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

/* --- bodies -------------------------------------------------------------- */

Test(http_request, bodies)
{
	static const struct ecase cases[] = {
		{ "content-length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello", "D", 0, 0 },
		{ "content-length 0", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", "D", 0, 0 },
		{ "content-length, next", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n"
			"GET /GET / HTTP/1.1\r\nHost: a\r\n\r\n", "DD", 0, 0 },
		{ "body that looks like a request", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 27\r\n\r\n"
			"GET / HTTP/1.1\r\nHost: a\r\n\r\n", "D", 0, 0 },
		{ "chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
			"5\r\nhello\r\n0\r\n\r\n", "D", 0, 0 },
		{ "chunked, extensions and trailers", "POST / HTTP/1.1\r\nHost: a\r\n"
			"Transfer-Encoding: chunked\r\n\r\n"
			"5;a=\"b;c\";d\r\nhello\r\nA;x=y\r\n0123456789\r\n0;last\r\n"
			"Trailer-One: 1\r\nTrailer-Two: 2\r\n\r\n"
			"GET / HTTP/1.1\r\nHost: a\r\n\r\n", "DD", 0, 0 },
		{ "chunked, upper-case size", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
			"A\r\n0123456789\r\n0\r\n\r\n", "D", 0, 0 },
		{ "gzip, chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
			"0\r\n\r\n", "D", 0, 0 },
		BIN("binary body", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\n\0\r\n\x01"
			"GET /" H11, "DD", 0),
	};

	run_cases(cases, sizeof(cases) / sizeof(cases[0]));
	{
		struct http_request r = parse1("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello");
		cr_expect_eq(r.has_body, 1);
		r = parse1("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n");
		cr_expect_eq(r.has_body, 0);
		r = parse1("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
		cr_expect_eq(r.has_body, 1);
	}
}

Test(http_request, body_is_parsed_not_kept_and_leaves_the_head)
{
	static const char head[] = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n";
	struct http_parser p;
	size_t used;

	http_parser_init(&p, &lim);
	cr_assert_eq(http_parse(&p, head, sizeof(head) - 1, &used), HTTP_MORE);
	cr_assert_not(p.in_head, "the head is complete: only the body is awaited");
	cr_assert_not(http_parser_idle(&p));
	cr_assert_eq(http_parse(&p, "01234", 5, &used), HTTP_MORE);
	cr_assert_eq(http_parse(&p, "56789GET", 8, &used), HTTP_DONE);
	cr_assert_eq(used, 5);
}

/* --- Expect -------------------------------------------------------------- */

Test(http_request, expect_continue)
{
	static const struct ecase cases[] = {
		{ "with a body", "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n"
			"Content-Length: 3\r\n\r\nabc", "CD", 0, 0 },
		{ "case-insensitive", "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\n"
			"Content-Length: 3\r\n\r\nabc", "CD", 0, 0 },
		{ "chunked", "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n"
			"Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", "CD", 0, 0 },
		{ "no body", "GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n", "D", 0, 0 },
		{ "empty body", "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n"
			"Content-Length: 0\r\n\r\n", "D", 0, 0 },
		{ "HTTP/1.0 ignores it", "POST / HTTP/1.0\r\nExpect: 100-continue\r\n"
			"Content-Length: 3\r\n\r\nabc", "D", 0, 0 },
		{ "pipelined", "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n"
			"Content-Length: 1\r\n\r\nx" "GET /" H11, "CDD", 0, 0 },
		{ "other expectation", "POST / HTTP/1.1\r\nHost: a\r\nExpect: foo\r\n"
			"Content-Length: 3\r\n\r\nabc", "", 417, 0 },
		{ "other expectation, no body", "GET / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n",
			"", 417, 0 },
		{ "100-continue with more", "GET / HTTP/1.1\r\nHost: a\r\n"
			"Expect: 100-continue, foo\r\n\r\n", "", 417, 0 },
	};
	struct http_parser p;
	static const char in[] = "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n"
				 "Content-Length: 3\r\n\r\n";
	size_t used;

	run_cases(cases, sizeof(cases) / sizeof(cases[0]));

	/* CONTINUE comes when the head ends, before any of the body */
	http_parser_init(&p, &lim);
	cr_assert_eq(http_parse(&p, in, sizeof(in) - 1, &used), HTTP_CONTINUE);
	cr_assert_eq(used, sizeof(in) - 1);
	cr_assert_eq(p.req.expect, HTTP_EXPECT_CONTINUE);
	cr_assert_eq(http_parse(&p, in, 0, &used), HTTP_MORE);
	cr_assert_eq(http_parse(&p, "abc", 3, &used), HTTP_DONE);
	cr_assert_eq(used, 3);
}

/* --- refused requests ---------------------------------------------------- */

Test(http_request, malformed_request_line)
{
	static const struct ecase cases[] = {
		{ "garbage", "\x01\x02", "", 400, 0 },
		{ "garbage then a request", "\x01\x02 / HTTP/1.1\r\nHost: a\r\n\r\n", "", 400, 0 },
		{ "space before the method", " GET /" H11, "", 400, 0 },
		{ "tab after the method", "GET\t/" H11, "", 400, 0 },
		{ "no target", "GET  HTTP/1.1\r\nHost: a\r\n\r\n", "", 400, 0 },
		{ "control char in the target", "GET /\x7f" H11, "", 400, 0 },
		BIN("NUL in the target", "GET /a\0b" H11, "", 400),
		{ "space in the target", "GET /a b" H11, "", 400, 0 },
		{ "nothing after the target", "GET / \r\nHost: a\r\n\r\n", "", 400, 0 },
		{ "lower-case protocol", "GET / http/1.1\r\nHost: a\r\n\r\n", "", 400, 0 },
		{ "RTSP", "GET / RTSP/1.0\r\n\r\n", "", 400, 0 },
		{ "ICE", "GET / ICE/1.0\r\n\r\n", "", 400, 0 },
		{ "RTSP method and protocol", "DESCRIBE / RTSP/1.0\r\n\r\n", "", 501, 0 },
		{ "version without minor", "GET / HTTP/1\r\nHost: a\r\n\r\n", "", 400, 0 },
		{ "version 1.10", "GET / HTTP/1.10\r\nHost: a\r\n\r\n", "", 400, 0 },
		{ "version 11.1", "GET / HTTP/11.1\r\nHost: a\r\n\r\n", "", 400, 0 },
		{ "version x.1", "GET / HTTP/x.1\r\nHost: a\r\n\r\n", "", 400, 0 },
		{ "space after the version", "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", "", 400, 0 },
		{ "bare CR after the version", "GET / HTTP/1.1\rHost: a\r\n\r\n", "", 400, 0 },
		{ "bare LF after the version", "GET / HTTP/1.1\nHost: a\r\n\r\n", "", 400, 0 },
		{ "bare LF everywhere", "GET / HTTP/1.1\nHost: a\n\n", "", 400, 0 },
	};

	run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

Test(http_request, unsupported_versions)
{
	static const struct ecase cases[] = {
		{ "HTTP/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", "", 505, 0 },
		{ "HTTP/3.0", "GET / HTTP/3.0\r\nHost: a\r\n\r\n", "", 505, 0 },
		{ "HTTP/1.2", "GET / HTTP/1.2\r\nHost: a\r\n\r\n", "", 505, 0 },
		{ "HTTP/0.9", "GET / HTTP/0.9\r\n\r\n", "", 505, 0 },
		{ "HTTP/9.9", "GET / HTTP/9.9\r\n\r\n", "", 505, 0 },
		{ "HTTP/0.9 style", "GET /\r\n", "", 505, 0 },
		{ "HTTP/0.9 style, blank line", "GET /\r\n\r\n", "", 505, 0 },
		{ "HTTP/0.9 style, LF", "GET /\n", "", 505, 0 },
		{ "HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "", 505, 0 },
		{ "HTTP/2 preface, request line", "PRI * HTTP/2.0\r\n", "", 505, 0 },
		{ "after a good request", "GET /" H11 "GET / HTTP/2.0\r\n", "D", 505, 0 },
	};

	run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

Test(http_request, unknown_methods)
{
	static const struct ecase cases[] = {
		{ "FOO", "FOO /" H11, "", 501, 0 },
		{ "lower-case get", "get /" H11, "", 501, 0 },
		{ "GETX", "GETX /" H11, "", 501, 0 },
		{ "GE, a prefix", "GE /" H11, "", 501, 0 },
		{ "P, a prefix", "P /" H11, "", 501, 0 },
		{ "PROPFINDX", "PROPFINDX /" H11, "", 501, 0 },
		{ "tchar method", "X-Y!~ /" H11, "", 501, 0 },
		{ "RTSP method", "DESCRIBE /" H11, "", 501, 0 },
		{ "RTSP method SETUP", "SETUP /" H11, "", 501, 0 },
		{ "PRI", "PRI /" H11, "", 501, 0 },
		{ "long token", "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQRSTUVWXYZ /" H11, "", 501, 0 },
		/* not a token: bad request, not an unknown method */
		{ "control char in the method", "G\x01T /" H11, "", 400, 0 },
		{ "bad char after a prefix", "GE\x01 /" H11, "", 400, 0 },
		{ "unknown then a bad char", "FO(O /" H11, "", 400, 0 },
		{ "unknown then CRLF", "FOO\r\n\r\n", "", 400, 0 },
		{ "after a good request", "GET /" H11 "FOO /" H11, "D", 501, 0 },
	};

	run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

Test(http_request, bad_headers)
{
	static const struct ecase cases[] = {
		{ "no Host in 1.1", "GET / HTTP/1.1\r\n\r\n", "", 400, 0 },
		{ "no Host, other headers", "GET / HTTP/1.1\r\nX: y\r\n\r\n", "", 400, 0 },
		{ "two Host", "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", "", 400, 0 },
		{ "two Host in 1.0", "GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n", "", 400, 0 },
		{ "space before the colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", "", 400, 0 },
		{ "tab before the colon", "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", "", 400, 0 },
		{ "no colon", "GET / HTTP/1.1\r\nHost: a\r\nX\r\n\r\n", "", 400, 0 },
		{ "empty name", "GET / HTTP/1.1\r\nHost: a\r\n: x\r\n\r\n", "", 400, 0 },
		{ "space before the first header", "GET / HTTP/1.1\r\n Host: a\r\n\r\n", "", 400, 0 },
		{ "obs-fold SP", "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n", "", 400, 0 },
		{ "obs-fold HTAB", "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n\tb\r\n\r\n", "", 400, 0 },
		{ "obs-fold of an empty value", "GET / HTTP/1.1\r\nHost: a\r\nX:\r\n b\r\n\r\n", "", 400, 0 },
		{ "obs-fold of Host", "GET / HTTP/1.1\r\nHost:\r\n a\r\n\r\n", "", 400, 0 },
		{ "obs-fold, only space", "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n \r\n\r\n", "", 400, 0 },
		BIN("NUL in a value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\0b\r\n\r\n", "", 400),
		{ "control char in a value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\x01" "b\r\n\r\n", "", 400, 0 },
		{ "DEL in a value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\x7f\r\n\r\n", "", 400, 0 },
		{ "ESC in a value", "GET / HTTP/1.1\r\nHost: a\r\nX: \x1b[0m\r\n\r\n", "", 400, 0 },
		{ "bare CR in a value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n", "", 400, 0 },
		{ "bare LF in a value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\nb\r\n\r\n", "", 400, 0 },
		BIN("NUL in a name", "GET / HTTP/1.1\r\nHost: a\r\nX\0Y: a\r\n\r\n", "", 400),
		{ "control char in a name", "GET / HTTP/1.1\r\nHost: a\r\nX\x01: a\r\n\r\n", "", 400, 0 },
		{ "space in a name", "GET / HTTP/1.1\r\nHost: a\r\nX Y: a\r\n\r\n", "", 400, 0 },
		{ "bad line end", "GET / HTTP/1.1\r\nHost: a\r\n\rX", "", 400, 0 },
	};

	run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

/* Values llhttp strict mode lets through: tab and obs-text. */
Test(http_request, tolerated_header_values)
{
	static const struct ecase cases[] = {
		{ "tab in a value", "GET / HTTP/1.1\r\nHost: a\r\nX: a\tb\r\n\r\n", "D", 0, 0 },
		{ "obs-text in a value", "GET / HTTP/1.1\r\nHost: a\r\nX: caf\xc3\xa9\r\n\r\n", "D", 0, 0 },
		{ "empty value", "GET / HTTP/1.1\r\nHost: a\r\nX:\r\n\r\n", "D", 0, 0 },
		{ "whitespace around", "GET / HTTP/1.1\r\nHost: a\r\nX: \t a \t\r\n\r\n", "D", 0, 0 },
	};

	run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

Test(http_request, bad_framing)
{
	static const struct ecase cases[] = {
		{ "CL and TE", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
			"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", "", 400, 0 },
		{ "TE and CL", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
			"Content-Length: 5\r\n\r\n0\r\n\r\n", "", 400, 0 },
		{ "two different CL", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
			"Content-Length: 6\r\n\r\nhello!", "", 400, 0 },
		/* RFC 9110 8.6 would allow identical ones; llhttp strict refuses them */
		{ "two identical CL", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
			"Content-Length: 5\r\n\r\nhello", "", 400, 0 },
		{ "CL list", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\nhello", "", 400, 0 },
		{ "CL negative", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", "", 400, 0 },
		{ "CL plus", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +1\r\n\r\nx", "", 400, 0 },
		{ "CL letters", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n", "", 400, 0 },
		{ "CL hex", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\n", "", 400, 0 },
		{ "CL two numbers", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 2\r\n\r\n", "", 400, 0 },
		{ "CL empty", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n", "", 400, 0 },
		{ "CL overflow", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 18446744073709551616\r\n\r\n",
			"", 400, 0 },
		{ "CL far overflow", "POST / HTTP/1.1\r\nHost: a\r\n"
			"Content-Length: 999999999999999999999999999999\r\n\r\n", "", 400, 0 },
		{ "TE gzip", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", "", 400, 0 },
		{ "TE identity", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n", "", 400, 0 },
		{ "TE chunked, gzip", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
			"", 400, 0 },
		{ "TE chunked then gzip", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
			"Transfer-Encoding: gzip\r\n\r\n", "", 400, 0 },
		{ "TE chunked, chunked", "POST / HTTP/1.1\r\nHost: a\r\n"
			"Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", "", 400, 0 },
		{ "chunk size letters", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
			"zz\r\n", "", 400, 0 },
		{ "chunk size negative", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
			"-1\r\n", "", 400, 0 },
		{ "chunk size 0x", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
			"0x5\r\n", "", 400, 0 },
		{ "chunk size empty", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
			"\r\n", "", 400, 0 },
		{ "chunk size with space", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
			"5 \r\nhello\r\n0\r\n\r\n", "", 400, 0 },
		{ "chunk size overflow", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
			"10000000000000000\r\n", "", 400, 0 },
		{ "chunk longer than its size", "POST / HTTP/1.1\r\nHost: a\r\n"
			"Transfer-Encoding: chunked\r\n\r\n5\r\nhelloX\r\n0\r\n\r\n", "", 400, 0 },
		{ "chunk without CRLF", "POST / HTTP/1.1\r\nHost: a\r\n"
			"Transfer-Encoding: chunked\r\n\r\n1\r\nx0\r\n\r\n", "", 400, 0 },
	};

	run_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

/* --- limits -------------------------------------------------------------- */

/* "GET / HTTP/1.1\r\nHost: a\r\nX: <pad>\r\n\r\n", total bytes long */
static size_t head_of(char *buf, size_t total, char pad)
{
	static const char pre[] = "GET / HTTP/1.1\r\nHost: a\r\nX: ";
	size_t n = sizeof(pre) - 1;

	memcpy(buf, pre, n);
	memset(buf + n, pad, total - n - 4);
	memcpy(buf + total - 4, "\r\n\r\n", 4);
	buf[total] = 0;
	return total;
}

Test(http_request, header_section_limit)
{
	char buf[4096];
	struct ecase c = { "head of max_header_bytes", buf, "D", 0, 0 };

	c.len = head_of(buf, lim.max_header_bytes, 'x');
	run_case(&c);
	c = (struct ecase){ "head one byte over", buf, "", 431, head_of(buf, lim.max_header_bytes + 1, 'x') };
	run_case(&c);
	c = (struct ecase){ "head far over", buf, "", 431, head_of(buf, 4000, 'x') };
	run_case(&c);
}

/* Whitespace llhttp reports to no callback still counts, in one read or in
 * many small ones (the random splits). */
Test(http_request, header_section_limit_counts_whitespace)
{
	char buf[4096];
	struct ecase c = { "value of spaces", buf, "", 431, 0 };
	size_t n;

	/* "X:    ...   b": leading whitespace of a value */
	n = head_of(buf, lim.max_header_bytes + 1, ' ');
	buf[n - 5] = 'b';
	c.len = n;
	run_case(&c);
	n = head_of(buf, 3000, ' ');
	buf[n - 5] = 'b';
	c.len = n;
	run_case(&c);
	/* exactly at the limit it is fine */
	n = head_of(buf, lim.max_header_bytes, ' ');
	buf[n - 5] = 'b';
	c = (struct ecase){ "value of spaces at the limit", buf, "D", 0, n };
	run_case(&c);
}

Test(http_request, header_section_limit_counts_blank_lines_before)
{
	char buf[4096];
	struct ecase c = { "CRLF flood", buf, "", 431, 0 };

	for (size_t i = 0; i < 600; i += 2)
		memcpy(buf + i, "\r\n", 2);
	c.len = 600;
	run_case(&c);
}

Test(http_request, header_count_limit)
{
	char buf[1024];
	size_t n = (size_t)sprintf(buf, "GET / HTTP/1.1\r\nHost: a\r\n");
	struct ecase c = { "max_headers lines", buf, "D", 0, 0 };

	for (unsigned i = 1; i < lim.max_headers; i++)
		n += (size_t)sprintf(buf + n, "X%u: y\r\n", i);
	strcpy(buf + n, "\r\n");
	run_case(&c);
	n += (size_t)sprintf(buf + n, "Z:\r\n\r\n");
	c = (struct ecase){ "one line over", buf, "", 431, 0 };
	run_case(&c);
}

Test(http_request, url_limit)
{
	char buf[1024], target[200];
	struct ecase c = { "target of max_url_bytes", buf, "D", 0, 0 };

	memset(target, 'a', sizeof(target));
	target[0] = '/';
	sprintf(buf, "GET %.*s" H11, (int)lim.max_url_bytes, target);
	run_case(&c);
	sprintf(buf, "GET %.*s" H11, (int)lim.max_url_bytes + 1, target);
	c = (struct ecase){ "one byte over", buf, "", 414, 0 };
	run_case(&c);
	sprintf(buf, "GET %.*s" H11, 199, target);
	c = (struct ecase){ "far over", buf, "", 414, 0 };
	run_case(&c);
	sprintf(buf, "GET %.*s", 199, target);
	c = (struct ecase){ "far over, target only", buf, "", 414, 0 };
	run_case(&c);
}

Test(http_request, body_limit)
{
	char body[256];
	char buf[1024];
	struct ecase c = { "content-length at max_body", buf, "D", 0, 0 };

	memset(body, 'b', sizeof(body));
	sprintf(buf, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n%.100s", body);
	run_case(&c);
	sprintf(buf, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 101\r\n\r\n%.101s", body);
	c = (struct ecase){ "content-length over", buf, "", 413, 0 };
	run_case(&c);
	sprintf(buf, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 18446744073709551615\r\n\r\n");
	c = (struct ecase){ "content-length 2^64-1", buf, "", 413, 0 };
	run_case(&c);
	sprintf(buf, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
		     "32\r\n%.50s\r\n32\r\n%.50s\r\n0\r\n\r\n", body, body);
	c = (struct ecase){ "chunked at max_body", buf, "D", 0, 0 };
	run_case(&c);
	sprintf(buf, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
		     "32\r\n%.50s\r\n33\r\n%.51s\r\n0\r\n\r\n", body, body);
	c = (struct ecase){ "chunked one byte over", buf, "", 413, 0 };
	run_case(&c);
	sprintf(buf, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
		     "fffffff\r\n%.100s", body);
	c = (struct ecase){ "one huge chunk", buf, "", 413, 0 };
	run_case(&c);
}

/* 413 is decided by the head: not one byte of the body is needed. */
Test(http_request, content_length_over_the_limit_is_refused_at_the_head)
{
	static const char head[] = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 101\r\n\r\n";
	static const char head_continue[] = "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n"
					    "Content-Length: 1000000\r\n\r\n";
	struct http_parser p;
	size_t used;

	http_parser_init(&p, &lim);
	cr_assert_eq(http_parse(&p, head, sizeof(head) - 1, &used), HTTP_ERROR);
	cr_assert_eq(p.status, 413);
	http_parser_init(&p, &lim);
	cr_assert_eq(http_parse(&p, head_continue, sizeof(head_continue) - 1, &used), HTTP_ERROR,
		     "no 100 Continue for a body that will be refused");
	cr_assert_eq(p.status, 413);
}

/* Trailers are a header section too: bounded in lines and bytes. */
Test(http_request, trailer_limits)
{
	char buf[2048], pad[600];
	struct ecase c = { "trailer over max_header_bytes", buf, "", 431, 0 };

	memset(pad, 'x', sizeof(pad));
	sprintf(buf, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
		     "0\r\nT: %.*s\r\n\r\n", (int)sizeof(pad), pad);
	run_case(&c);
	sprintf(buf, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
		     "0\r\nA: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\nE: 1\r\nF: 1\r\nG: 1\r\nH: 1\r\n\r\n");
	c = (struct ecase){ "too many header and trailer lines", buf, "", 431, 0 };
	run_case(&c);
}

/* Two faults in one request: the first in the bytes decides, whole or split,
 * also when llhttp refuses a byte inside a span it then never reports, or
 * decides only after the byte that is wrong. */
Test(http_request, first_fault_wins_in_every_split)
{
	char buf[2048], pad[700];
	struct ecase c;
	size_t n;

	memset(pad, 'a', sizeof(pad));
	/* a target over max_url_bytes, then a byte llhttp refuses */
	sprintf(buf, "GET /%.70s\x7f" H11, pad);
	c = (struct ecase){ "long target, then DEL", buf, "", 414, 0 };
	run_case(&c);
	/* a header line over max_headers, with a bad byte in its name */
	n = (size_t)sprintf(buf, "GET / HTTP/1.1\r\nHost: a\r\n");
	for (unsigned i = 1; i < lim.max_headers; i++)
		n += (size_t)sprintf(buf + n, "X%u: y\r\n", i);
	sprintf(buf + n, "Yy\x01: z\r\n\r\n");
	c = (struct ecase){ "a header too many, bad name", buf, "", 431, 0 };
	run_case(&c);
	/* a trailer over max_header_bytes, then a control byte */
	sprintf(buf, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
		     "0\r\nT: %.600s\x01\r\n\r\n", pad);
	c = (struct ecase){ "long trailer, then a control byte", buf, "", 431, 0 };
	run_case(&c);
	/* an unsupported version is refused at its digit, whatever follows */
	c = (struct ecase){ "HTTP/1.7 then bare LF", "POST / HTTP/1.7\n", "", 505, 0 };
	run_case(&c);
	c = (struct ecase){ "HTTP/3.0 then junk", "GET / HTTP/3.0x\r\n", "", 505, 0 };
	run_case(&c);
	/* llhttp refuses a form feed in the target once past it */
	c = (struct ecase){ "form feed in the target, then LF", "GET /a\x0c\n", "", 400, 0 };
	run_case(&c);
	c = (struct ecase){ "form feed in the target", "GET /a\x0c HTTP/1.1\r\nHost: a\r\n\r\n", "", 400, 0 };
	run_case(&c);
	/* an asterisk refused before the target grows too long */
	sprintf(buf, "GET *%.70s" H11, pad);
	c = (struct ecase){ "GET * and a long target", buf, "", 400, 0 };
	run_case(&c);
}

/* --- other fields -------------------------------------------------------- */

Test(http_request, websocket_fields)
{
	struct http_request r = parse1("GET /ws/echo HTTP/1.1\r\nHost: a\r\n"
				       "Connection: keep-alive, Upgrade\r\nUpgrade: h2c, WebSocket\r\n"
				       "Sec-WebSocket-Key:  dGhlIHNhbXBsZSBub25jZQ== \r\n"
				       "Sec-WebSocket-Version: 13\r\n\r\n");

	cr_expect_eq(r.route, HTTP_ROUTE_WS_ECHO);
	cr_expect_eq(r.upgrade_websocket, 1);
	cr_expect_eq(r.connection_upgrade, 1);
	cr_expect_eq(r.ws_keys, 1);
	cr_expect_eq(r.ws_key_len, 24);
	cr_expect(!memcmp(r.ws_key, "dGhlIHNhbXBsZSBub25jZQ==", 24));
	cr_expect_eq(r.ws_version, 13);

	r = parse1("GET /ws/echo HTTP/1.1\r\nHost: a\r\nUpgrade: websocketx\r\n"
		   "Sec-WebSocket-Version: 1x\r\n\r\n");
	cr_expect_eq(r.upgrade_websocket, 0);
	cr_expect_eq(r.connection_upgrade, 0);
	cr_expect_eq(r.ws_keys, 0);
	cr_expect_eq(r.ws_version, 255);
}

/* The error stays, and so does its status. */
Test(http_request, error_is_sticky)
{
	struct http_parser p;
	size_t used;

	http_parser_init(&p, &lim);
	cr_assert_eq(http_parse(&p, "GET / HTTP/1.1\r\n\r\n", 18, &used), HTTP_ERROR);
	cr_assert_eq(p.status, 400);
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(http_parse(&p, "GET /" H11, sizeof("GET /" H11) - 1, &used), HTTP_ERROR);
		cr_assert_eq(used, 0);
		cr_assert_eq(p.status, 400);
	}
}
