/* What the user sees: one progress line a second (the seed's shape plus new
 * connections, errors by kind, latency and source addresses), one CSV row a
 * second, and the final summary as text or JSON. */
#ifndef UKIT_CLIENT_REPORT_H
#define UKIT_CLIENT_REPORT_H

#include "client/hist.h"
#include "client/stats.h"

#include <stdio.h>

struct second {
	unsigned t;                 /* seconds since the start */
	double elapsed;             /* exact seconds covered by this interval */
	struct totals now, prev;    /* counters at the end and the start of it */
	const struct hist *lat;     /* latency of responses (WebSocket: pongs) in it */
	const struct hist *echo;    /* WebSocket: latency of echoes in it */
	uint32_t sources;
	uint32_t wanted;            /* connections wanted (-c, raised by the control API) */
	int ws;
};

void report_progress(FILE *out, const struct second *s);
void report_csv_header(FILE *out);
void report_csv_row(FILE *out, const struct second *s);

struct summary {
	const char *url;
	const char *mode;
	int ws;
	double seconds;
	uint32_t conns, threads, rings, sources;
	uint32_t capacity, wanted;
	uint32_t msg_size;
	struct totals t;
	uint64_t peak_open;
	double peak_connect_rate;   /* new connections per second, best second */
	const struct hist *lat;     /* responses (WebSocket: pongs) */
	const struct hist *held;    /* the same, in the seconds all connections were open */
	double full_s;              /* seconds until -c were first all open; < 0: never */
	const struct hist *echo;    /* WebSocket: echoes */
	long rss_start_kb, rss_peak_kb;
	unsigned state_bytes;       /* per connection, fixed */
	unsigned limits;            /* limits_seen() */
	int interrupted;
};

void report_summary_text(FILE *out, const struct summary *s);
void report_summary_json(FILE *out, const struct summary *s);

/* Helpers the control endpoint shares. */
void report_json_string(FILE *out, const char *str);
void report_json_errors(FILE *out, const struct totals *t);

#endif
