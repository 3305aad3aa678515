/* Progress lines, CSV rows and the summary (see report.h). */
#include "client/report.h"

#include "client/limits.h"

#include <inttypes.h>
#include <string.h>

static double ms(uint64_t ns)
{
	return (double)ns / 1e6;
}

static double per_s(uint64_t n, double secs)
{
	return secs > 0 ? (double)n / secs : 0;
}

static void errors_by_kind(FILE *out, const struct totals *t)
{
	uint64_t n = totals_errors(t);
	const char *sep = " (";

	fprintf(out, "errors: %" PRIu64, n);
	if (!n)
		return;
	for (int i = 0; i < ERR_KINDS; i++)
		if (t->errors[i]) {
			fprintf(out, "%s%s %" PRIu64, sep, client_error_names[i], t->errors[i]);
			sep = ", ";
		}
	fputc(')', out);
}

static void latency3(FILE *out, const char *what, const struct hist *h)
{
	fprintf(out, "%slatency p50 %.2fms p99 %.2fms p99.9 %.2fms", what,
		ms(hist_quantile(h, 0.5)), ms(hist_quantile(h, 0.99)), ms(hist_quantile(h, 0.999)));
}

static void progress_ws(FILE *out, const struct second *s)
{
	double secs = s->elapsed;

	fprintf(out, "time %us, connections: %" PRIu64 ", connecting: %" PRIu64
		", new connections: %.0f/s, pings: %.0f/s, messages: %.0f/s, ",
		s->t, s->now.open, s->now.connecting,
		per_s(s->now.connects - s->prev.connects, secs),
		per_s(s->now.ws_pings - s->prev.ws_pings, secs),
		per_s(s->now.ws_msgs - s->prev.ws_msgs, secs));
	errors_by_kind(out, &s->now);
	latency3(out, ", pong ", s->lat);
	if (s->echo->count || s->now.ws_msgs)
		latency3(out, ", echo ", s->echo);
	fprintf(out, ", sources: %u\n", s->sources);
	fflush(out);
}

void report_progress(FILE *out, const struct second *s)
{
	double secs = s->elapsed;

	if (s->ws) {
		progress_ws(out, s);
		return;
	}
	fprintf(out,
		"time %us, concurrency: %" PRIu64 ", total requests: %" PRIu64
		", throughput: %.2fM/s, %.2f requests/seconds, new connections: %.0f/s, ",
		s->t, s->now.open, s->now.responses,
		per_s(s->now.bytes_in - s->prev.bytes_in, secs) / 1e6,
		per_s(s->now.responses - s->prev.responses, secs),
		per_s(s->now.connects - s->prev.connects, secs));
	errors_by_kind(out, &s->now);
	fprintf(out, ", latency p50 %.2fms p99 %.2fms p99.9 %.2fms, sources: %u\n",
		ms(hist_quantile(s->lat, 0.5)), ms(hist_quantile(s->lat, 0.99)),
		ms(hist_quantile(s->lat, 0.999)), s->sources);
	fflush(out);
}

void report_csv_header(FILE *out)
{
	fputs("time_s,concurrency,connecting,requests_total,requests_per_s,bytes_per_s,"
	      "new_conns_per_s,errors_total,errors_per_s,p50_ms,p99_ms,p999_ms,max_ms,sources",
	      out);
	for (int i = 0; i < ERR_KINDS; i++)
		fprintf(out, ",err_%s", client_error_names[i]);
	fputs(",wanted,bytes_out_per_s,pings_total,pongs_total,pings_per_s,messages_per_s,"
	      "echoes_total,echo_p50_ms,echo_p99_ms,echo_p999_ms", out);
	fputc('\n', out);
}

