/* The opening handshake: the RFC's key and accept, keys that are not base64
 * of 16 bytes, and every ws_handshake_check outcome, also from raw requests
 * through the HTTP parser. */
#include "ws/handshake.h"

#include "http/request.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#define RFC_KEY "dGhlIHNhbXBsZSBub25jZQ=="
#define RFC_ACCEPT "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

Test(ws_handshake, rfc_accept)
{
	char out[WS_ACCEPT_LEN + 1];

	cr_assert_eq(ws_accept_key(RFC_KEY, strlen(RFC_KEY), out), 0);
	cr_assert_str_eq(out, RFC_ACCEPT);
}

/* Values from Python's hashlib and base64, an implementation independent
 * of this one. */
Test(ws_handshake, more_accepts)
{
	static const char *const pairs[][2] = {
		{ "AAAAAAAAAAAAAAAAAAAAAA==", "ICX+Yqv66kxgM0FcWaLWlFLwTAI=" },
		{ "x3JJHMbDL1EzLkh9GBhXDw==", "HSmrc0sMlYUkAGmm5OPpG2HaGWk=" },
		{ "/////////////////////w==", "XXpj4jYzLM2yUE0C7TIgMwTQh2g=" },
	};

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		char out[WS_ACCEPT_LEN + 1];

		cr_assert_eq(ws_accept_key(pairs[i][0], WS_KEY_LEN, out), 0);
		cr_assert_str_eq(out, pairs[i][1], "key %s", pairs[i][0]);
	}
}

static const struct {
	const char *key;
	size_t len;
	int valid;
	const char *why;
} keys[] = {
#define K(lit, valid, why) { lit, sizeof(lit) - 1, valid, why }
	K(RFC_KEY, 1, "the RFC's"),
	K("AAAAAAAAAAAAAAAAAAAAAA==", 1, "16 zero bytes"),
	K("/////////////////////w==", 1, "16 0xff bytes"),
	K("AAECAwQFBgcICQoLDA0ODw==", 1, "bytes 0..15"),
	K("+/+/+/+/+/+/+/+/+/+/+w==", 1, "the alphabet's + and /"),
	K("", 0, "empty"),
	K("dGhlIHNhbXBsZSBub25jZQ=", 0, "23 characters"),
	K("dGhlIHNhbXBsZSBub25jZQ===", 0, "25 characters"),
	K("dGhlIHNhbXBsZSBub25jZQ", 0, "no padding"),
	K("dGhlIHNhbXBsZSBub25jZQAA", 0, "no padding, 24 characters"),
	K("dGhlIHNhbXBsZSBub25jZQ=A", 0, "half padding"),
	K("dGhlIHNhbXBsZSBub25jZR==", 0, "stray bits in the last character"),
	K("/////////////////////8==", 0, "stray bits in the last character"),
	K("dGhlIHNhbXBs=SBub25jZQ==", 0, "padding inside"),
	K("dGhlIHNhbXBsZSBub25j-Q==", 0, "base64url '-'"),
	K("dGhlIHNhbXBsZSBub25j_Q==", 0, "base64url '_'"),
	K("dGhlIHNhbXBsZSBub25j Q==", 0, "a space inside"),
	K("dGhlIHNhbXBsZSBub25jZQ==\0", 0, "a NUL after"),
	K("AAAAAAAAAAAAAAAA", 0, "base64 of 12 bytes"),
	K("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 0, "base64 of 24 bytes"),
	K("AAAAAAAAAAAAAAAAAAAAAAA=", 0, "base64 of 17 bytes"),
#undef K
};

Test(ws_handshake, keys)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		size_t len = keys[i].len;
		char out[WS_ACCEPT_LEN + 1];

		cr_assert_eq(ws_key_valid(keys[i].key, len), keys[i].valid, "%s: %s",
			     keys[i].why, keys[i].key);
		cr_assert_eq(ws_accept_key(keys[i].key, len, out), keys[i].valid ? 0 : -EINVAL,
			     "%s", keys[i].why);
	}
}

Test(ws_handshake, client_key_and_accept)
{
	char key[WS_KEY_LEN + 1], accept[WS_ACCEPT_LEN + 1];

	cr_assert_eq(ws_client_key((const uint8_t *)"the sample nonce", key), 0);
	cr_assert_str_eq(key, RFC_KEY, "RFC 6455 4.1's nonce");
	cr_assert_eq(ws_client_key((const uint8_t[16]){ 0 }, key), 0);
	cr_assert_str_eq(key, "AAAAAAAAAAAAAAAAAAAAAA==");
	cr_assert(ws_key_valid(key, strlen(key)));

	cr_assert(ws_accept_matches(RFC_KEY, WS_KEY_LEN, RFC_ACCEPT, WS_ACCEPT_LEN));
	cr_assert_eq(ws_accept_key(key, WS_KEY_LEN, accept), 0);
	cr_assert(ws_accept_matches(key, WS_KEY_LEN, accept, WS_ACCEPT_LEN));
	cr_assert_not(ws_accept_matches(key, WS_KEY_LEN, RFC_ACCEPT, WS_ACCEPT_LEN),
		      "another key's accept");
	cr_assert_not(ws_accept_matches(RFC_KEY, WS_KEY_LEN, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo",
					WS_ACCEPT_LEN - 1), "cut short");
	cr_assert_not(ws_accept_matches(RFC_KEY, WS_KEY_LEN, RFC_ACCEPT " ", WS_ACCEPT_LEN + 1),
		      "a trailing space");
	cr_assert_not(ws_accept_matches(RFC_KEY, WS_KEY_LEN, "S3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
					WS_ACCEPT_LEN), "base64 is case-sensitive");
	cr_assert_not(ws_accept_matches("bad", 3, RFC_ACCEPT, WS_ACCEPT_LEN), "invalid key");
}

