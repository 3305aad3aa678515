/* Response validation: verdicts, pipelined and split input, EOF, garbage. */
#include "client/response.h"
#include "http/text.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

static struct resp r;

/* A ukit-like response with body_len bytes of the text (or of x). */
static size_t make(char *buf, unsigned status, size_t clen, size_t body_len, const char *server,
		   int garble)
{
	size_t n = (size_t)sprintf(buf, "HTTP/1.1 %u X\r\nServer: %s\r\nContent-Length: %zu\r\n\r\n",
				   status, server, clen);
	memcpy(buf + n, http_text(), body_len);
	if (garble && body_len)
		buf[n + body_len - 1] ^= 1;
	return n + body_len;
}

static enum resp_result feed_all(const char *buf, size_t len)
{
	size_t used;
	enum resp_result res = resp_feed(&r, buf, len, &used);

	if (res == RESP_DONE)
		cr_assert_eq(used, len);
	return res;
}

Test(client_response, valid_ukit_response)
{
	char buf[20000];
	size_t n = make(buf, 200, 100, 100, "ukit", 0);

	resp_init(&r, 100, CHECK_AUTO, CHECK_AUTO);
	cr_assert_eq(feed_all(buf, n), RESP_DONE);
	cr_assert_eq(r.verdict, RESP_OK);
	cr_assert(r.is_ukit);
	cr_assert(resp_keep_alive(&r));
}

Test(client_response, verdicts)
{
	static const struct {
		unsigned status;
		size_t clen, body, ask;
		const char *server;
		int garble;
		int check; /* CHECK_* for both */
		enum resp_verdict want;
	} cases[] = {
		{ 404, 10, 10, 10, "ukit", 0, CHECK_AUTO, RESP_BAD_STATUS },
		{ 200, 99, 99, 100, "ukit", 0, CHECK_AUTO, RESP_BAD_LENGTH },
		{ 200, 100, 100, 100, "ukit", 1, CHECK_AUTO, RESP_BAD_BODY },
		{ 200, 100, 100, 100, "ukit/0.1", 1, CHECK_AUTO, RESP_BAD_BODY },
		{ 200, 99, 99, 100, "nginx", 0, CHECK_AUTO, RESP_OK },  /* a peer: not checked */
		{ 200, 100, 100, 100, "nginx", 1, CHECK_AUTO, RESP_OK },
		{ 200, 100, 100, 100, "nginx", 1, CHECK_ON, RESP_BAD_BODY },
		{ 200, 99, 99, 100, "nginx", 0, CHECK_ON, RESP_BAD_LENGTH },
		{ 200, 99, 99, 100, "ukit", 0, CHECK_OFF, RESP_OK },
		{ 200, 10240, 10240, 10240, "ukit", 0, CHECK_AUTO, RESP_OK },
	};
	char buf[20000];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = make(buf, cases[i].status, cases[i].clen, cases[i].body, cases[i].server,
				cases[i].garble);
		resp_init(&r, (uint32_t)cases[i].ask, cases[i].check, cases[i].check);
		cr_assert_eq(feed_all(buf, n), RESP_DONE, "case %zu", i);
		cr_assert_eq(r.verdict, cases[i].want, "case %zu: verdict %u", i, r.verdict);
	}
}

Test(client_response, byte_by_byte_and_pipelined)
{
	char buf[40000];
	size_t n1 = make(buf, 200, 300, 300, "ukit", 0);
	size_t n2 = make(buf + n1, 200, 7, 7, "ukit", 0);
	size_t n3 = make(buf + n1 + n2, 200, 50, 50, "ukit", 1);
	uint32_t asks[] = { 300, 7, 50 };
	enum resp_verdict want[] = { RESP_OK, RESP_OK, RESP_BAD_BODY };
	size_t total = n1 + n2 + n3, pos = 0;
	int done = 0;

	/* one byte at a time: every header and the body split everywhere */
	resp_init(&r, asks[0], CHECK_AUTO, CHECK_AUTO);
	while (pos < total) {
		size_t used;
		enum resp_result res = resp_feed(&r, buf + pos, 1, &used);
		cr_assert_neq(res, RESP_ERROR);
		pos += used;
		if (res == RESP_DONE) {
			cr_assert_eq(r.verdict, want[done], "response %d", done);
			cr_assert(r.is_ukit);
			if (++done < 3)
				resp_expect(&r, asks[done]);
		}
	}
	cr_assert_eq(done, 3);

	/* all at once: each RESP_DONE stops at its response's end */
	resp_init(&r, asks[0], CHECK_AUTO, CHECK_AUTO);
	pos = 0;
	for (done = 0; done < 3; done++) {
		size_t used;
		cr_assert_eq(resp_feed(&r, buf + pos, total - pos, &used), RESP_DONE);
		cr_assert_eq(r.verdict, want[done]);
		pos += used;
		if (done < 2)
			resp_expect(&r, asks[done + 1]);
	}
	cr_assert_eq(pos, total);
}

Test(client_response, eof_ends_or_cuts)
{
	static const char eof_body[] = "HTTP/1.1 200 OK\r\nServer: ukit\r\n\r\nukit is";
	char buf[2000];
	size_t used, n = make(buf, 200, 100, 60, "ukit", 0);

	resp_init(&r, 100, CHECK_AUTO, CHECK_AUTO);
	cr_assert_eq(resp_eof(&r), RESP_MORE); /* nothing begun: a clean close */
	cr_assert_eq(resp_feed(&r, buf, n, &used), RESP_MORE);
	cr_assert(resp_midway(&r));
	cr_assert_eq(resp_eof(&r), RESP_ERROR); /* cut short */

	resp_init(&r, 7, CHECK_AUTO, CHECK_AUTO);
	cr_assert_eq(resp_feed(&r, eof_body, sizeof(eof_body) - 1, &used), RESP_MORE);
	cr_assert_eq(resp_eof(&r), RESP_DONE); /* delimited by the close */
	cr_assert_eq(r.verdict, RESP_OK);
	cr_assert_not(resp_keep_alive(&r));
}

Test(client_response, garbage_and_connection_close)
{
	static const char junk[] = "SSH-2.0-OpenSSH_9.2\r\n";
	static const char closing[] = "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
	size_t used;

	resp_init(&r, 0, CHECK_AUTO, CHECK_AUTO);
	cr_assert_eq(resp_feed(&r, junk, sizeof(junk) - 1, &used), RESP_ERROR);
	resp_init(&r, 0, CHECK_AUTO, CHECK_AUTO);
	cr_assert_eq(resp_feed(&r, closing, sizeof(closing) - 1, &used), RESP_DONE);
	cr_assert_not(resp_keep_alive(&r));
}

Test(client_response, chunked_body_counts_its_bytes)
{
	static const char chunked[] = "HTTP/1.1 200 OK\r\nServer: ukit\r\nTransfer-Encoding: chunked\r\n\r\n"
				      "4\r\nukit\r\n3\r\n is\r\n0\r\n\r\n";
	size_t used;

	resp_init(&r, 7, CHECK_AUTO, CHECK_AUTO);
	cr_assert_eq(resp_feed(&r, chunked, sizeof(chunked) - 1, &used), RESP_DONE);
	cr_assert_eq(r.verdict, RESP_OK);
	resp_init(&r, 8, CHECK_AUTO, CHECK_AUTO);
	cr_assert_eq(resp_feed(&r, chunked, sizeof(chunked) - 1, &used), RESP_DONE);
	cr_assert_eq(r.verdict, RESP_BAD_LENGTH);
}
