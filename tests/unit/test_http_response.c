/* Response heads: exact bytes for the statuses and headers ukit sends. */
#include "http/response.h"

#include <criterion/criterion.h>
#include <string.h>

static const char date[] = "Mon, 23 Nov 2026 18:36:39 GMT";

Test(http_response, ok_with_length)
{
	char buf[HTTP_HEAD_MAX];
	struct http_head h = { .status = 200, .content_length = 1024, .content_type = "text/plain" };
	size_t n = http_head_write(buf, &h, date);

	buf[n] = 0;
	cr_assert_str_eq(buf, "HTTP/1.1 200 OK\r\nServer: ukit\r\n"
			      "Date: Mon, 23 Nov 2026 18:36:39 GMT\r\n"
			      "Content-Type: text/plain\r\nContent-Length: 1024\r\n\r\n");
}

Test(http_response, connection_headers_and_extra)
{
	char buf[HTTP_HEAD_MAX];
	struct http_head h = { .status = 405, .content_length = 0, .connection = HTTP_CONN_CLOSE,
			       .extra = "Allow: GET\r\n" };
	size_t n = http_head_write(buf, &h, date);

	buf[n] = 0;
	cr_assert(strstr(buf, "HTTP/1.1 405 Method Not Allowed\r\n") == buf);
	cr_assert(strstr(buf, "Connection: close\r\nAllow: GET\r\n\r\n"));
	h.connection = HTTP_CONN_KEEP_ALIVE;
	n = http_head_write(buf, &h, date);
	buf[n] = 0;
	cr_assert(strstr(buf, "Connection: keep-alive\r\n"));
}

Test(http_response, interim_has_no_length)
{
	char buf[HTTP_HEAD_MAX];
	struct http_head h = { .status = 101, .no_length = 1 };
	size_t n = http_head_write(buf, &h, date);

	buf[n] = 0;
	cr_assert_null(strstr(buf, "Content-Length"));
}

Test(http_response, unknown_status_is_500_and_bodies_name_the_status)
{
	cr_assert_str_eq(http_reason(299), "Internal Server Error");
	cr_assert_str_eq(http_error_body(431), "431 Request Header Fields Too Large\n");
}

Test(http_response, date_format)
{
	char out[HTTP_DATE_LEN + 1];

	http_date_format(out, 784111777); /* RFC 9110's example instant */
	cr_assert_str_eq(out, "Sun, 06 Nov 1994 08:49:37 GMT");
}
