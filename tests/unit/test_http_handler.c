/* The request → answer decision: statuses, lengths, bodies and the
 * Connection header, for requests parsed from their bytes. */
#include "http/handler.h"
#include "http/text.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

static const struct http_limits lim = {
	.max_url_bytes = 4096, .max_header_bytes = 8192, .max_headers = 100, .max_body = 1 << 20,
};

/* Parses one complete request and answers it. */
static struct http_answer answer(const char *in)
{
	struct http_parser p;
	struct http_answer a;
	size_t used;

	http_parser_init(&p, &lim);
	cr_assert_eq(http_parse(&p, in, strlen(in), &used), HTTP_DONE, "%s: status %u", in, p.status);
	cr_assert_eq(used, strlen(in));
	memset(&a, 0x5a, sizeof(a)); /* every field must be set */
	http_answer_request(&p.req, &a);
	return a;
}

static struct http_answer answer_line(const char *method, const char *target, const char *version)
{
	char in[512];

	snprintf(in, sizeof(in), "%s %s %s\r\nHost: a\r\n\r\n", method, target, version);
	return answer(in);
}

static void expect_text(const struct http_answer *a, size_t len, const char *what)
{
	cr_expect_eq(a->head.status, 200, "%s", what);
	cr_expect_str_eq(a->head.content_type, "text/plain", "%s", what);
	cr_expect_eq(a->head.content_length, len, "%s: %llu", what,
		     (unsigned long long)a->head.content_length);
	cr_expect_eq(a->head.no_length, 0, "%s", what);
	cr_expect_null(a->head.extra, "%s", what);
	cr_expect_eq(a->body, http_text(), "%s", what);
	cr_expect_eq(a->upgrade, 0, "%s", what);
	cr_expect_eq(a->metrics, 0, "%s", what);
}

Test(http_handler, served_methods_answer_the_text)
{
	static const char *const methods[] = { "GET", "HEAD", "POST", "PUT" };

	for (size_t i = 0; i < 4; i++) {
		struct http_answer a = answer_line(methods[i], "/?length=17", "HTTP/1.1");

		expect_text(&a, 17, methods[i]);
		cr_expect_eq(a.omit_body, i == 1, "%s: only HEAD omits the body", methods[i]);
		cr_expect_eq(a.close, 0, "%s", methods[i]);
		cr_expect_eq(a.head.connection, HTTP_CONN_NONE, "%s", methods[i]);
	}
}

Test(http_handler, length_is_clamped)
{
	static const struct { const char *target; size_t len; } cases[] = {
		{ "/", HTTP_TEXT_DEFAULT },
		{ "/?a=b", HTTP_TEXT_DEFAULT },
		{ "/?length=0", 1 },
		{ "/?length=1", 1 },
		{ "/?length=2", 2 },
		{ "/?length=1024", 1024 },
		{ "/?length=10239", 10239 },
		{ "/?length=10240", HTTP_TEXT_MAX },
		{ "/?length=10241", HTTP_TEXT_MAX },
		{ "/?length=4294967297", HTTP_TEXT_MAX }, /* 2^32 + 1: no truncation to 1 */
		{ "/?length=99999999999999999999999999", HTTP_TEXT_MAX },
		{ "/index.html?length=3", 3 },
	};

	cr_assert_eq(HTTP_TEXT_DEFAULT, 1024);
	cr_assert_eq(HTTP_TEXT_MAX, 10240);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct http_answer a = answer_line("GET", cases[i].target, "HTTP/1.1");
		expect_text(&a, cases[i].len, cases[i].target);
	}
	cr_expect_eq(http_text_clamp(0), 1);
	cr_expect_eq(http_text_clamp(1ull << 63), HTTP_TEXT_MAX);
}

/* Every body is a prefix of the one text, so a shorter answer is a prefix of
 * a longer one; the text is printable and the same every time. */
Test(http_handler, the_text)
{
	const char *t = http_text();

	cr_assert_eq(t, http_text());
	for (size_t i = 0; i < HTTP_TEXT_MAX; i++)
		cr_assert(t[i] >= 0x20 && t[i] < 0x7f, "byte %zu is 0x%02x", i, (unsigned char)t[i]);
	cr_assert(!strncmp(t, "ukit is an io_uring HTTP server", 31));
	/* it repeats its sentence */
	{
		const char *again = memmem(t + 1, HTTP_TEXT_MAX - 1, t, 40);
		size_t period;

		cr_assert_not_null(again);
		period = (size_t)(again - t);
		cr_assert(!memcmp(t, t + period, HTTP_TEXT_MAX - period));
	}
}

