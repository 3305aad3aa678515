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

void report_progress(FILE *out, const struct second *s)
{
	double secs = s->elapsed;

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
	fputc('\n', out);
	fflush(out);
}

static double per_conn_bytes(const struct summary *s)
{
	return s->peak_open ? (double)(s->rss_peak_kb - s->rss_start_kb) * 1024 /
				      (double)s->peak_open : 0;
}

void report_summary_text(FILE *out, const struct summary *s)
{
	const struct totals *t = &s->t;
	const struct hist *h = s->lat;

	fprintf(out, "ukit-client: %.1fs %s against %s%s: %u connections, %u threads, %u rings, "
		"%u source addresses\n", s->seconds, s->mode, s->url,
		s->interrupted ? " (interrupted)" : "", s->conns, s->threads, s->rings, s->sources);
	fprintf(out, "  connections: %" PRIu64 " established, peak concurrency %" PRIu64
		", best %.0f new/s, %" PRIu64 " closed by the server (announced)\n",
		t->connects, s->peak_open, s->peak_connect_rate, t->server_closes);
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
static void json_string(FILE *out, const char *str)
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

void report_summary_json(FILE *out, const struct summary *s)
{
	const struct totals *t = &s->t;
	const struct hist *h = s->lat;
	const char *sep = "";

	fputs("{\"url\": ", out);
	json_string(out, s->url);
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
		", \"requests_per_s\": %.2f, \"bytes_per_s\": %.0f,\n",
		t->sent, t->responses, t->ok, t->unanswered, t->bytes_in,
		per_s(t->responses, s->seconds), per_s(t->bytes_in, s->seconds));
	fprintf(out, " \"errors\": %" PRIu64 ", \"errors_by_kind\": {", totals_errors(t));
	for (int i = 0; i < ERR_KINDS; i++)
		fprintf(out, "%s\"%s\": %" PRIu64, i ? ", " : "", client_error_names[i], t->errors[i]);
	fprintf(out, "},\n \"latency_ms\": {\"p50\": %.4f, \"p90\": %.4f, \"p99\": %.4f, "
		"\"p999\": %.4f, \"max\": %.4f, \"mean\": %.4f, \"count\": %" PRIu64 "},\n",
		ms(hist_quantile(h, 0.5)), ms(hist_quantile(h, 0.9)), ms(hist_quantile(h, 0.99)),
		ms(hist_quantile(h, 0.999)), ms(h->count ? h->max : 0), hist_mean(h) / 1e6,
		h->count);
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
