/* Command line of ukit-server: flags, their defaults and one-line errors. */
#include "server/config.h"

#include "util/args.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
	"usage: ukit-server [options] [PORT]\n"
	"\n"
	"Answers GET /?length=N with N bytes of text (1..10240, default 1024) on PORT\n"
	"(default 8000), keep-alive, with one pinned thread and ring per core.\n"
	"\n"
	"  --bind ADDR             address to listen on (default 0.0.0.0)\n"
	"  --threads N             cores to use, one thread and ring each (default: all online)\n"
	"  --rings N               rings in all, each on its own thread, spread over the cores\n"
	"                          (default: enough for --max-conns; see README, 'Many rings')\n"
	"  --max-conns N           connections open at once; more are answered 503\n"
	"                          (default: what one ring per core holds)\n"
	"  --max-header-bytes N    request line and headers, else 431 (default 8192)\n"
	"  --max-url-bytes N       request target, else 414 (default 4096)\n"
	"  --max-headers N         header lines, else 431 (default 100)\n"
	"  --max-body N            request body bytes, else 413 (default 1048576)\n"
	"  --header-timeout SECS   a request's head must arrive within it, else 408 (default 10)\n"
	"  --idle-timeout SECS     idle keep-alive connections are closed after it (default 60)\n"
	"  --grace SECS            on SIGTERM/SIGINT, time to finish in-flight requests (default 5)\n"
	"  --max-ws-message N      WebSocket message bytes, else close 1009 (default 1048576)\n"
	"  --ws-idle-timeout SECS  a silent WebSocket is pinged at half this and closed (1001)\n"
	"                          at all of it (default 120)\n"
	"  --ring-slots N          registered file slots per ring (default: RLIMIT_NOFILE)\n"
	"  --taskrun defer|coop    io_uring task running mode (default defer)\n"
	"  --quiet                 no start-up line\n"
	"  --help, --version\n";

enum { O_BIND = 256, O_THREADS, O_RINGS, O_MAX_CONNS, O_MAX_HEADER_BYTES, O_MAX_URL_BYTES,
       O_MAX_HEADERS, O_MAX_BODY, O_HEADER_TIMEOUT, O_IDLE_TIMEOUT, O_GRACE, O_RING_SLOTS,
       O_MAX_WS_MESSAGE, O_WS_IDLE_TIMEOUT,
       O_TASKRUN, O_QUIET, O_HELP, O_VERSION };

static const struct option options[] = {
	{ "bind", required_argument, NULL, O_BIND },
	{ "threads", required_argument, NULL, O_THREADS },
	{ "rings", required_argument, NULL, O_RINGS },
	{ "max-conns", required_argument, NULL, O_MAX_CONNS },
	{ "max-header-bytes", required_argument, NULL, O_MAX_HEADER_BYTES },
	{ "max-url-bytes", required_argument, NULL, O_MAX_URL_BYTES },
	{ "max-headers", required_argument, NULL, O_MAX_HEADERS },
	{ "max-body", required_argument, NULL, O_MAX_BODY },
	{ "header-timeout", required_argument, NULL, O_HEADER_TIMEOUT },
	{ "idle-timeout", required_argument, NULL, O_IDLE_TIMEOUT },
	{ "grace", required_argument, NULL, O_GRACE },
	{ "max-ws-message", required_argument, NULL, O_MAX_WS_MESSAGE },
	{ "ws-idle-timeout", required_argument, NULL, O_WS_IDLE_TIMEOUT },
	{ "ring-slots", required_argument, NULL, O_RING_SLOTS },
	{ "taskrun", required_argument, NULL, O_TASKRUN },
	{ "quiet", no_argument, NULL, O_QUIET },
	{ "help", no_argument, NULL, O_HELP },
	{ "version", no_argument, NULL, O_VERSION },
	{ 0 },
};

