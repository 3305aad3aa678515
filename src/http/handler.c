/* The request → answer decision, kept free of I/O so it is unit-testable. */
#include "http/handler.h"

#include "http/text.h"
#include "ws/handshake.h"

#include <stdio.h>

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

/* Connection: close when the request ends the connection; keep-alive when an
 * HTTP/1.0 client asked for it (without it, 1.0 means close). */
static void answer_persistence(const struct http_request *req, struct http_answer *a)
{
	if (!req->keep_alive) {
		a->head.connection = HTTP_CONN_CLOSE;
		a->close = 1;
	} else if (req->version == 10) {
		a->head.connection = HTTP_CONN_KEEP_ALIVE; /* 1.0 asked for it: say yes */
	}
}

static void answer_metrics(const struct http_request *req, struct http_answer *a)
{
	if (req->method != HTTP_GET && req->method != HTTP_HEAD) {
		/* the methods ukit does not know are 501 here as anywhere */
		http_answer_error(method_is_standard(req->method) || req->method == HTTP_POST ||
					  req->method == HTTP_PUT ? 405 : 501, a);
		if (a->head.status == 405)
			a->head.extra = "Allow: GET, HEAD\r\n";
		return;
	}
	memset(a, 0, sizeof(*a));
	a->head.status = 200;
	a->metrics = 1;
	a->omit_body = req->method == HTTP_HEAD;
	answer_persistence(req, a);
}

/* /ws/echo: 101 with the accept key, or why not. A plain GET (no upgrade
 * asked for) learns with 426 that this resource speaks WebSocket only. */
static void answer_websocket(const struct http_request *req, struct http_answer *a)
{
	char accept[WS_ACCEPT_LEN + 1];
	int status = ws_handshake_check(req);

	if (!req->upgrade_websocket && !req->connection_upgrade && req->method == HTTP_GET)
		status = 426;
	if (!status && ws_accept_key(req->ws_key, req->ws_key_len, accept))
		status = 500;
	if (status) {
		http_answer_error((unsigned)status, a);
		if (status == 426)
			a->head.extra = "Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n";
		return;
	}
	memset(a, 0, sizeof(*a));
	a->head.status = 101;
	a->head.no_length = 1;
	snprintf(a->extra, sizeof(a->extra),
		 "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n",
		 accept);
	a->head.extra = a->extra;
	a->upgrade = 1;
}

void http_answer_request(const struct http_request *req, struct http_answer *a)
{
	if (req->route == HTTP_ROUTE_METRICS) {
		answer_metrics(req, a);
		return;
	}
	if (req->route == HTTP_ROUTE_WS_ECHO) {
		answer_websocket(req, a);
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
		a->omit_body = req->method == HTTP_HEAD; /* RFC 9110 9.3.2 */
		return;
	}
	memset(a, 0, sizeof(*a));
	answer_text(req, a);
	a->omit_body = req->method == HTTP_HEAD;
	answer_persistence(req, a);
}
