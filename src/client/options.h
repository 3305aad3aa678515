/* ukit-client's settings, from the command line. */
#ifndef UKIT_CLIENT_OPTIONS_H
#define UKIT_CLIENT_OPTIONS_H

#include <stddef.h>
#include <stdint.h>

enum client_mode { MODE_HTTP = 0, MODE_WS = 1 };

#define CLIENT_MESSAGE_MAX (1u << 20)     /* --message-size, ukit-server's default limit */
#define CLIENT_CONTROL_CAPACITY 20000u    /* --capacity with --control, unless -c is more */

struct client_target {
	int scheme;           /* enum client_mode: http:// or ws:// */
	char host[256];       /* as written in the URL, for the Host header */
	char path[1024];      /* "/" when the URL has none */
	uint32_t ip;          /* host order */
	uint16_t port;
};

struct client_config {
	const char *url;
	struct client_target target;
	int mode;                 /* enum client_mode */
	uint32_t conns;           /* -c: connections held open at the start */
	uint32_t capacity;        /* connections the control API may raise the count to */
	double rate;              /* new connections per second; 0: as fast as accepted */
	uint32_t max_connecting;  /* connects in flight, all rings together */
	uint32_t length_lo, length_hi;
	uint32_t idle_lo_ms, idle_hi_ms;
	uint32_t duration;        /* seconds */
	uint32_t timeout;         /* seconds per connect and per request */
	int closed_loop;          /* throughput mode: no idle */
	uint32_t pipeline;        /* requests in flight per connection */
	int connection_close;     /* a new connection per request */
	unsigned threads;         /* cores used; 0: all online */
	unsigned rings;           /* 0: enough for -c */
	uint32_t ring_slots;      /* connections per ring at most; 0: RLIMIT_NOFILE */
	uint32_t per_source;      /* connections per source address */
	uint32_t source_lo, source_hi; /* --source, host order; 0: none */
	int check_length;         /* enum resp_check */
	int check_body;
	/* WebSocket mode */
	uint32_t ping_ms;         /* a ping per connection this often */
	uint32_t msg_size;        /* bytes per message; 0: no messages */
	uint32_t msg_every_ms;
	int text;                 /* messages are text frames, not binary */
	/* endpoints */
	uint16_t control_port;    /* 0: none */
	uint16_t metrics_port;    /* 0: none */
	const char *metrics_host; /* the host label; NULL: the hostname */
	uint32_t metrics_bind;    /* IPv4 address (network order) of --metrics-port; 0: loopback */
	uint32_t linger;          /* seconds the endpoints stay up after the summary */
	const char *csv_path;
	int json;
	int quiet;
};

/* Parses argv into cfg. Returns 0, 1 when --help or --version was printed
 * (exit 0), or -1 after printing a one-line error (exit 2). */
int client_config_parse(struct client_config *cfg, int argc, char **argv);

/* Parses http:// or ws://HOST[:PORT][/PATH]; resolves HOST to an IPv4 address. */
int client_url_parse(const char *url, struct client_target *t, char *err, size_t errlen);

/* Seconds with up to three decimals ("30", "0.5") into milliseconds in [min_ms, max_ms]. */
int client_seconds_parse(const char *text, uint32_t min_ms, uint32_t max_ms, uint32_t *ms);

/* Parses a dotted IPv4 address into host order. */
int client_ipv4_parse(const char *text, uint32_t *ip);

#endif
