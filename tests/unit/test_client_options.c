/* The client's command line and URL. */
#include "client/options.h"
#include "client/request.h"
#include "client/response.h"

#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <string.h>

static struct client_config cfg;

static int parse(const char *line)
{
	char buf[1024], *argv[32];
	int argc = 0;

	strcpy(buf, line);
	for (char *tok = strtok(buf, " "); tok; tok = strtok(NULL, " "))
		argv[argc++] = tok;
	argv[argc] = NULL;
	return client_config_parse(&cfg, argc, argv);
}

Test(client_options, defaults_are_the_seed_scenario)
{
	cr_assert_eq(parse("ukit-client http://127.0.0.1:8000/"), 0);
	cr_assert_eq(cfg.target.ip, 0x7f000001);
	cr_assert_eq(cfg.target.port, 8000);
	cr_assert_str_eq(cfg.target.path, "/");
	cr_assert_str_eq(cfg.target.host, "127.0.0.1:8000");
	cr_assert_eq(cfg.length_lo, 1);
	cr_assert_eq(cfg.length_hi, 4096);
	cr_assert_eq(cfg.idle_lo_ms, 5000);
	cr_assert_eq(cfg.idle_hi_ms, 45000);
	cr_assert_eq(cfg.duration, 60);
	cr_assert_eq(cfg.check_body, CHECK_AUTO);
}

Test(client_options, flags)
{
	cr_assert_eq(parse("ukit-client -c 600000 --rate 5000 --length 10-20 --idle 0-1 "
			   "--closed-loop --pipeline 8 --no-check-body --source 10.0.0.1-10.0.0.30 "
			   "http://localhost/x?a=1"), 0);
	cr_assert_eq(cfg.conns, 600000);
	cr_assert_eq(cfg.rate, 5000);
	cr_assert_eq(cfg.idle_hi_ms, 1000);
	cr_assert_eq(cfg.pipeline, 8);
	cr_assert_eq(cfg.check_body, CHECK_OFF);
	cr_assert_eq(cfg.source_hi - cfg.source_lo, 29);
	cr_assert_eq(cfg.target.port, 80);
	cr_assert_str_eq(cfg.target.path, "/x?a=1");
	cr_assert_str_eq(cfg.target.host, "localhost");
}

Test(client_options, bad_input_is_one_line, .init = cr_redirect_stderr)
{
	static const char *bad[] = {
		"ukit-client",
		"ukit-client https://127.0.0.1/",
		"ukit-client ftp://x/",
		"ukit-client http://127.0.0.1:0/",
		"ukit-client http://127.0.0.1:70000/",
		"ukit-client http://:80/",
		"ukit-client http://no.such.host.invalid/",
		"ukit-client -c 0 http://127.0.0.1/",
		"ukit-client -c x http://127.0.0.1/",
		"ukit-client --length 5-1 http://127.0.0.1/",
		"ukit-client --length 1-20000 http://127.0.0.1/",
		"ukit-client --pipeline 4 http://127.0.0.1/",
		"ukit-client --source 10.0.0.9-10.0.0.1 http://127.0.0.1/",
		"ukit-client --bogus http://127.0.0.1/",
		"ukit-client http://127.0.0.1/ extra",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(parse(bad[i]), -1, "%s", bad[i]);
}

Test(client_options, request_table_bytes)
{
	struct request_table t;
	size_t len;
	const char *b;

	cr_assert_eq(request_table_build(&t, "/p?q=1", "h:1", 5, 12, 1), 0);
	b = request_bytes(&t, 12, &len);
	cr_assert_eq(len, strlen("GET /p?q=1&length=12 HTTP/1.1\r\nHost: h:1\r\nConnection: close\r\n\r\n"));
	cr_assert(!memcmp(b, "GET /p?q=1&length=12 HTTP/1.1\r\nHost: h:1\r\nConnection: close\r\n\r\n", len));
	b = request_bytes(&t, 5, &len);
	cr_assert(!memcmp(b, "GET /p?q=1&length=5 ", 20));
	request_table_free(&t);
}
