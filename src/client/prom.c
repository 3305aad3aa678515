/* Prometheus text rendering of the client's counters (see prom.h), in the
 * style of the server's metrics.c: HELP and TYPE, then the series. */
#include "client/prom.h"

#include "util/args.h"

#include <inttypes.h>

const double prom_bounds[] = { 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
			       0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10 };
const unsigned prom_nbounds = sizeof(prom_bounds) / sizeof(prom_bounds[0]);

/* A label value: backslash, double quote and line feed escaped. */
static void label_value(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', out);
		if (*s == '\n')
			fputs("\\n", out);
		else
			fputc(*s, out);
	}
}

static void head(FILE *out, const char *name, const char *type, const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{host="...",[label="value"]} n */
static void series(FILE *out, const struct prom_view *v, const char *name, const char *label,
		   const char *value, uint64_t n)
{
	fprintf(out, "%s{host=\"", name);
	label_value(out, v->host);
	fputc('"', out);
	if (label) {
		fprintf(out, ",%s=\"", label);
		label_value(out, value);
		fputc('"', out);
	}
	fprintf(out, "} %" PRIu64 "\n", n);
}

static void one(FILE *out, const struct prom_view *v, const char *name, const char *type,
		const char *help, uint64_t n)
{
	head(out, name, type, help);
	series(out, v, name, NULL, NULL, n);
}

static void by(FILE *out, const struct prom_view *v, const char *name, const char *help,
	       const char *label, const char *const *values, const uint64_t *n, int count)
{
	head(out, name, "counter", help);
	for (int i = 0; i < count; i++)
		series(out, v, name, label, values[i], n[i]);
}

/* Cumulative buckets: a log-linear bucket counts under a bound when all of
 * it is (its upper edge is at most the bound), so a count is exact up to the
 * histogram's 1/256 resolution. */
static void histogram(FILE *out, const struct prom_view *v, const char *kind, const struct hist *h)
{
	const char *name = "ukit_client_latency_seconds";
	uint64_t cum = 0;
	uint32_t i = h->count ? hist_index(h->min) : 0, last = h->count ? hist_index(h->max) : 0;

	for (unsigned b = 0; b <= prom_nbounds; b++) {
		uint64_t bound_ns = b < prom_nbounds ? (uint64_t)(prom_bounds[b] * 1e9 + 0.5) : UINT64_MAX;

		for (; h->count && i <= last && hist_bucket_high(i) <= bound_ns; i++)
			cum += h->counts[i];
		fprintf(out, "%s_bucket{host=\"", name);
		label_value(out, v->host);
		if (b < prom_nbounds)
			fprintf(out, "\",kind=\"%s\",le=\"%g\"} %" PRIu64 "\n", kind, prom_bounds[b], cum);
		else
			fprintf(out, "\",kind=\"%s\",le=\"+Inf\"} %" PRIu64 "\n", kind, h->count);
	}
	fprintf(out, "%s_sum{host=\"", name);
	label_value(out, v->host);
	fprintf(out, "\",kind=\"%s\"} %.9f\n", kind, (double)h->sum / 1e9);
	fprintf(out, "%s_count{host=\"", name);
	label_value(out, v->host);
	fprintf(out, "\",kind=\"%s\"} %" PRIu64 "\n", kind, h->count);
}

void prom_render(FILE *out, const struct prom_view *v)
{
	const struct totals *t = v->t;

	head(out, "ukit_client_info", "gauge", "The client run: version, mode, target.");
	fputs("ukit_client_info{host=\"", out);
	label_value(out, v->host);
	fprintf(out, "\",version=\"%s\",mode=\"%s\",rings=\"%u\",target=\"", UKIT_VERSION, v->mode,
		v->rings);
	label_value(out, v->url);
	fputs("\"} 1\n", out);
	one(out, v, "ukit_client_running", "gauge",
	    "1 while the run goes on, 0 once its summary is out.", (uint64_t)v->running);
	one(out, v, "ukit_client_connections_wanted", "gauge",
	    "Connections to hold: -c, raised by the control API.", v->wanted);
	one(out, v, "ukit_client_connections_capacity", "gauge",
	    "Connections the control API may raise the count to.", v->capacity);
	one(out, v, "ukit_client_connections_open", "gauge",
	    v->ws ? "WebSockets open now (handshake done)." : "Connections established now.",
	    t->open);
	one(out, v, "ukit_client_connections_connecting", "gauge",
	    v->ws ? "Connects and handshakes in flight." : "Connects in flight.", t->connecting);
	one(out, v, "ukit_client_connections_established_total", "counter",
	    v->ws ? "WebSockets opened (101 with the right accept)." : "Connections established.",
	    t->connects);
	by(out, v, "ukit_client_connections_closed_total",
	   "Established connections closed, by reason.", "reason", close_reason_names, t->closed,
	   CLOSE_KINDS);
	by(out, v, "ukit_client_errors_total", "Errors, by kind.", "kind", client_error_names,
	   t->errors, ERR_KINDS);
	one(out, v, "ukit_client_received_bytes_total", "counter", "Bytes received.", t->bytes_in);
	one(out, v, "ukit_client_sent_bytes_total", "counter", "Bytes sent.", t->bytes_out);
	one(out, v, "ukit_client_requests_sent_total", "counter", "HTTP requests sent.", t->sent);
	one(out, v, "ukit_client_responses_total", "counter", "HTTP responses read.", t->responses);
	one(out, v, "ukit_client_responses_valid_total", "counter",
	    "HTTP responses that passed every check.", t->ok);
	one(out, v, "ukit_client_requests_unanswered_total", "counter",
	    "HTTP requests lost with their connection or in flight at the end.", t->unanswered);
	one(out, v, "ukit_client_ws_pings_sent_total", "counter", "WebSocket pings sent.",
	    t->ws_pings);
	one(out, v, "ukit_client_ws_pongs_total", "counter",
	    "WebSocket pongs matched to our pings.", t->ws_pongs);
	one(out, v, "ukit_client_ws_pings_unanswered_total", "counter",
	    "WebSocket pings lost with their connection or in flight at the end.",
	    t->ws_pings_unanswered);
	one(out, v, "ukit_client_ws_pongs_unsolicited_total", "counter",
	    "WebSocket pongs that match no ping of ours.", t->ws_pongs_other);
	one(out, v, "ukit_client_ws_server_pings_total", "counter",
	    "WebSocket pings from the server, answered.", t->ws_server_pings);
	one(out, v, "ukit_client_ws_messages_sent_total", "counter", "WebSocket messages sent.",
	    t->ws_msgs);
	one(out, v, "ukit_client_ws_echoes_total", "counter",
	    "WebSocket echoes identical to their message.", t->ws_echoes);
	one(out, v, "ukit_client_ws_messages_unanswered_total", "counter",
	    "WebSocket messages lost with their connection or in flight at the end.",
	    t->ws_msgs_unanswered);
	by(out, v, "ukit_client_ws_closes_received_total",
	   "WebSocket close frames received, by code.", "code", wsc_names, t->ws_closes_in,
	   WSC_KINDS);
	by(out, v, "ukit_client_ws_closes_sent_total", "WebSocket close frames sent, by code.",
	   "code", wsc_names, t->ws_closes_out, WSC_KINDS);
	head(out, "ukit_client_latency_seconds", "histogram",
	     "Latency: request to response, ping to pong, message to echo.");
	histogram(out, v, v->ws ? "pong" : "response", v->lat);
	if (v->ws)
		histogram(out, v, "echo", v->echo);
}
