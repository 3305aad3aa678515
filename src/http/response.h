/* HTTP/1.1 response heads: status line and headers, written into a caller's
 * buffer with no allocation. */
#ifndef UKIT_HTTP_RESPONSE_H
#define UKIT_HTTP_RESPONSE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define HTTP_DATE_LEN 29 /* "Sun, 06 Nov 1994 08:49:37 GMT" */
#define HTTP_HEAD_MAX 384 /* the longest head http_head_write makes */
#define HTTP_EXTRA_MAX 160 /* the longest http_head.extra it accepts */

enum http_connection { HTTP_CONN_NONE, HTTP_CONN_KEEP_ALIVE, HTTP_CONN_CLOSE };

struct http_head {
	uint16_t status;
	uint8_t connection;       /* enum http_connection: which Connection header to send */
	uint8_t no_length;        /* no Content-Length (1xx, 101) */
	uint64_t content_length;
	const char *content_type; /* NULL: none */
	const char *extra;        /* further header lines, each ending in CRLF, or NULL */
};

/* The reason phrase of a status ukit sends ("Bad Request"). */
const char *http_reason(unsigned status);

/* A short text body for an error status ("400 Bad Request\n"). */
const char *http_error_body(unsigned status);

/* IMF-fixdate of t into out (HTTP_DATE_LEN bytes and a NUL). */
void http_date_format(char *out, time_t t);

/* Writes the head, blank line included, into out (HTTP_HEAD_MAX bytes).
 * Returns its length. */
size_t http_head_write(char *out, const struct http_head *h, const char *date);

#endif
