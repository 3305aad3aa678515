/* Command line of ukit-client: flags, defaults, the URL, one-line errors. */
#include "client/options.h"

#include "client/response.h"
#include "http/text.h"
#include "util/args.h"

#include <arpa/inet.h>
#include <getopt.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"usage: ukit-client [options] http://HOST[:PORT][/PATH]\n"
	"       ukit-client [options] ws://HOST[:PORT][/PATH]\n"
	"\n"
	"Scenario mode (default), the 600k-connections test: hold -c keep-alive\n"
	"connections; on each, GET PATH?length=L (L uniform in --length), check the\n"
	"response, idle uniform --idle seconds, repeat. Throughput mode (--closed-loop):\n"
	"no idle, --pipeline requests in flight per connection.\n"
	"WebSocket mode (--mode ws, or a ws:// URL), the held-connections test: open\n"
	"-c WebSockets (handshake checked), ping each every --ping seconds and time\n"
	"the pongs; optionally send messages and check their echo byte for byte.\n"
	"\n"
	"  -c, --connections N     connections to hold open (default 100; 0 with --control)\n"
	"  --rate R                new connections per second (default: as fast as accepted)\n"
	"  --max-connecting N      connects in flight at once, all rings (default 256 per ring)\n"
	"  --length A-B            asked body length, uniform (default 1-4096, at most 10240)\n"
	"  --idle A-B              seconds between requests on a connection (default 5-45)\n"
	"  --duration S            seconds to run, then close all and summarize (default 60)\n"
	"  --timeout S             per connect, request, handshake, pong and echo (default 10)\n"
	"  --closed-loop           throughput mode: the next request as soon as one ends\n"
	"  --pipeline D            requests in flight per connection (default 1)\n"
	"  --connection-close      a new connection for every request\n"
	"  --mode http|ws          HTTP requests (default) or WebSocket connections\n"
	"  --ping S                ws: seconds between pings on a connection, the first at a\n"
	"                          random point of the first S (default 30; decimals allowed)\n"
	"  --message-size B        ws: also send messages of B bytes (at most 1 MiB) and check\n"
	"                          their echo byte for byte (default: none)\n"
	"  --message-every S       ws: seconds between messages on a connection (default: --ping)\n"
	"  --text                  ws: text messages (default binary)\n"
	"  --control PORT          serve the control API on 127.0.0.1:PORT: GET /clients, and\n"
	"                          POST /clients with ws=URL&count=N to add N connections\n"
	"  --capacity N            connections the control API may raise the count to\n"
	"                          (default: -c, or the larger of -c and 20000 with --control)\n"
	"  --metrics-port PORT     serve Prometheus text at http://127.0.0.1:PORT/metrics\n"
	"                          (the control port may be the same)\n"
	"  --metrics-host NAME     the host label of every series (default: the hostname)\n"
	"  --metrics-bind ADDR     the address --metrics-port listens on (default 127.0.0.1;\n"
	"                          the control API stays on loopback)\n"
	"  --linger S              keep the endpoints up S seconds after the summary\n"
	"                          (a signal ends it sooner; default 0)\n"
	"  --threads N             cores to use (default: all online)\n"
	"  --rings N               rings, one thread each, spread over the cores\n"
	"                          (default: enough for -c, as many as --threads at least)\n"
	"  --ring-slots N          connections per ring at most (default: RLIMIT_NOFILE)\n"
	"  --per-source N          connections per loopback source address (default 4000)\n"
	"  --source A-B            source addresses to spread over (IPv4, e.g. 10.0.0.1-10.0.0.30)\n"
	"  --check-body, --no-check-body      body must be a prefix of ukit's text\n"
	"  --check-length, --no-check-length  Content-Length must be the asked length\n"
	"                          (both default on when the server says Server: ukit)\n"
	"  --out FILE.csv          one row of numbers per second\n"
	"  --json                  the summary as JSON on stdout (progress goes to stderr)\n"
	"  --quiet                 no progress lines\n"
	"  --help, --version\n";

