/* What to answer: the seed's handler (GET /?length=N → N bytes of the text)
 * and the status for every other request, as a pure decision. */
#ifndef UKIT_HTTP_HANDLER_H
#define UKIT_HTTP_HANDLER_H

#include "http/request.h"
#include "http/response.h"

struct http_answer {
	struct http_head head;
	const char *body;     /* Content-Length bytes of body, or NULL */
	uint8_t omit_body;    /* HEAD: the head says the length, no body follows */
	uint8_t close;        /* close the connection once this answer is sent */
	uint8_t upgrade;      /* switch the connection to WebSocket after this answer */
	uint8_t metrics;      /* the body is the metrics page, which the caller makes */
	char extra[HTTP_EXTRA_MAX]; /* head.extra, when the headers are made per request */
};

/* The answer to a complete, well-formed request. */
void http_answer_request(const struct http_request *req, struct http_answer *a);

/* The answer to a request refused with status (a parse error or a timeout):
 * a short text body, and the connection closes. */
void http_answer_error(unsigned status, struct http_answer *a);

#endif
