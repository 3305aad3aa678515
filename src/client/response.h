/* Response validation, sans I/O: bytes go in, verdicts come out, one per
 * response, and no byte is kept. llhttp parses (HTTP_RESPONSE mode); this
 * checks status 200, Content-Length against the asked length and the body
 * against the server's text, each check on, off or "auto" (on when the
 * response says Server: ukit). */
#ifndef UKIT_CLIENT_RESPONSE_H
#define UKIT_CLIENT_RESPONSE_H

#include <llhttp.h>
#include <stddef.h>
#include <stdint.h>

enum resp_verdict {
	RESP_OK = 0,
	RESP_BAD_STATUS,  /* not 200 */
	RESP_BAD_LENGTH,  /* body length is not the asked length */
	RESP_BAD_BODY,    /* body is not a prefix of the server's text */
};

enum resp_check { CHECK_OFF = 0, CHECK_ON = 1, CHECK_AUTO = 2 };

enum resp_result {
	RESP_MORE,   /* all bytes used, the response goes on */
	RESP_DONE,   /* a response ended: see verdict; more bytes may follow */
	RESP_ERROR,  /* not HTTP: the connection is unusable */
};

struct resp {
	llhttp_t parser;
	uint32_t expect_len;   /* asked length of the response being read */
	uint32_t body_len;     /* body bytes seen so far */
	uint8_t check_length;  /* enum resp_check */
	uint8_t check_body;
	uint8_t verdict;       /* of the current response: first failed check */
	uint8_t is_ukit;       /* it said Server: ukit */
	uint8_t field_pos;     /* header name matched against "server" so far, 0xff: no */
	uint8_t value_pos;     /* value matched against "ukit" so far, 0xff: no */
	uint8_t in_server;     /* the header being read is Server */
	uint8_t started;       /* a response has begun and not ended */
	uint8_t complete;      /* on_message_complete fired */
};

/* Starts reading responses on a connection; the first is expected to carry
 * expect_len bytes. */
void resp_init(struct resp *r, uint32_t expect_len, enum resp_check check_length,
	       enum resp_check check_body);

/* The next response (after RESP_DONE) is expected to carry expect_len bytes. */
static inline void resp_expect(struct resp *r, uint32_t expect_len)
{
	r->expect_len = expect_len;
}

/* Parses up to len bytes; *used says how many were consumed (all of them,
 * except after RESP_DONE, when the rest belongs to the next response). */
enum resp_result resp_feed(struct resp *r, const char *data, size_t len, size_t *used);

/* The peer closed: RESP_DONE when that ends a response delimited by EOF,
 * RESP_ERROR when a response was cut short, RESP_MORE between responses. */
enum resp_result resp_eof(struct resp *r);

/* After RESP_DONE: whether the server keeps the connection open. */
static inline int resp_keep_alive(struct resp *r)
{
	return llhttp_should_keep_alive(&r->parser);
}

/* Whether a response has begun and not ended. */
static inline int resp_midway(const struct resp *r)
{
	return r->started;
}

static inline int resp_checking(uint8_t check, const struct resp *r)
{
	return check == CHECK_ON || (check == CHECK_AUTO && r->is_ukit);
}

#endif