void report_csv_row(FILE *out, const struct second *s)
{
	uint64_t errs = totals_errors(&s->now);

	fprintf(out, "%u,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%.2f,%.0f,%.2f,%" PRIu64
		",%.2f,%.3f,%.3f,%.3f,%.3f,%u",
		s->t, s->now.open, s->now.connecting, s->now.responses,
		per_s(s->now.responses - s->prev.responses, s->elapsed),
		per_s(s->now.bytes_in - s->prev.bytes_in, s->elapsed),
		per_s(s->now.connects - s->prev.connects, s->elapsed), errs,
		per_s(errs - totals_errors(&s->prev), s->elapsed), ms(hist_quantile(s->lat, 0.5)),
		ms(hist_quantile(s->lat, 0.99)), ms(hist_quantile(s->lat, 0.999)),
		ms(s->lat->count ? s->lat->max : 0), s->sources);
	for (int i = 0; i < ERR_KINDS; i++)
		fprintf(out, ",%" PRIu64, s->now.errors[i]);
	fprintf(out, ",%u,%.0f,%" PRIu64 ",%" PRIu64 ",%.2f,%.2f,%" PRIu64 ",%.3f,%.3f,%.3f",
		s->wanted, per_s(s->now.bytes_out - s->prev.bytes_out, s->elapsed), s->now.ws_pings,
		s->now.ws_pongs, per_s(s->now.ws_pings - s->prev.ws_pings, s->elapsed),
		per_s(s->now.ws_msgs - s->prev.ws_msgs, s->elapsed), s->now.ws_echoes,
		ms(hist_quantile(s->echo, 0.5)), ms(hist_quantile(s->echo, 0.99)),
		ms(hist_quantile(s->echo, 0.999)));
	fputc('\n', out);
	fflush(out);
}

static double per_conn_bytes(const struct summary *s)
{
	return s->peak_open ? (double)(s->rss_peak_kb - s->rss_start_kb) * 1024 /
				      (double)s->peak_open : 0;
}

static void latency_line(FILE *out, const char *what, const struct hist *h)
{
	fprintf(out, "  %s: p50 %.3fms p90 %.3fms p99 %.3fms p99.9 %.3fms max %.3fms "
		"mean %.3fms (%" PRIu64 ")\n", what, ms(hist_quantile(h, 0.5)),
		ms(hist_quantile(h, 0.9)), ms(hist_quantile(h, 0.99)), ms(hist_quantile(h, 0.999)),
		ms(h->count ? h->max : 0), hist_mean(h) / 1e6, h->count);
}

static void closes_by_code(FILE *out, const uint64_t *n)
{
	const char *sep = "";

	for (int i = 0; i < WSC_KINDS; i++)
		if (n[i]) {
			fprintf(out, "%s%s %" PRIu64, sep, wsc_names[i], n[i]);
			sep = ", ";
		}
	if (!*sep)
		fputs("none", out);
}

static void full_line(FILE *out, const struct summary *s)
{
	if (s->full_s > 0)
		fprintf(out, "  all %u open after %.3fs: %.0f new connections/s\n", s->conns,
			s->full_s, s->conns / s->full_s);
	else if (s->conns)
		fprintf(out, "  the %u were never all open at once\n", s->conns);
}

static void summary_text_ws(FILE *out, const struct summary *s)
{
	const struct totals *t = &s->t;

	fprintf(out, "  websockets: %" PRIu64 " opened (handshake checked), peak %" PRIu64
		" open, %" PRIu64 " open at the end, best %.0f new/s\n",
		t->connects, s->peak_open, t->open, s->peak_connect_rate);
	full_line(out, s);
	fprintf(out, "  pings: %" PRIu64 " sent, %" PRIu64 " answered, %" PRIu64
		" unanswered (lost with a connection or in flight at the end), %" PRIu64
		" unsolicited pongs, %" PRIu64 " server pings answered\n",
		t->ws_pings, t->ws_pongs, t->ws_pings_unanswered, t->ws_pongs_other,
		t->ws_server_pings);
	if (s->msg_size)
		fprintf(out, "  messages: %" PRIu64 " sent (%u bytes), %" PRIu64 " echoed intact, %"
			PRIu64 " unanswered\n", t->ws_msgs, s->msg_size, t->ws_echoes,
			t->ws_msgs_unanswered);
	fputs("  close frames: received ", out);
	closes_by_code(out, t->ws_closes_in);
	fputs("; sent ", out);
	closes_by_code(out, t->ws_closes_out);
	fputs("\n  ", out);
	errors_by_kind(out, t);
	fprintf(out, "\n  traffic: %.2f MB/s in, %.2f MB/s out\n", per_s(t->bytes_in, s->seconds) / 1e6,
		per_s(t->bytes_out, s->seconds) / 1e6);
	latency_line(out, "pong latency", s->lat);
	latency_line(out, "  while all held", s->held);
	if (s->msg_size)
		latency_line(out, "echo latency", s->echo);
	fprintf(out, "  memory: RSS %ld KiB at start, %ld KiB at peak: %.0f bytes per connection "
		"(fixed state %u bytes)\n", s->rss_start_kb, s->rss_peak_kb, per_conn_bytes(s),
		s->state_bytes);
}

