/* The request → answer decision, kept free of I/O so it is unit-testable. */
#include "http/handler.h"

#include "http/text.h"

#include <string.h>

#define ALLOW_HEADER "Allow: GET, HEAD, POST, PUT\r\n"

void http_answer_error(unsigned status, struct http_answer *a)
{
	memset(a, 0, sizeof(*a));
	a->body = http_error_body(status);
	a->head.status = (uint16_t)status;
	a->head.content_length = strlen(a->body);
	a->head.content_type = "text/plain";
	a->head.connection = HTTP_CONN_CLOSE;
	a->close = 1;
}

/* RFC 9110 methods ukit knows but does not serve get 405 with Allow;
 * the rest of llhttp's methods (WebDAV, RTSP, ...) are 501. */
static int method_is_standard(uint8_t method)
{
	switch (method) {
	case HTTP_DELETE:
	case HTTP_CONNECT:
	case HTTP_OPTIONS:
	case HTTP_TRACE:
	case HTTP_PATCH:
		return 1;
	default:
		return 0;
	}
}

static void answer_text(const struct http_request *req, struct http_answer *a)
{
	uint64_t n = req->length_state == HTTP_LENGTH_OK ? req->length : HTTP_TEXT_DEFAULT;

	a->head.status = 200;
	a->head.content_type = "text/plain";
	a->head.content_length = http_text_clamp(n);
	a->body = http_text();
}

static void answer_metrics(const struct http_request *req, struct http_answer *a)
{
	if (req->method != HTTP_GET && req->method != HTTP_HEAD) {
		http_answer_error(405, a);
		a->head.extra = "Allow: GET, HEAD\r\n";
		return;
	}
	memset(a, 0, sizeof(*a));
	a->head.status = 200;
	a->metrics = 1;
	a->omit_body = req->method == HTTP_HEAD;
	if (!req->keep_alive) {
		a->head.connection = HTTP_CONN_CLOSE;
		a->close = 1;
	}
}

void http_answer_request(const struct http_request *req, struct http_answer *a)
{
	if (req->route == HTTP_ROUTE_METRICS) {
		answer_metrics(req, a);
		return;
	}
	switch (req->method) {
	case HTTP_GET:
	case HTTP_HEAD:
	case HTTP_POST:
	case HTTP_PUT:
		break;
	default:
		http_answer_error(method_is_standard(req->method) ? 405 : 501, a);
		if (a->head.status == 405)
			a->head.extra = ALLOW_HEADER;
		return;
	}
	if (req->length_state == HTTP_LENGTH_BAD) {
		http_answer_error(400, a);
		return;
	}
	memset(a, 0, sizeof(*a));
	answer_text(req, a);
	a->omit_body = req->method == HTTP_HEAD;
	if (!req->keep_alive) {
		a->head.connection = HTTP_CONN_CLOSE;
		a->close = 1;
	} else if (req->version == 10) {
		a->head.connection = HTTP_CONN_KEEP_ALIVE; /* 1.0 asked for it: say yes */
	}
}
