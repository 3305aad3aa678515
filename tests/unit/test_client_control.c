/* The control endpoint's request and form parsing, table-driven. */
#include "client/control.h"

#include <criterion/criterion.h>
#include <string.h>

static int parse(const char *text, struct control_request *req, size_t *head_len,
		 const char **why)
{
	return control_parse_request(text, strlen(text), req, head_len, why);
}

Test(client_control, get_clients)
{
	struct control_request req;
	const char *why = NULL;
	size_t head;

	cr_assert_eq(parse("GET /clients HTTP/1.1\r\nHost: x\r\n\r\n", &req, &head, &why),
		     CONTROL_DONE);
	cr_assert_str_eq(req.method, "GET");
	cr_assert(control_path_is(&req, "/clients"));
	cr_assert(!control_path_is(&req, "/client"));
	cr_assert(!control_path_is(&req, "/metrics"));
	cr_assert_eq(req.body_len, 0);
}

Test(client_control, curl_post_with_a_body)
{
	static const char text[] =
		"POST /clients HTTP/1.1\r\nHost: localhost:9000\r\nUser-Agent: curl/7.88.1\r\n"
		"Accept: */*\r\nContent-Length: 36\r\n"
		"Content-Type: application/x-www-form-urlencoded\r\n\r\n"
		"ws=ws://127.0.0.1:8000/ws/echo&count";
	struct control_request req;
	const char *why = NULL;
	size_t head, n = strlen(text);

	/* the body is 36 bytes: every shorter prefix is incomplete */
	for (size_t cut = 0; cut < n; cut++)
		cr_assert_eq(control_parse_request(text, cut, &req, &head, &why), CONTROL_MORE,
			     "cut %zu", cut);
	cr_assert_eq(control_parse_request(text, n, &req, &head, &why), CONTROL_DONE);
	cr_assert_eq(head, n - 36);
	cr_assert_eq(req.body_len, 36);
	cr_assert(!memcmp(req.body, "ws=ws://127.0.0.1:8000/ws/echo&count", 36));
	cr_assert(!req.expect_continue);
}

Test(client_control, head_known_before_the_body_for_100_continue)
{
	static const char text[] = "POST /clients HTTP/1.1\r\nContent-Length: 10\r\n"
				   "Expect: 100-continue\r\n\r\n";
	struct control_request req;
	const char *why = NULL;
	size_t head;

	cr_assert_eq(parse(text, &req, &head, &why), CONTROL_MORE);
	cr_assert_eq(head, strlen(text));
	cr_assert(req.expect_continue);
}

Test(client_control, bad_requests)
{
	static const struct {
		const char *text, *why;
	} cases[] = {
		{ "hello\r\n\r\n", "malformed request line" },
		{ "GET /clients\r\n\r\n", "malformed request line" },
		{ "GET clients HTTP/1.1\r\n\r\n", "malformed request line" },
		{ "GET /clients HTTP/2.0\r\n\r\n", "malformed request line" },
		{ "GET  /clients HTTP/1.1\r\n\r\n", "malformed request line" },
		{ "VERYLONGMETHODNAME /clients HTTP/1.1\r\n\r\n", "malformed request line" },
		{ "POST /clients HTTP/1.1\r\nContent-Length: x\r\n\r\n", "bad Content-Length" },
		{ "POST /clients HTTP/1.1\r\nContent-Length: \r\n\r\n", "bad Content-Length" },
		{ "POST /clients HTTP/1.1\r\nContent-Length: 99999\r\n\r\n", "request body too large" },
		{ "POST /clients HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", "chunked" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct control_request req;
		const char *why = NULL;
		size_t head;

		cr_assert_eq(parse(cases[i].text, &req, &head, &why), CONTROL_BAD, "%s", cases[i].text);
		cr_assert(strstr(why, cases[i].why), "%s: %s", cases[i].text, why);
	}
}

Test(client_control, a_head_that_never_ends)
{
	static char text[CONTROL_REQUEST_MAX + 10];
	struct control_request req;
	const char *why = NULL;
	size_t head;

	memset(text, 'a', sizeof(text));
	cr_assert_eq(control_parse_request(text, 100, &req, &head, &why), CONTROL_MORE);
	cr_assert_eq(control_parse_request(text, sizeof(text), &req, &head, &why), CONTROL_BAD);
}

static int add(const char *form, struct control_add *a, char *why)
{
	return control_parse_add(form, strlen(form), a, why, 256);
}

Test(client_control, forms)
{
	static const struct {
		const char *form, *url;
		uint32_t count;
	} good[] = {
		{ "ws=ws://127.0.0.1:8000/ws/echo&count=5", "ws://127.0.0.1:8000/ws/echo", 5 },
		{ "count=7&ws=ws://h/", "ws://h/", 7 },
		{ "url=http://h/x&count=1", "http://h/x", 1 },
		{ "ws=ws%3A%2F%2Fh%3A1%2Fa%20b&count=10000000", "ws://h:1/a b", 10000000 },
		{ "ws=ws://h/a+b&&count=2&", "ws://h/a b", 2 },
	};
	static const struct {
		const char *form, *why;
	} bad[] = {
		{ "", "missing ws=URL" },
		{ "count=5", "missing ws=URL" },
		{ "ws=ws://h/", "missing count" },
		{ "ws=ws://h/&count=0", "count" },
		{ "ws=ws://h/&count=10000001", "count" },
		{ "ws=ws://h/&count=-1", "count" },
		{ "ws=ws://h/&count=+1", "count" },
		{ "ws=ws://h/&count=5x", "count" },
		{ "ws=ws://h/&count=", "count" },
		{ "ws=ws://h/&count=1&count=2", "count" },
		{ "ws=ws://h/&url=ws://h/&count=1", "more than one" },
		{ "ws=ws://h/&count=1&clients=3", "unknown parameter 'clients'" },
		{ "ws=ws://h/&count", "malformed" },
		{ "ws=%4&count=1", "malformed" },
		{ "ws=%zz&count=1", "malformed" },
		{ "ws=a%00b&count=1", "malformed" },
	};
	struct control_add a;
	char why[256];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		cr_assert_eq(add(good[i].form, &a, why), 0, "%s: %s", good[i].form, why);
		cr_assert_str_eq(a.url, good[i].url);
		cr_assert_eq(a.count, good[i].count, "%s", good[i].form);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(add(bad[i].form, &a, why), -1, "%s", bad[i].form);
		cr_assert(strstr(why, bad[i].why), "%s: %s", bad[i].form, why);
		cr_assert(!strchr(why, '\n'));
	}
}