/* --- ws_handshake_check -------------------------------------------------- */

static struct http_request good_request(void)
{
	struct http_request r = {
		.method = HTTP_GET,
		.version = 11,
		.route = HTTP_ROUTE_WS_ECHO,
		.hosts = 1,
		.keep_alive = 1,
		.upgrade_websocket = 1,
		.connection_upgrade = 1,
		.ws_version = 13,
		.ws_keys = 1,
		.ws_key_len = WS_KEY_LEN,
	};

	memcpy(r.ws_key, RFC_KEY, WS_KEY_LEN);
	return r;
}

Test(ws_handshake, check_fields)
{
	struct http_request r = good_request();

	cr_assert_eq(ws_handshake_check(&r), 0);

#define CHECK(change, status)                                                       \
	do {                                                                        \
		r = good_request();                                                 \
		change;                                                             \
		cr_assert_eq(ws_handshake_check(&r), status, "%s", #change);       \
	} while (0)

	CHECK(r.method = HTTP_POST, 400);
	CHECK(r.method = HTTP_HEAD, 400);
	CHECK(r.version = 10, 400);
	CHECK(r.upgrade_websocket = 0, 400);
	CHECK(r.connection_upgrade = 0, 400);
	CHECK(r.ws_keys = 0, 400);
	CHECK(r.ws_keys = 2, 400);
	CHECK(r.ws_key_len = 0, 400);       /* absent, or longer than the parser keeps */
	CHECK(r.ws_key_len = WS_KEY_LEN - 1, 400);
	CHECK(r.ws_key[0] = '*', 400);
	CHECK(r.ws_version = 0, 426);       /* absent */
	CHECK(r.ws_version = 8, 426);       /* an older draft */
	CHECK(r.ws_version = 14, 426);
	CHECK(r.ws_version = 255, 426);     /* not a number */
	/* a malformed request is 400 even when its version is wrong too; a
	 * version is only negotiated for a request that is otherwise fine */
	CHECK((r.ws_version = 8, r.upgrade_websocket = 0), 400);
	CHECK((r.ws_version = 8, r.ws_keys = 0), 426);
#undef CHECK
}

static const struct http_limits limits = {
	.max_url_bytes = 1024,
	.max_header_bytes = 8192,
	.max_headers = 64,
	.max_body = 1 << 20,
};

static int check_raw(const char *raw)
{
	struct http_parser p;
	size_t used;

	http_parser_init(&p, &limits);
	cr_assert_eq(http_parse(&p, raw, strlen(raw), &used), HTTP_DONE, "%s", raw);
	return ws_handshake_check(&p.req);
}

#define HEAD "GET /ws/echo HTTP/1.1\r\nHost: localhost\r\n"
#define UPGRADE "Upgrade: websocket\r\nConnection: Upgrade\r\n"
#define KEY "Sec-WebSocket-Key: " RFC_KEY "\r\n"
#define VERSION "Sec-WebSocket-Version: 13\r\n"

Test(ws_handshake, check_raw_requests)
{
	static const struct {
		const char *raw;
		int status;
	} cases[] = {
		/* RFC 6455 1.2's example request */
		{ "GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\n"
		  "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
		  "Origin: http://example.com\r\nSec-WebSocket-Protocol: chat, superchat\r\n"
		  "Sec-WebSocket-Version: 13\r\n\r\n", 0 },
		{ HEAD UPGRADE KEY VERSION "\r\n", 0 },
		{ HEAD "upgrade: WebSocket\r\nconnection: keep-alive, upgrade\r\n"
		  "sec-websocket-key:   " RFC_KEY "  \r\nsec-websocket-version: 13\r\n\r\n", 0 },
		{ HEAD UPGRADE KEY "\r\n", 426 },
		{ HEAD UPGRADE KEY "Sec-WebSocket-Version: 8\r\n\r\n", 426 },
		{ HEAD UPGRADE KEY "Sec-WebSocket-Version: 13a\r\n\r\n", 426 },
		{ HEAD UPGRADE VERSION "\r\n", 400 },
		{ HEAD UPGRADE KEY KEY VERSION "\r\n", 400 },
		{ HEAD UPGRADE "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ\r\n" VERSION "\r\n", 400 },
		{ HEAD UPGRADE "Sec-WebSocket-Key: " RFC_KEY RFC_KEY "\r\n" VERSION "\r\n", 400 },
		{ HEAD "Upgrade: h2c\r\nConnection: Upgrade\r\n" KEY VERSION "\r\n", 400 },
		{ HEAD "Upgrade: websocket\r\nConnection: keep-alive\r\n" KEY VERSION "\r\n", 400 },
		{ HEAD KEY VERSION "\r\n", 400 },
		{ "GET /ws/echo HTTP/1.0\r\nHost: localhost\r\n" UPGRADE KEY VERSION "\r\n", 400 },
		{ "POST /ws/echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n" UPGRADE KEY
		  VERSION "\r\n", 400 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_assert_eq(check_raw(cases[i].raw), cases[i].status, "case %zu:\n%s", i,
			     cases[i].raw);
}