enum { O_CONNS = 'c', O_RATE = 256, O_MAX_CONNECTING, O_LENGTH, O_IDLE, O_DURATION, O_TIMEOUT,
       O_CLOSED_LOOP, O_PIPELINE, O_CONNECTION_CLOSE, O_THREADS, O_RINGS, O_RING_SLOTS,
       O_PER_SOURCE, O_SOURCE, O_CHECK_BODY, O_NO_CHECK_BODY, O_CHECK_LENGTH, O_NO_CHECK_LENGTH,
       O_OUT, O_JSON, O_QUIET, O_HELP, O_VERSION, O_MODE, O_PING, O_MESSAGE_SIZE,
       O_MESSAGE_EVERY, O_TEXT, O_CONTROL, O_CAPACITY, O_METRICS_PORT, O_METRICS_HOST, O_LINGER,
       O_METRICS_BIND };

static const struct option options[] = {
	{ "connections", required_argument, NULL, O_CONNS },
	{ "rate", required_argument, NULL, O_RATE },
	{ "max-connecting", required_argument, NULL, O_MAX_CONNECTING },
	{ "length", required_argument, NULL, O_LENGTH },
	{ "idle", required_argument, NULL, O_IDLE },
	{ "duration", required_argument, NULL, O_DURATION },
	{ "timeout", required_argument, NULL, O_TIMEOUT },
	{ "closed-loop", no_argument, NULL, O_CLOSED_LOOP },
	{ "pipeline", required_argument, NULL, O_PIPELINE },
	{ "connection-close", no_argument, NULL, O_CONNECTION_CLOSE },
	{ "threads", required_argument, NULL, O_THREADS },
	{ "rings", required_argument, NULL, O_RINGS },
	{ "ring-slots", required_argument, NULL, O_RING_SLOTS },
	{ "per-source", required_argument, NULL, O_PER_SOURCE },
	{ "source", required_argument, NULL, O_SOURCE },
	{ "check-body", no_argument, NULL, O_CHECK_BODY },
	{ "no-check-body", no_argument, NULL, O_NO_CHECK_BODY },
	{ "check-length", no_argument, NULL, O_CHECK_LENGTH },
	{ "no-check-length", no_argument, NULL, O_NO_CHECK_LENGTH },
	{ "out", required_argument, NULL, O_OUT },
	{ "json", no_argument, NULL, O_JSON },
	{ "quiet", no_argument, NULL, O_QUIET },
	{ "mode", required_argument, NULL, O_MODE },
	{ "ping", required_argument, NULL, O_PING },
	{ "message-size", required_argument, NULL, O_MESSAGE_SIZE },
	{ "message-every", required_argument, NULL, O_MESSAGE_EVERY },
	{ "text", no_argument, NULL, O_TEXT },
	{ "control", required_argument, NULL, O_CONTROL },
	{ "capacity", required_argument, NULL, O_CAPACITY },
	{ "metrics-port", required_argument, NULL, O_METRICS_PORT },
	{ "metrics-host", required_argument, NULL, O_METRICS_HOST },
	{ "metrics-bind", required_argument, NULL, O_METRICS_BIND },
	{ "linger", required_argument, NULL, O_LINGER },
	{ "help", no_argument, NULL, O_HELP },
	{ "version", no_argument, NULL, O_VERSION },
	{ 0 },
};

int client_ipv4_parse(const char *text, uint32_t *ip)
{
	struct in_addr a;

	if (inet_pton(AF_INET, text, &a) != 1)
		return -1;
	*ip = ntohl(a.s_addr);
	return 0;
}