int server_config_parse(struct server_config *cfg, int argc, char **argv)
{
	struct args a = { .prog = "ukit-server" };
	uint64_t v;
	int opt;

	memset(cfg, 0, sizeof(*cfg));
	cfg->bind_addr = "0.0.0.0";
	cfg->port = 8000;
	cfg->max_header_bytes = 8192;
	cfg->max_url_bytes = 4096;
	cfg->max_headers = 100;
	cfg->max_body = 1 << 20;
	cfg->header_timeout = 10;
	cfg->idle_timeout = 60;
	cfg->grace = 5;
	cfg->max_ws_message = 1 << 20;
	cfg->ws_idle_timeout = 120;
	cfg->taskrun = TASKRUN_DEFER;

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		const char *name = args_option_name(options, opt);

		switch (opt) {
		case O_BIND:
			cfg->bind_addr = optarg;
			break;
		case O_THREADS:
			if (args_uint(&a, name, optarg, 1, 1024, &v))
				return -1;
			cfg->threads = (unsigned)v;
			break;
		case O_RINGS:
			if (args_uint(&a, name, optarg, 1, 4096, &v))
				return -1;
			cfg->rings = (unsigned)v;
			break;
		case O_MAX_CONNS:
			if (args_uint(&a, name, optarg, 1, 100000000, &v))
				return -1;
			cfg->max_conns = (uint32_t)v;
			break;
		case O_MAX_HEADER_BYTES:
			if (args_uint(&a, name, optarg, 256, 1 << 20, &v))
				return -1;
			cfg->max_header_bytes = (uint32_t)v;
			break;
		case O_MAX_URL_BYTES:
			if (args_uint(&a, name, optarg, 16, 1 << 20, &v))
				return -1;
			cfg->max_url_bytes = (uint32_t)v;
			break;
		case O_MAX_HEADERS:
			if (args_uint(&a, name, optarg, 1, 10000, &v))
				return -1;
			cfg->max_headers = (uint32_t)v;
			break;
		case O_MAX_BODY:
			if (args_uint(&a, name, optarg, 0, 1ull << 40, &v))
				return -1;
			cfg->max_body = v;
			break;
		case O_HEADER_TIMEOUT:
			if (args_uint(&a, name, optarg, 1, 3600, &v))
				return -1;
			cfg->header_timeout = (unsigned)v;
			break;
		case O_IDLE_TIMEOUT:
			if (args_uint(&a, name, optarg, 1, 86400, &v))
				return -1;
			cfg->idle_timeout = (unsigned)v;
			break;
		case O_GRACE:
			if (args_uint(&a, name, optarg, 0, 3600, &v))
				return -1;
			cfg->grace = (unsigned)v;
			break;
		case O_MAX_WS_MESSAGE:
			if (args_uint(&a, name, optarg, 0, 1ull << 40, &v))
				return -1;
			cfg->max_ws_message = v;
			break;
		case O_WS_IDLE_TIMEOUT:
			if (args_uint(&a, name, optarg, 2, 86400, &v))
				return -1;
			cfg->ws_idle_timeout = (unsigned)v;
			break;
		case O_RING_SLOTS:
			if (args_uint(&a, name, optarg, 2, 1 << 20, &v))
				return -1;
			cfg->ring_slots = (uint32_t)v;
			break;
		case O_TASKRUN:
			if (!strcmp(optarg, "defer"))
				cfg->taskrun = TASKRUN_DEFER;
			else if (!strcmp(optarg, "coop"))
				cfg->taskrun = TASKRUN_COOP;
			else
				return args_error(&a, "--taskrun: expected defer or coop, got '%s'", optarg);
			break;
		case O_QUIET:
			cfg->quiet = 1;
			break;
		case O_HELP:
			fputs(usage, stdout);
			return 1;
		case O_VERSION:
			puts("ukit-server " UKIT_VERSION);
			return 1;
		default:
			return args_bad_option(&a, argv, opt);
		}
	}
	if (optind < argc) {
		if (args_uint(&a, "PORT", argv[optind], 1, 65535, &v))
			return -1;
		cfg->port = (uint16_t)v;
		optind++;
	}
	if (optind < argc)
		return args_error(&a, "unexpected argument '%s' (see --help)", argv[optind]);
	return 0;
}
