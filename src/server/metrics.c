/* Prometheus text rendering of the worker counters (see metrics.h). Runs on
 * the worker that got the scrape, reading the others' counters with relaxed
 * atomic loads: a scrape never stops or slows a worker. */
#include "server/metrics.h"

#include "loop/loop.h"
#include "util/args.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

struct sink {
	char *buf;
	size_t cap, len;
};

static void put(struct sink *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct sink *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (s->len >= s->cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(s->buf + s->len, s->cap - s->len, fmt, ap);
	va_end(ap);
	s->len = n < 0 ? s->cap : s->len + (size_t)n > s->cap ? s->cap : s->len + (size_t)n;
}

/* One metric: its HELP and TYPE lines, then a line per worker. */
static void metric(struct sink *s, const struct server *srv, const char *name, const char *type,
		   const char *help, size_t offset)
{
	put(s, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
	for (unsigned i = 0; i < srv->nworkers; i++) {
		const struct counter *c =
			(const struct counter *)((const char *)&srv->workers[i].st + offset);
		put(s, "%s{thread=\"%u\"} %llu\n", name, i, (unsigned long long)counter_read(c));
	}
}
#define METRIC(s, srv, name, type, help, field) \
	metric(s, srv, name, type, help, offsetof(struct worker_stats, field))

static const char *const close_reasons[CLOSE_REASONS] = {
	[CLOSE_PEER] = "peer", [CLOSE_RESET] = "reset", [CLOSE_TIMEOUT] = "timeout",
	[CLOSE_SERVER] = "server", [CLOSE_SHUTDOWN] = "shutdown",
};

static const char *const ws_close_names[WS_CLOSE_KINDS] = {
	[WS_CLOSED_1000] = "1000", [WS_CLOSED_1001] = "1001", [WS_CLOSED_1002] = "1002",
	[WS_CLOSED_1007] = "1007", [WS_CLOSED_1009] = "1009", [WS_CLOSED_OTHER] = "other",
};

size_t metrics_capacity(const struct server *srv)
{
	return 16384 + (size_t)srv->nworkers * 6144;
}

size_t metrics_render(const struct server *srv, char *buf, size_t cap)
{
	struct sink s = { buf, cap, 0 };

	put(&s, "# HELP ukit_info The server build.\n# TYPE ukit_info gauge\n"
		"ukit_info{version=\"%s\",loop=\"%s\",threads=\"%u\",rings=\"%u\"} 1\n",
	    UKIT_VERSION, loop_name, srv->cfg.threads, srv->nworkers);
	put(&s, "# HELP ukit_max_connections --max-conns.\n# TYPE ukit_max_connections gauge\n"
		"ukit_max_connections %u\n", srv->cfg.max_conns);
	METRIC(&s, srv, "ukit_connections_accepted_total", "counter", "Connections accepted.",
	       accepted);
	METRIC(&s, srv, "ukit_connections_refused_total", "counter",
	       "Connections over --max-conns, answered 503.", refused);
	METRIC(&s, srv, "ukit_connections_open", "gauge", "Connections open now.", open);
	put(&s, "# HELP ukit_connections_closed_total Connections closed, by reason.\n"
		"# TYPE ukit_connections_closed_total counter\n");
	for (unsigned i = 0; i < srv->nworkers; i++)
		for (int r = 0; r < CLOSE_REASONS; r++)
			put(&s, "ukit_connections_closed_total{thread=\"%u\",reason=\"%s\"} %llu\n", i,
			    close_reasons[r],
			    (unsigned long long)counter_read(&srv->workers[i].st.closed[r]));
	METRIC(&s, srv, "ukit_requests_total", "counter", "Requests parsed.", requests);
	put(&s, "# HELP ukit_responses_total Responses sent, by status code.\n"
		"# TYPE ukit_responses_total counter\n");
	for (unsigned i = 0; i < srv->nworkers; i++)
		for (unsigned code = STATUS_MIN; code <= STATUS_MAX; code++) {
			uint64_t n = counter_read(&srv->workers[i].st.responses[code - STATUS_MIN]);
			if (n || code == 200)
				put(&s, "ukit_responses_total{thread=\"%u\",code=\"%u\"} %llu\n", i,
				    code, (unsigned long long)n);
		}
	METRIC(&s, srv, "ukit_received_bytes_total", "counter", "Bytes received.", bytes_in);
	METRIC(&s, srv, "ukit_sent_bytes_total", "counter", "Bytes sent.", bytes_out);
	METRIC(&s, srv, "ukit_input_pauses_total", "counter",
	       "Times input was paused for a client not reading its answers.", pauses);
	METRIC(&s, srv, "ukit_enobufs_total", "counter",
	       "Receives that found the provided-buffer ring empty.", enobufs);
	METRIC(&s, srv, "ukit_receive_buffers", "gauge", "Receive buffers in service.", rbufs);
	METRIC(&s, srv, "ukit_accept_pauses_total", "counter",
	       "Times accepting paused (file table nearly full, or an accept error).",
	       accept_pauses);
	METRIC(&s, srv, "ukit_cq_overflows_total", "counter",
	       "io_uring completion queue overflows that lost completions.", cq_overflows);
	METRIC(&s, srv, "ukit_ws_upgrades_total", "counter", "Connections upgraded to WebSocket.",
	       ws_upgrades);
	METRIC(&s, srv, "ukit_ws_open", "gauge", "WebSocket connections open now.", ws_open);
	METRIC(&s, srv, "ukit_ws_frames_received_total", "counter", "WebSocket data frames received.",
	       ws_frames_in);
	METRIC(&s, srv, "ukit_ws_messages_total", "counter", "WebSocket messages echoed.",
	       ws_messages);
	METRIC(&s, srv, "ukit_ws_pings_received_total", "counter", "WebSocket pings answered.",
	       ws_pings_in);
	METRIC(&s, srv, "ukit_ws_pings_sent_total", "counter", "WebSocket pings sent to idle peers.",
	       ws_pings_out);
	put(&s, "# HELP ukit_ws_closes_sent_total WebSocket close frames sent, by code.\n"
		"# TYPE ukit_ws_closes_sent_total counter\n");
	for (unsigned i = 0; i < srv->nworkers; i++)
		for (int k = 0; k < WS_CLOSE_KINDS; k++)
			put(&s, "ukit_ws_closes_sent_total{thread=\"%u\",code=\"%s\"} %llu\n", i,
			    ws_close_names[k],
			    (unsigned long long)counter_read(&srv->workers[i].st.ws_closes[k]));
	return s.len;
}
