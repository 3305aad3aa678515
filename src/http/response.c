/* Response heads: a table of the statuses ukit sends and a writer that
 * formats a head with memcpy and a digit loop, nothing slower. */
#include "http/response.h"

#include <string.h>

struct status_text {
	unsigned status;
	const char *reason;
	const char *body;
};

#define STATUS(code, text) { code, text, #code " " text "\n" }
static const struct status_text statuses[] = {
	STATUS(100, "Continue"),
	STATUS(101, "Switching Protocols"),
	STATUS(200, "OK"),
	STATUS(400, "Bad Request"),
	STATUS(404, "Not Found"),
	STATUS(405, "Method Not Allowed"),
	STATUS(408, "Request Timeout"),
	STATUS(413, "Content Too Large"),
	STATUS(414, "URI Too Long"),
	STATUS(417, "Expectation Failed"),
	STATUS(426, "Upgrade Required"),
	STATUS(431, "Request Header Fields Too Large"),
	STATUS(500, "Internal Server Error"),
	STATUS(501, "Not Implemented"),
	STATUS(503, "Service Unavailable"),
	STATUS(505, "HTTP Version Not Supported"),
};

static const struct status_text *status_find(unsigned status)
{
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (statuses[i].status == status)
			return &statuses[i];
	return status_find(500); /* in the table: anything unknown is reported as 500 */
}

const char *http_reason(unsigned status)
{
	return status_find(status)->reason;
}

const char *http_error_body(unsigned status)
{
	return status_find(status)->body;
}

void http_date_format(char *out, time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, HTTP_DATE_LEN + 1, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static char *put(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}
#define PUT(p, lit) put(p, lit, sizeof(lit) - 1)

static char *put_uint(char *p, uint64_t v)
{
	char tmp[20];
	size_t n = 0;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n)
		*p++ = tmp[--n];
	return p;
}

size_t http_head_write(char *out, const struct http_head *h, const char *date)
{
	const struct status_text *st = status_find(h->status);
	char *p = out;

	p = PUT(p, "HTTP/1.1 ");
	p = put_uint(p, st->status);
	*p++ = ' ';
	p = put(p, st->reason, strlen(st->reason));
	p = PUT(p, "\r\nServer: ukit\r\nDate: ");
	p = put(p, date, HTTP_DATE_LEN);
	p = PUT(p, "\r\n");
	if (h->content_type) {
		p = PUT(p, "Content-Type: ");
		p = put(p, h->content_type, strlen(h->content_type));
		p = PUT(p, "\r\n");
	}
	if (!h->no_length) {
		p = PUT(p, "Content-Length: ");
		p = put_uint(p, h->content_length);
		p = PUT(p, "\r\n");
	}
	if (h->connection == HTTP_CONN_KEEP_ALIVE)
		p = PUT(p, "Connection: keep-alive\r\n");
	else if (h->connection == HTTP_CONN_CLOSE)
		p = PUT(p, "Connection: close\r\n");
	if (h->extra)
		p = put(p, h->extra, strnlen(h->extra, HTTP_EXTRA_MAX));
	p = PUT(p, "\r\n");
	return (size_t)(p - out);
}