Test(http_handler, head_omits_the_body_but_not_its_length)
{
	struct http_answer a = answer_line("HEAD", "/?length=300", "HTTP/1.1");

	expect_text(&a, 300, "HEAD");
	cr_expect_eq(a.omit_body, 1);
	a = answer_line("HEAD", "/", "HTTP/1.1");
	expect_text(&a, HTTP_TEXT_DEFAULT, "HEAD default");
	cr_expect_eq(a.omit_body, 1);
}

Test(http_handler, known_methods_not_served_are_405_with_allow)
{
	static const char *const methods[] = { "DELETE", "OPTIONS", "TRACE", "PATCH" };

	for (size_t i = 0; i < 4; i++) {
		struct http_answer a = answer_line(methods[i], "/", "HTTP/1.1");

		cr_expect_eq(a.head.status, 405, "%s", methods[i]);
		cr_expect_str_eq(a.head.extra, "Allow: GET, HEAD, POST, PUT\r\n", "%s", methods[i]);
		cr_expect_str_eq(a.body, "405 Method Not Allowed\n", "%s", methods[i]);
		cr_expect_eq(a.head.content_length, strlen(a.body), "%s", methods[i]);
		cr_expect_eq(a.close, 1, "%s", methods[i]);
		cr_expect_eq(a.head.connection, HTTP_CONN_CLOSE, "%s", methods[i]);
	}
	{
		struct http_answer a = answer("CONNECT host:443 HTTP/1.1\r\nHost: host:443\r\n\r\n");
		cr_expect_eq(a.head.status, 405);
		cr_expect_str_eq(a.head.extra, "Allow: GET, HEAD, POST, PUT\r\n");
		cr_expect_eq(a.close, 1);
	}
	{
		struct http_answer a = answer("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n");
		cr_expect_eq(a.head.status, 405);
	}
}

Test(http_handler, other_methods_are_501)
{
	static const char *const methods[] = { "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE",
					       "LOCK", "UNLOCK", "SEARCH", "REPORT", "MKACTIVITY",
					       "CHECKOUT", "MERGE", "M-SEARCH", "NOTIFY", "SUBSCRIBE",
					       "UNSUBSCRIBE", "PURGE", "MKCALENDAR", "LINK", "UNLINK",
					       "BIND", "REBIND", "UNBIND", "ACL", "SOURCE" };

	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		struct http_answer a = answer_line(methods[i], "/", "HTTP/1.1");

		cr_expect_eq(a.head.status, 501, "%s", methods[i]);
		cr_expect_null(a.head.extra, "%s", methods[i]);
		cr_expect_str_eq(a.body, "501 Not Implemented\n", "%s", methods[i]);
		cr_expect_eq(a.close, 1, "%s", methods[i]);
	}
}

Test(http_handler, bad_length_is_400)
{
	static const char *const targets[] = { "/?length=", "/?length=-1", "/?length=abc",
					       "/?length=1x", "/?length", "/?length=1+" };

	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		struct http_answer a = answer_line("GET", targets[i], "HTTP/1.1");

		cr_expect_eq(a.head.status, 400, "%s", targets[i]);
		cr_expect_str_eq(a.body, "400 Bad Request\n", "%s", targets[i]);
		cr_expect_eq(a.head.content_length, strlen("400 Bad Request\n"), "%s", targets[i]);
		cr_expect_str_eq(a.head.content_type, "text/plain", "%s", targets[i]);
		cr_expect_eq(a.head.connection, HTTP_CONN_CLOSE, "%s", targets[i]);
		cr_expect_eq(a.close, 1, "%s", targets[i]);
		cr_expect_eq(a.omit_body, 0, "%s", targets[i]);
	}
}

/* RFC 9110 9.3.2: no content in a response to HEAD, an error included. */
Test(http_handler, head_with_a_bad_length_gets_no_body)
{
	struct http_answer a = answer_line("HEAD", "/?length=abc", "HTTP/1.1");

	cr_expect_eq(a.head.status, 400);
	cr_expect_eq(a.head.content_length, strlen("400 Bad Request\n"));
	cr_expect_eq(a.omit_body, 1);
	cr_expect_eq(a.close, 1);
}

