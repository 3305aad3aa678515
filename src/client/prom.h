/* The client's counters in the Prometheus text format (version 0.0.4), every
 * series labelled host="..." so that one Prometheus can sum several client
 * machines. Counters are summed over the rings at scrape time; latency is a
 * histogram built from the log-linear one. Renders into a FILE (the caller's
 * memory stream), so it is testable without a socket. */
#ifndef UKIT_CLIENT_PROM_H
#define UKIT_CLIENT_PROM_H

#include "client/hist.h"
#include "client/stats.h"

#include <stdint.h>
#include <stdio.h>

struct prom_view {
	const char *host;          /* the host label */
	const char *url;
	const char *mode;          /* scenario, throughput, websocket */
	int ws;
	uint32_t wanted, capacity;
	unsigned rings;
	int running;
	const struct totals *t;
	const struct hist *lat;    /* responses, or pongs */
	const struct hist *echo;   /* WebSocket mode: echoes */
};

void prom_render(FILE *out, const struct prom_view *v);

/* The histogram's bucket bounds, in seconds, +Inf excluded. */
extern const double prom_bounds[];
extern const unsigned prom_nbounds;

#endif
