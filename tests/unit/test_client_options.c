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
	static char buf[1024]; /* argv strings outlive parse(): cfg points into them */
	char *argv[32];
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

Test(client_options, websocket_mode_from_the_url)
{
	cr_assert_eq(parse("ukit-client ws://127.0.0.1:8000/ws/echo"), 0);
	cr_assert_eq(cfg.mode, MODE_WS);
	cr_assert_eq(cfg.target.scheme, MODE_WS);
	cr_assert_str_eq(cfg.target.path, "/ws/echo");
	cr_assert_eq(cfg.ping_ms, 30000);
	cr_assert_eq(cfg.msg_size, 0);
	cr_assert_eq(cfg.capacity, cfg.conns);
	cr_assert_eq(parse("ukit-client --mode ws http://127.0.0.1/ws/echo"), 0);
	cr_assert_eq(cfg.mode, MODE_WS);
	cr_assert_eq(cfg.target.port, 80);
	cr_assert_eq(parse("ukit-client http://127.0.0.1/"), 0);
	cr_assert_eq(cfg.mode, MODE_HTTP);
}

Test(client_options, websocket_flags)
{
	cr_assert_eq(parse("ukit-client -c 5 --ping 0.5 --message-size 1000 --text "
			   "--control 9000 --metrics-port 9100 --metrics-host a.b --linger 5 "
			   "ws://127.0.0.1:8000/ws/echo"), 0);
	cr_assert_eq(cfg.ping_ms, 500);
	cr_assert_eq(cfg.msg_size, 1000);
	cr_assert_eq(cfg.msg_every_ms, 500); /* --message-every defaults to --ping */
	cr_assert(cfg.text);
	cr_assert_eq(cfg.control_port, 9000);
	cr_assert_eq(cfg.metrics_port, 9100);
	cr_assert_str_eq(cfg.metrics_host, "a.b");
	cr_assert_eq(cfg.linger, 5);
	cr_assert_eq(cfg.capacity, CLIENT_CONTROL_CAPACITY); /* room to add with --control */
	cr_assert_eq(parse("ukit-client -c 0 --control 9000 --capacity 7 ws://127.0.0.1/"), 0);
	cr_assert_eq(cfg.capacity, 7);
	cr_assert_eq(parse("ukit-client -c 0 --control 9000 --capacity 70000 ws://127.0.0.1/"), 0);
	cr_assert_eq(cfg.conns, 0);
	cr_assert_eq(cfg.capacity, 70000);
	cr_assert_eq(parse("ukit-client -c 30000 --control 9000 ws://127.0.0.1/"), 0);
	cr_assert_eq(cfg.capacity, 30000);
	cr_assert_eq(parse("ukit-client --message-size 10 --message-every 2.25 ws://127.0.0.1/"), 0);
	cr_assert_eq(cfg.msg_every_ms, 2250);
}

Test(client_options, websocket_bad_input, .init = cr_redirect_stderr)
{
	static const char *bad[] = {
		"ukit-client wss://127.0.0.1/",
		"ukit-client --mode http ws://127.0.0.1/",
		"ukit-client --mode websocket ws://127.0.0.1/",
		"ukit-client --ping 1 http://127.0.0.1/",
		"ukit-client --message-size 5 http://127.0.0.1/",
		"ukit-client --text http://127.0.0.1/",
		"ukit-client --idle 1-2 ws://127.0.0.1/",
		"ukit-client --length 1-2 ws://127.0.0.1/",
		"ukit-client --closed-loop ws://127.0.0.1/",
		"ukit-client --no-check-body ws://127.0.0.1/",
		"ukit-client --message-every 1 ws://127.0.0.1/",
		"ukit-client --message-size 1048577 ws://127.0.0.1/",
		"ukit-client --ping 0.05 ws://127.0.0.1/",
		"ukit-client -c 0 ws://127.0.0.1/",
		"ukit-client -c 5 --capacity 4 ws://127.0.0.1/",
		"ukit-client --control 0 ws://127.0.0.1/",
		"ukit-client --metrics-host= ws://127.0.0.1/",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(parse(bad[i]), -1, "%s", bad[i]);
}

Test(client_options, seconds_with_decimals)
{
	static const struct {
		const char *text;
		int ok;
		uint32_t ms;
	} cases[] = {
		{ "30", 1, 30000 }, { "0.5", 1, 500 }, { "1.25", 1, 1250 }, { "0.001", 1, 1 },
		{ "3600", 1, 3600000 }, { "0", 0, 0 }, { "0.0001", 0, 0 }, { "1.", 0, 0 },
		{ ".5", 0, 0 }, { "1e3", 0, 0 }, { "-1", 0, 0 }, { "", 0, 0 }, { "3601", 0, 0 },
		{ "99999999999999999999", 0, 0 }, { "1 ", 0, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t ms = 0;
		int r = client_seconds_parse(cases[i].text, 1, 3600000, &ms);
		cr_assert_eq(r == 0, cases[i].ok, "'%s'", cases[i].text);
		if (cases[i].ok)
			cr_assert_eq(ms, cases[i].ms, "'%s': %u", cases[i].text, ms);
	}
}