/* /metrics: the caller renders the page; only GET and HEAD. */
Test(http_handler, metrics)
{
	struct http_answer a = answer_line("GET", "/metrics", "HTTP/1.1");

	cr_expect_eq(a.head.status, 200);
	cr_expect_eq(a.metrics, 1);
	cr_expect_eq(a.omit_body, 0);
	cr_expect_eq(a.close, 0);
	a = answer_line("GET", "/metrics?length=3", "HTTP/1.1");
	cr_expect_eq(a.metrics, 1, "the length parameter does not matter there");
	a = answer_line("HEAD", "/metrics", "HTTP/1.1");
	cr_expect_eq(a.metrics, 1);
	cr_expect_eq(a.omit_body, 1);
	a = answer("GET /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
	cr_expect_eq(a.close, 1);
	cr_expect_eq(a.head.connection, HTTP_CONN_CLOSE);
	a = answer_line("POST", "/metrics", "HTTP/1.1");
	cr_expect_eq(a.head.status, 405);
	cr_expect_str_eq(a.head.extra, "Allow: GET, HEAD\r\n");
	cr_expect_eq(a.metrics, 0);
	a = answer_line("GET", "/metrics/", "HTTP/1.1");
	cr_expect_eq(a.metrics, 0);
	a = answer_line("DELETE", "/metrics", "HTTP/1.1");
	cr_expect_eq(a.head.status, 405);
	cr_expect_str_eq(a.head.extra, "Allow: GET, HEAD\r\n");
	a = answer_line("PROPFIND", "/metrics", "HTTP/1.1");
	cr_expect_eq(a.head.status, 501, "WebDAV is 501 on /metrics too");
	cr_expect_null(a.head.extra);
}

/* /ws/echo speaks WebSocket only (the handshake's details: test_ws_handshake.c). */
Test(http_handler, websocket_route)
{
	struct http_answer a = answer_line("GET", "/ws/echo", "HTTP/1.1");

	cr_expect_eq(a.head.status, 426, "a plain GET learns it must upgrade");
	cr_expect_str_eq(a.head.extra, "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n");
	cr_expect_eq(a.upgrade, 0);
	a = answer("GET /ws/echo?length=5 HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n"
		   "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
		   "Sec-WebSocket-Version: 13\r\n\r\n");
	cr_expect_eq(a.head.status, 101);
	cr_expect_eq(a.head.no_length, 1);
	cr_expect_eq(a.upgrade, 1);
	cr_expect_eq(a.close, 0);
	cr_expect_null(a.body);
	/* head.extra points into the answer's own extra[] (answer() returned a
	 * copy, so only extra[] is looked at here) */
	cr_expect_str_eq(a.extra, "Upgrade: websocket\r\nConnection: Upgrade\r\n"
				  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"); /* RFC 6455 1.3 */
	/* the text route does not upgrade */
	a = answer("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
	cr_expect_eq(a.head.status, 200);
	cr_expect_eq(a.upgrade, 0);
}

Test(http_handler, connection_header)
{
	static const struct {
		const char *in;
		uint8_t connection, close;
	} cases[] = {
		{ "GET / HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_CONN_NONE, 0 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\n\r\n", HTTP_CONN_NONE, 0 },
		{ "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", HTTP_CONN_CLOSE, 1 },
		{ "GET / HTTP/1.0\r\n\r\n", HTTP_CONN_CLOSE, 1 },
		{ "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", HTTP_CONN_KEEP_ALIVE, 0 },
		{ "HEAD / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", HTTP_CONN_KEEP_ALIVE, 0 },
		{ "GET / HTTP/1.0\r\nConnection: close\r\n\r\n", HTTP_CONN_CLOSE, 1 },
		{ "GET /?length=x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", HTTP_CONN_CLOSE, 1 },
		/* /metrics the same */
		{ "GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_CONN_NONE, 0 },
		{ "GET /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", HTTP_CONN_CLOSE, 1 },
		{ "GET /metrics HTTP/1.0\r\n\r\n", HTTP_CONN_CLOSE, 1 },
		{ "GET /metrics HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", HTTP_CONN_KEEP_ALIVE, 0 },
		{ "HEAD /metrics HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", HTTP_CONN_KEEP_ALIVE, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct http_answer a = answer(cases[i].in);
		cr_expect_eq(a.head.connection, cases[i].connection, "%s", cases[i].in);
		cr_expect_eq(a.close, cases[i].close, "%s", cases[i].in);
	}
}

Test(http_handler, errors)
{
	static const unsigned statuses[] = { 400, 404, 405, 408, 413, 414, 417, 431, 500, 501, 503, 505 };

	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		struct http_answer a;
		char want[64];

		memset(&a, 0x5a, sizeof(a));
		http_answer_error(statuses[i], &a);
		snprintf(want, sizeof(want), "%u %s\n", statuses[i], http_reason(statuses[i]));
		cr_expect_eq(a.head.status, statuses[i]);
		cr_expect_str_eq(a.body, want);
		cr_expect_eq(a.head.content_length, strlen(want));
		cr_expect_str_eq(a.head.content_type, "text/plain");
		cr_expect_eq(a.head.connection, HTTP_CONN_CLOSE);
		cr_expect_eq(a.head.no_length, 0);
		cr_expect_null(a.head.extra);
		cr_expect_eq(a.close, 1);
		cr_expect_eq(a.omit_body, 0);
		cr_expect_eq(a.upgrade, 0);
		cr_expect_eq(a.metrics, 0);
	}
}