static int resolve(const char *host, uint32_t *ip)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM };
	struct addrinfo *res;

	if (!client_ipv4_parse(host, ip))
		return 0;
	if (getaddrinfo(host, NULL, &hints, &res))
		return -1;
	*ip = ntohl(((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr);
	freeaddrinfo(res);
	return 0;
}

int client_url_parse(const char *url, struct client_target *t, char *err, size_t errlen)
{
	static const struct {
		const char *prefix;
		int scheme;
	} schemes[] = { { "http://", MODE_HTTP }, { "ws://", MODE_WS } };
	const char *host = NULL, *end, *colon, *slash;
	size_t hlen;

	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (!strncasecmp(url, schemes[i].prefix, strlen(schemes[i].prefix))) {
			host = url + strlen(schemes[i].prefix);
			t->scheme = schemes[i].scheme;
		}
	if (!host) {
		snprintf(err, errlen, "'%s': expected http:// or ws://HOST[:PORT][/PATH]%s", url,
			 strncasecmp(url, "https://", 8) && strncasecmp(url, "wss://", 6) ? ""
											   : " (no TLS)");
		return -1;
	}
	slash = strchr(host, '/');
	end = slash ? slash : host + strlen(host);
	if (*host == '[') {
		snprintf(err, errlen, "'%s': IPv6 servers are not supported", url);
		return -1;
	}
	colon = memchr(host, ':', (size_t)(end - host));
	hlen = (size_t)((colon ? colon : end) - host);
	if (hlen == 0 || hlen >= sizeof(t->host) || (size_t)(end - host) >= sizeof(t->host)) {
		snprintf(err, errlen, "'%s': bad or missing host", url);
		return -1;
	}
	t->port = 80;
	if (colon) {
		char *e;
		unsigned long p = strtoul(colon + 1, &e, 10);
		if (colon + 1 == end || e != end || p < 1 || p > 65535) {
			snprintf(err, errlen, "'%s': bad port", url);
			return -1;
		}
		t->port = (uint16_t)p;
	}
	if (slash && strlen(slash) >= sizeof(t->path)) {
		snprintf(err, errlen, "'%s': path too long", url);
		return -1;
	}
	strcpy(t->path, slash ? slash : "/");
	if (strpbrk(t->path, " \r\n#")) {
		snprintf(err, errlen, "'%s': the path may not hold spaces, line breaks or '#'", url);
		return -1;
	}
	memcpy(t->host, host, hlen);
	t->host[hlen] = 0;
	if (resolve(t->host, &t->ip)) {
		snprintf(err, errlen, "'%s': cannot resolve '%s' to an IPv4 address", url, t->host);
		return -1;
	}
	/* the Host header carries the port as written */
	memcpy(t->host, host, (size_t)(end - host));
	t->host[end - host] = 0;
	return 0;
}

int client_seconds_parse(const char *text, uint32_t min_ms, uint32_t max_ms, uint32_t *ms)
{
	uint64_t whole = 0, frac = 0, scale = 1000;
	const char *p = text;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		whole = whole * 10 + (uint64_t)(*p - '0');
		if (whole > max_ms)
			return -1;
	}
	if (*p == '.') {
		if (p[1] < '0' || p[1] > '9')
			return -1;
		for (p++; *p >= '0' && *p <= '9'; p++) {
			if (scale == 1)
				return -1; /* finer than a millisecond */
			scale /= 10;
			frac += (uint64_t)(*p - '0') * scale;
		}
	}
	if (*p || whole * 1000 + frac < min_ms || whole * 1000 + frac > max_ms)
		return -1;
	*ms = (uint32_t)(whole * 1000 + frac);
	return 0;
}

static int seconds(const struct args *a, const char *name, const char *text, uint32_t min_ms,
		   uint32_t max_ms, uint32_t *ms)
{
	if (!client_seconds_parse(text, min_ms, max_ms, ms))
		return 0;
	return args_error(a, "%s: expected seconds from %u.%u to %u (decimals allowed), got '%s'",
			  name, min_ms / 1000, min_ms % 1000 / 100, max_ms / 1000, text);
}

static int parse_sources(const struct args *a, const char *text, struct client_config *cfg)
{
	char lo[64], *dash;

	if (strlen(text) >= sizeof(lo))
		goto bad;
	strcpy(lo, text);
	dash = strchr(lo, '-');
	if (dash)
		*dash = 0;
	if (client_ipv4_parse(lo, &cfg->source_lo) ||
	    client_ipv4_parse(dash ? dash + 1 : lo, &cfg->source_hi) ||
	    cfg->source_lo > cfg->source_hi || !cfg->source_lo)
		goto bad;
	return 0;
bad:
	return args_error(a, "--source: expected A-B, two IPv4 addresses with A <= B, got '%s'",
			  text);
}

static void defaults(struct client_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->conns = 100;
	cfg->length_lo = 1;
	cfg->length_hi = 4096;
	cfg->idle_lo_ms = 5000;
	cfg->idle_hi_ms = 45000;
	cfg->duration = 60;
	cfg->timeout = 10;
	cfg->pipeline = 1;
	cfg->per_source = 4000;
	cfg->check_length = CHECK_AUTO;
	cfg->check_body = CHECK_AUTO;
	cfg->ping_ms = 30000;
	cfg->mode = -1; /* from the URL unless --mode says */
}