void report_summary_text(FILE *out, const struct summary *s)
{
	const struct totals *t = &s->t;
	const struct hist *h = s->lat;

	if (s->ws) {
		fprintf(out, "ukit-client: %.1fs %s against %s%s: %u connections, %u threads, "
			"%u rings, %u source addresses\n", s->seconds, s->mode, s->url,
			s->interrupted ? " (interrupted)" : "", s->wanted, s->threads, s->rings,
			s->sources);
		summary_text_ws(out, s);
		return;
	}
	fprintf(out, "ukit-client: %.1fs %s against %s%s: %u connections, %u threads, %u rings, "
		"%u source addresses\n", s->seconds, s->mode, s->url,
		s->interrupted ? " (interrupted)" : "", s->conns, s->threads, s->rings, s->sources);
	fprintf(out, "  connections: %" PRIu64 " established, peak concurrency %" PRIu64
		", best %.0f new/s, %" PRIu64 " closed by the server (announced)\n",
		t->connects, s->peak_open, s->peak_connect_rate, t->server_closes);
	full_line(out, s);
	fprintf(out, "  requests: %" PRIu64 " sent, %" PRIu64 " answered, %" PRIu64 " valid, %" PRIu64
		" unanswered (lost with a connection or in flight at the end)\n",
		t->sent, t->responses, t->ok, t->unanswered);
	fputs("  ", out);
	errors_by_kind(out, t);
	fprintf(out, "\n  throughput: %.2f requests/s, %.2f MB/s\n", per_s(t->responses, s->seconds),
		per_s(t->bytes_in, s->seconds) / 1e6);
	fprintf(out, "  latency: p50 %.3fms p90 %.3fms p99 %.3fms p99.9 %.3fms max %.3fms "
		"mean %.3fms\n", ms(hist_quantile(h, 0.5)), ms(hist_quantile(h, 0.9)),
		ms(hist_quantile(h, 0.99)), ms(hist_quantile(h, 0.999)),
		ms(h->count ? h->max : 0), hist_mean(h) / 1e6);
	fprintf(out, "  memory: RSS %ld KiB at start, %ld KiB at peak: %.0f bytes per connection "
		"(fixed state %u bytes)\n", s->rss_start_kb, s->rss_peak_kb, per_conn_bytes(s),
		s->state_bytes);
}

/* A JSON string: the URL may hold quotes or backslashes. */
void report_json_string(FILE *out, const char *str)
{
	fputc('"', out);
	for (; *str; str++) {
		if (*str == '"' || *str == '\\')
			fputc('\\', out);
		if ((unsigned char)*str < 0x20)
			fprintf(out, "\\u%04x", *str);
		else
			fputc(*str, out);
	}
	fputc('"', out);
}

void report_json_errors(FILE *out, const struct totals *t)
{
	fprintf(out, "\"errors\": %" PRIu64 ", \"errors_by_kind\": {", totals_errors(t));
	for (int i = 0; i < ERR_KINDS; i++)
		fprintf(out, "%s\"%s\": %" PRIu64, i ? ", " : "", client_error_names[i], t->errors[i]);
	fputc('}', out);
}

static void json_latency(FILE *out, const struct hist *h)
{
	fprintf(out, "{\"p50\": %.4f, \"p90\": %.4f, \"p99\": %.4f, \"p999\": %.4f, "
		"\"max\": %.4f, \"mean\": %.4f, \"count\": %" PRIu64 "}",
		ms(hist_quantile(h, 0.5)), ms(hist_quantile(h, 0.9)), ms(hist_quantile(h, 0.99)),
		ms(hist_quantile(h, 0.999)), ms(h->count ? h->max : 0), hist_mean(h) / 1e6,
		h->count);
}

static void json_codes(FILE *out, const uint64_t *n)
{
	fputc('{', out);
	for (int i = 0; i < WSC_KINDS; i++)
		fprintf(out, "%s\"%s\": %" PRIu64, i ? ", " : "", wsc_names[i], n[i]);
	fputc('}', out);
}

