/* The client's side of the opening handshake: the request, and the answer's
 * head checked whole, byte by byte and with frames following it. */
#include "client/wshake.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

/* RFC 6455 1.3's example */
static const char key[] = "dGhlIHNhbXBsZSBub25jZQ==";
static const char accept[] = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

static char head[2048];

static const char *answer(const char *status, const char *headers)
{
	snprintf(head, sizeof(head), "HTTP/1.1 %s\r\n%s\r\n", status, headers);
	return head;
}

#define GOOD_HEADERS "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n"

static const char *good(void)
{
	static char h[256];

	snprintf(h, sizeof(h), GOOD_HEADERS, accept);
	return answer("101 Switching Protocols", h);
}

/* Feeds text whole; returns the verdict, or -1 for garbage, -2 if unfinished. */
static int whole(const char *text, size_t *used)
{
	struct wsh_resp h;
	size_t u;

	wsh_resp_init(&h, key);
	switch (wsh_resp_feed(&h, text, strlen(text), &u)) {
	case WSH_DONE:
		if (used)
			*used = u;
		return h.verdict;
	case WSH_GARBAGE:
		return -1;
	default:
		return -2;
	}
}

Test(client_wshake, request_bytes)
{
	struct wsh_request r;

	cr_assert_eq(wsh_request_build(&r, "/ws/echo", "127.0.0.1:8000"), 0);
	cr_assert_str_eq(r.head, "GET /ws/echo HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n"
				 "Upgrade: websocket\r\nConnection: Upgrade\r\n"
				 "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ");
	cr_assert_eq(r.head_len, strlen(r.head));
	wsh_request_free(&r);
}

Test(client_wshake, good_answer)
{
	size_t used = 0;

	cr_assert_eq(whole(good(), &used), WSH_OK);
	cr_assert_eq(used, strlen(good()));
}

Test(client_wshake, verdicts)
{
	static char h[512];
	static const struct {
		const char *status, *headers;
		int verdict;
	} cases[] = {
		{ "101 Switching Protocols", GOOD_HEADERS, WSH_OK },
		{ "101 x", "upgrade: WebSocket\r\nconnection: keep-alive, upgrade\r\n"
			   "sec-websocket-accept:   %s  \r\n", WSH_OK },
		{ "400 Bad Request", "Content-Length: 0\r\n", WSH_STATUS },
		{ "426 Upgrade Required", "Sec-WebSocket-Version: 13\r\nContent-Length: 0\r\n",
		  WSH_STATUS },
		{ "200 OK", GOOD_HEADERS "Content-Length: 3\r\n", WSH_STATUS },
		{ "101 x", "Upgrade: websocket\r\nConnection: Upgrade\r\n", WSH_ACCEPT },
		{ "101 x", "Upgrade: websocket\r\nConnection: Upgrade\r\n"
			   "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOp=\r\n", WSH_ACCEPT },
		{ "101 x", GOOD_HEADERS "Sec-WebSocket-Accept: %s\r\n", WSH_ACCEPT },
		{ "101 x", "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n", WSH_UPGRADE },
		{ "101 x", "Upgrade: h2c\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n",
		  WSH_UPGRADE },
		{ "101 x", "Upgrade: websocket\r\nConnection: keep-alive\r\n"
			   "Sec-WebSocket-Accept: %s\r\n", WSH_UPGRADE },
		{ "101 x", GOOD_HEADERS "Sec-WebSocket-Extensions: permessage-deflate\r\n",
		  WSH_UPGRADE },
		{ "101 x", GOOD_HEADERS "Sec-WebSocket-Protocol: chat\r\n", WSH_UPGRADE },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char hs[400];
		snprintf(hs, sizeof(hs), cases[i].headers, accept, accept);
		snprintf(h, sizeof(h), "HTTP/1.1 %s\r\n%s\r\n", cases[i].status, hs);
		cr_assert_eq(whole(h, NULL), cases[i].verdict, "case %zu: %s", i, h);
	}
}

Test(client_wshake, status_is_kept)
{
	struct wsh_resp h;
	size_t used;
	const char *t = answer("403 Forbidden", "Content-Length: 0\r\n");

	wsh_resp_init(&h, key);
	cr_assert_eq(wsh_resp_feed(&h, t, strlen(t), &used), WSH_DONE);
	cr_assert_eq(wsh_status(&h), 403);
}

Test(client_wshake, garbage)
{
	cr_assert_eq(whole("garbage, not HTTP\r\n\r\n", NULL), -1);
	cr_assert_eq(whole("HTTP/1.1 101 x\r\nUpgrade websocket\r\n\r\n", NULL), -1);
	cr_assert_eq(whole("HTTP/1.1 101 Switching", NULL), -2);
}

Test(client_wshake, byte_by_byte_then_frames)
{
	char buf[1024];
	struct wsh_resp h;
	size_t n, used, i;

	/* a close frame right after the head, in the same bytes */
	n = (size_t)snprintf(buf, sizeof(buf), "%s\x88\x02\x03\xea", good());
	wsh_resp_init(&h, key);
	for (i = 0; i < n; i++) {
		enum wsh_result r = wsh_resp_feed(&h, buf + i, 1, &used);
		if (r == WSH_DONE)
			break;
		cr_assert_eq(r, WSH_MORE, "at byte %zu", i);
		cr_assert_eq(used, 1);
	}
	cr_assert_eq(h.verdict, WSH_OK);
	cr_assert_eq(i, strlen(good()) - 1, "done at byte %zu", i);
	cr_assert_eq(used, 1);

	/* whole: used stops where the frames begin */
	wsh_resp_init(&h, key);
	cr_assert_eq(wsh_resp_feed(&h, buf, n, &used), WSH_DONE);
	cr_assert_eq(used, strlen(good()));
	cr_assert_eq(h.verdict, WSH_OK);
	cr_assert_eq(wsh_resp_feed(&h, buf + used, n - used, &used), WSH_DONE);
	cr_assert_eq(used, 0);
}

Test(client_wshake, every_split)
{
	const char *t = good();
	size_t n = strlen(t);

	for (size_t cut = 1; cut < n; cut++) {
		struct wsh_resp h;
		size_t used;

		wsh_resp_init(&h, key);
		cr_assert_eq(wsh_resp_feed(&h, t, cut, &used), WSH_MORE, "cut %zu", cut);
		cr_assert_eq(wsh_resp_feed(&h, t + cut, n - cut, &used), WSH_DONE, "cut %zu", cut);
		cr_assert_eq(used, n - cut);
		cr_assert_eq(h.verdict, WSH_OK, "cut %zu", cut);
	}
}