/* Flags that belong to one mode, to refuse them in the other. */
enum { G_HTTP = 1, G_WS = 2 };

int client_config_parse(struct client_config *cfg, int argc, char **argv)
{
	struct args a = { .prog = "ukit-client" };
	char err[512];
	uint64_t v, w;
	unsigned http_only = 0, ws_only = 0;
	int opt, capacity_given = 0;
	const char *http_flag = NULL, *ws_flag = NULL;

	defaults(cfg);
	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":c:", options, NULL)) != -1) {
		const char *name = opt == 'c' ? "-c" : args_option_name(options, opt);

		switch (opt) {
		case O_LENGTH: case O_IDLE: case O_CLOSED_LOOP: case O_PIPELINE:
		case O_CONNECTION_CLOSE: case O_CHECK_BODY: case O_NO_CHECK_BODY:
		case O_CHECK_LENGTH: case O_NO_CHECK_LENGTH:
			http_only = 1;
			http_flag = name;
			break;
		case O_PING: case O_MESSAGE_SIZE: case O_MESSAGE_EVERY: case O_TEXT:
			ws_only = 1;
			ws_flag = name;
			break;
		default:
			break;
		}
		switch (opt) {
		case O_CONNS:
			if (args_uint(&a, name, optarg, 0, 10000000, &v))
				return -1;
			cfg->conns = (uint32_t)v;
			break;
		case O_RATE:
			if (args_uint(&a, name, optarg, 1, 100000000, &v))
				return -1;
			cfg->rate = (double)v;
			break;
		case O_MAX_CONNECTING:
			if (args_uint(&a, name, optarg, 1, 1000000, &v))
				return -1;
			cfg->max_connecting = (uint32_t)v;
			break;
		case O_LENGTH:
			if (args_range(&a, name, optarg, 1, HTTP_TEXT_MAX, &v, &w))
				return -1;
			cfg->length_lo = (uint32_t)v;
			cfg->length_hi = (uint32_t)w;
			break;
		case O_IDLE:
			if (args_range(&a, name, optarg, 0, 3600, &v, &w))
				return -1;
			cfg->idle_lo_ms = (uint32_t)v * 1000;
			cfg->idle_hi_ms = (uint32_t)w * 1000;
			break;
		case O_DURATION:
			if (args_uint(&a, name, optarg, 1, 30 * 86400, &v))
				return -1;
			cfg->duration = (uint32_t)v;
			break;
		case O_TIMEOUT:
			if (args_uint(&a, name, optarg, 1, 3600, &v))
				return -1;
			cfg->timeout = (uint32_t)v;
			break;
		case O_CLOSED_LOOP:
			cfg->closed_loop = 1;
			break;
		case O_PIPELINE:
			if (args_uint(&a, name, optarg, 1, 256, &v))
				return -1;
			cfg->pipeline = (uint32_t)v;
			break;
		case O_CONNECTION_CLOSE:
			cfg->connection_close = 1;
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
		case O_RING_SLOTS:
			if (args_uint(&a, name, optarg, 1, 1 << 20, &v))
				return -1;
			cfg->ring_slots = (uint32_t)v;
			break;
		case O_PER_SOURCE:
			if (args_uint(&a, name, optarg, 1, 65535, &v))
				return -1;
			cfg->per_source = (uint32_t)v;
			break;
		case O_SOURCE:
			if (parse_sources(&a, optarg, cfg))
				return -1;
			break;
		case O_CHECK_BODY:
		case O_NO_CHECK_BODY:
			cfg->check_body = opt == O_CHECK_BODY ? CHECK_ON : CHECK_OFF;
			break;
		case O_CHECK_LENGTH:
		case O_NO_CHECK_LENGTH:
			cfg->check_length = opt == O_CHECK_LENGTH ? CHECK_ON : CHECK_OFF;
			break;
		case O_MODE:
			if (!strcmp(optarg, "http"))
				cfg->mode = MODE_HTTP;
			else if (!strcmp(optarg, "ws"))
				cfg->mode = MODE_WS;
			else
				return args_error(&a, "--mode: expected http or ws, got '%s'", optarg);
			break;
		case O_PING:
			if (seconds(&a, name, optarg, 100, 3600 * 1000, &cfg->ping_ms))
				return -1;
			break;
		case O_MESSAGE_SIZE:
			if (args_uint(&a, name, optarg, 1, CLIENT_MESSAGE_MAX, &v))
				return -1;
			cfg->msg_size = (uint32_t)v;
			break;
		case O_MESSAGE_EVERY:
			if (seconds(&a, name, optarg, 100, 3600 * 1000, &cfg->msg_every_ms))
				return -1;
			break;
		case O_TEXT:
			cfg->text = 1;
			break;
		case O_CONTROL:
		case O_METRICS_PORT:
			if (args_uint(&a, name, optarg, 1, 65535, &v))
				return -1;
			if (opt == O_CONTROL)
				cfg->control_port = (uint16_t)v;
			else
				cfg->metrics_port = (uint16_t)v;
			break;
		case O_CAPACITY:
			if (args_uint(&a, name, optarg, 1, 10000000, &v))
				return -1;
			cfg->capacity = (uint32_t)v;
			capacity_given = 1;
			break;
		case O_METRICS_BIND: {
			struct in_addr in;
			if (inet_pton(AF_INET, optarg, &in) != 1)
				return args_error(&a, "%s: expected an IPv4 address, got '%s'", name,
						  optarg);
			cfg->metrics_bind = in.s_addr;
			break;
		}
		case O_METRICS_HOST:
			if (!*optarg || strlen(optarg) > 255)
				return args_error(&a, "--metrics-host: expected 1 to 255 characters");
			cfg->metrics_host = optarg;
			break;
		case O_LINGER:
			if (args_uint(&a, name, optarg, 0, 3600, &v))
				return -1;
			cfg->linger = (uint32_t)v;
			break;
		case O_OUT:
			cfg->csv_path = optarg;
			break;
		case O_JSON:
			cfg->json = 1;
			break;
		case O_QUIET:
			cfg->quiet = 1;
			break;
		case O_HELP:
			fputs(usage, stdout);
			return 1;
		case O_VERSION:
			puts("ukit-client " UKIT_VERSION);
			return 1;
		default:
			return args_bad_option(&a, argv, opt);
		}
	}
	if (optind >= argc)
		return args_error(&a, "missing URL, e.g. http://127.0.0.1:8000/ (see --help)");
	if (optind + 1 < argc)
		return args_error(&a, "unexpected argument '%s' (see --help)", argv[optind + 1]);
	cfg->url = argv[optind];
	if (client_url_parse(cfg->url, &cfg->target, err, sizeof(err)))
		return args_error(&a, "%s", err);
	if (cfg->mode < 0)
		cfg->mode = cfg->target.scheme;
	else if (cfg->mode == MODE_HTTP && cfg->target.scheme == MODE_WS)
		return args_error(&a, "--mode http with a ws:// URL: use http://");
	if (cfg->mode == MODE_WS && http_only)
		return args_error(&a, "%s applies to HTTP mode, not to WebSocket mode", http_flag);
	if (cfg->mode == MODE_HTTP && ws_only)
		return args_error(&a, "%s applies to WebSocket mode (--mode ws or a ws:// URL)",
				  ws_flag);
	if (cfg->msg_every_ms && !cfg->msg_size)
		return args_error(&a, "--message-every needs --message-size");
	if (!cfg->msg_every_ms)
		cfg->msg_every_ms = cfg->ping_ms;
	if (!cfg->conns && !cfg->control_port)
		return args_error(&a, "-c 0 holds nothing: give --control PORT to add connections later");
	if (!capacity_given)
		cfg->capacity = cfg->control_port && cfg->conns < CLIENT_CONTROL_CAPACITY
					? CLIENT_CONTROL_CAPACITY : cfg->conns;
	if (cfg->capacity < cfg->conns)
		return args_error(&a, "--capacity %u is below -c %u", cfg->capacity, cfg->conns);
	if (cfg->pipeline > 1 && !cfg->closed_loop)
		return args_error(&a, "--pipeline needs --closed-loop (scenario mode idles between requests)");
	if (cfg->connection_close && cfg->pipeline > 1)
		return args_error(&a, "--connection-close sends one request per connection: no --pipeline");
	return 0;
}