static void json_ws(FILE *out, const struct summary *s)
{
	const struct totals *t = &s->t;

	fprintf(out, " \"ws\": {\"handshakes\": %" PRIu64 ", \"pings\": %" PRIu64
		", \"pongs\": %" PRIu64 ", \"pings_unanswered\": %" PRIu64
		", \"pongs_unsolicited\": %" PRIu64 ", \"server_pings\": %" PRIu64
		", \"message_size\": %u, \"messages\": %" PRIu64 ", \"echoes\": %" PRIu64
		", \"messages_unanswered\": %" PRIu64 ",\n  \"closes_received\": ",
		t->ws_handshakes, t->ws_pings, t->ws_pongs, t->ws_pings_unanswered, t->ws_pongs_other,
		t->ws_server_pings, s->msg_size, t->ws_msgs, t->ws_echoes, t->ws_msgs_unanswered);
	json_codes(out, t->ws_closes_in);
	fputs(",\n  \"closes_sent\": ", out);
	json_codes(out, t->ws_closes_out);
	fputs(",\n  \"echo_latency_ms\": ", out);
	json_latency(out, s->echo);
	fputs("},\n", out);
}

void report_summary_json(FILE *out, const struct summary *s)
{
	const struct totals *t = &s->t;
	const struct hist *h = s->lat;
	const char *sep = "";

	fputs("{\"url\": ", out);
	report_json_string(out, s->url);
	fprintf(out, ", \"mode\": \"%s\", \"seconds\": %.3f, \"interrupted\": %s, "
		"\"connections\": %u, \"threads\": %u, \"rings\": %u, \"sources\": %u,\n",
		s->mode, s->seconds, s->interrupted ? "true" : "false", s->conns,
		s->threads, s->rings, s->sources);
	fprintf(out, " \"connects\": %" PRIu64 ", \"peak_concurrency\": %" PRIu64
		", \"open_at_end\": %" PRIu64 ", \"peak_connects_per_s\": %.1f, \"server_closes\": %"
		PRIu64 ",\n", t->connects, s->peak_open, t->open, s->peak_connect_rate,
		t->server_closes);
	fprintf(out, " \"sent\": %" PRIu64 ", \"responses\": %" PRIu64 ", \"ok\": %" PRIu64
		", \"unanswered\": %" PRIu64 ", \"bytes_in\": %" PRIu64
		", \"requests_per_s\": %.2f, \"bytes_per_s\": %.0f,\n ",
		t->sent, t->responses, t->ok, t->unanswered, t->bytes_in,
		per_s(t->responses, s->seconds), per_s(t->bytes_in, s->seconds));
	report_json_errors(out, t);
	fputs(",\n \"latency_ms\": ", out);
	json_latency(out, h);
	fputs(",\n \"held_latency_ms\": ", out);
	json_latency(out, s->held);
	if (s->full_s > 0)
		fprintf(out, ",\n \"all_open_after_s\": %.4f, \"open_rate_per_s\": %.1f", s->full_s,
			s->conns / s->full_s);
	else
		fputs(",\n \"all_open_after_s\": null, \"open_rate_per_s\": null", out);
	fprintf(out, ",\n \"capacity\": %u, \"wanted\": %u, \"bytes_out\": %" PRIu64
		", \"closes_by_reason\": {", s->capacity, s->wanted, t->bytes_out);
	for (int i = 0; i < CLOSE_KINDS; i++)
		fprintf(out, "%s\"%s\": %" PRIu64, i ? ", " : "", close_reason_names[i], t->closed[i]);
	fputs("},\n", out);
	if (s->ws)
		json_ws(out, s);
	fprintf(out, " \"rss_start_kb\": %ld, \"rss_peak_kb\": %ld, \"rss_bytes_per_connection\": "
		"%.1f, \"state_bytes_per_connection\": %u, \"limits_hit\": [",
		s->rss_start_kb, s->rss_peak_kb, per_conn_bytes(s), s->state_bytes);
	for (int i = 0; i < LIMIT_KINDS; i++)
		if (s->limits & (1u << i)) {
			fprintf(out, "%s\"%s\"", sep, limits_name((enum limit_kind)i));
			sep = ", ";
		}
	fputs("]}\n", out);
}
