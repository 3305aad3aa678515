/* Streaming HTTP/1.1 request parsing over llhttp in strict mode. The parser is
 * fed bytes in any split and keeps a small fixed state, never the bytes:
 * what the handler needs (route, `length`, a few headers) is extracted on the fly. */
#ifndef UKIT_HTTP_REQUEST_H
#define UKIT_HTTP_REQUEST_H

#include <llhttp.h>
#include <stddef.h>
#include <stdint.h>

struct http_limits {
	uint32_t max_url_bytes;    /* longer request target: 414 */
	uint32_t max_header_bytes; /* longer request line + header section: 431 */
	uint32_t max_headers;      /* more header lines: 431 */
	uint64_t max_body;         /* longer body: 413 */
};

enum http_route { HTTP_ROUTE_TEXT, HTTP_ROUTE_WS_ECHO, HTTP_ROUTE_METRICS };
enum http_length { HTTP_LENGTH_ABSENT, HTTP_LENGTH_OK, HTTP_LENGTH_BAD };
enum http_expect { HTTP_EXPECT_NONE, HTTP_EXPECT_CONTINUE, HTTP_EXPECT_OTHER };

#define HTTP_WS_KEY_MAX 32

/* What a request says, as far as ukit's handlers care. */
struct http_request {
	uint64_t length;      /* the `length` query parameter, saturated, when HTTP_LENGTH_OK */
	uint8_t method;       /* enum llhttp_method */
	uint8_t version;      /* 10 or 11 */
	uint8_t route;        /* enum http_route, from the path */
	uint8_t length_state; /* enum http_length */
	uint8_t expect;       /* enum http_expect */
	uint8_t hosts;        /* Host header lines seen */
	uint8_t keep_alive;   /* the connection may carry another request */
	uint8_t has_body;     /* Content-Length > 0 or chunked */
	uint8_t upgrade_websocket; /* an Upgrade header listing "websocket" */
	uint8_t connection_upgrade; /* Connection lists "upgrade" */
	uint8_t ws_version;   /* Sec-WebSocket-Version: its number, 255 when not one */
	uint8_t ws_keys;      /* Sec-WebSocket-Key header lines seen */
	uint8_t ws_key_len;
	char ws_key[HTTP_WS_KEY_MAX];
};

enum http_event {
	HTTP_MORE,     /* all input consumed; the request is not complete */
	HTTP_CONTINUE, /* the head is complete and the client waits for 100 Continue */
	HTTP_DONE,     /* a whole request, head and body, was parsed */
	HTTP_ERROR,    /* bad request: answer with http_parser.status and close */
};

struct http_parser {
	llhttp_t ll;
	const struct http_limits *lim;
	struct http_request req;
	uint64_t body_bytes;
	/* Raw positions: a byte's index from the start of the head (empty lines
	 * before it included), so that refusals from different places can be
	 * ordered as they would be byte by byte. */
	const char *exec_at;   /* where the running llhttp_execute began */
	uint64_t exec_raw;     /* the raw index of exec_at */
	uint64_t fail_at;      /* the raw index of the byte a callback refused */
	uint32_t head_raw;     /* bytes of the head so far, every one of them */
	uint32_t url_bytes;
	uint32_t header_lines; /* header and trailer lines */
	uint32_t trailer_bytes; /* trailer names and values */
	uint16_t status;       /* the answer for HTTP_ERROR */
	uint16_t cb_status;    /* a callback's refusal, until weighed against the raw scan */
	uint8_t in_head;       /* inside a request line or header section */
	uint8_t started;       /* a request has begun (some bytes of it seen) */
	uint8_t paused;        /* llhttp was paused by us and must be resumed */
	uint8_t method_bad;    /* llhttp refused the method: the raw scan says 400 or 501 */
	/* raw head scanner: what llhttp does not report or lets through */
	uint8_t raw_state;
	uint8_t raw_pos;
	/* request-target scanner */
	uint8_t url_state;
	uint8_t url_pct;       /* percent-escape progress: 0, or 1/2 digits seen */
	uint8_t url_pct_val;
	uint8_t key_pos;       /* bytes of "length" matched, 0xff on mismatch */
	uint8_t value_digits;
	uint8_t path_pos;
	uint8_t path_cands;    /* bit per route still matching the path */
	/* header-name scanner and the value of an interesting header */
	uint8_t name_pos;
	uint8_t name_cands;    /* bit per interesting header name still matching */
	uint8_t header;        /* which interesting header the value belongs to */
	uint8_t field_open;    /* a header name has begun on this line */
	uint8_t value_len;
	uint8_t value_over;
	char value[HTTP_WS_KEY_MAX];
};

void http_parser_init(struct http_parser *p, const struct http_limits *lim);

/* Parses from data. Returns at every event; *used says how much was consumed
 * (all of it for HTTP_MORE). After HTTP_DONE, p->req holds the request, and
 * the next call starts the next pipelined request. */
enum http_event http_parse(struct http_parser *p, const char *data, size_t len, size_t *used);

/* True between requests: nothing of a next request has been seen. */
static inline int http_parser_idle(const struct http_parser *p)
{
	return !p->started;
}

#endif
