/* The client's Prometheus text: the host label (escaped), counters from the
 * totals, and histogram buckets that are cumulative and agree with the
 * log-linear histogram. */
#include "client/prom.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static char *render(const struct prom_view *v)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	cr_assert(out);
	prom_render(out, v);
	fclose(out);
	return buf;
}

static struct totals t;
static struct hist lat, echo;

static struct prom_view view(void)
{
	hist_reset(&lat);
	hist_reset(&echo);
	memset(&t, 0, sizeof(t));
	return (struct prom_view){ .host = "box-1", .url = "ws://h:1/ws/echo", .mode = "websocket",
				   .ws = 1, .wanted = 30, .capacity = 100, .rings = 2, .running = 1,
				   .t = &t, .lat = &lat, .echo = &echo };
}

Test(client_prom, counters_carry_the_host)
{
	struct prom_view v = view();
	char *text;

	t.connects = 12;
	t.open = 11;
	t.closed[CLOSE_TIMEOUT] = 1;
	t.errors[ERR_PONG_TIMEOUT] = 1;
	t.ws_pings = 99;
	t.ws_closes_in[WSC_1002] = 3;
	text = render(&v);
	cr_assert(strstr(text, "ukit_client_connections_established_total{host=\"box-1\"} 12\n"));
	cr_assert(strstr(text, "ukit_client_connections_open{host=\"box-1\"} 11\n"));
	cr_assert(strstr(text, "ukit_client_connections_wanted{host=\"box-1\"} 30\n"));
	cr_assert(strstr(text, "ukit_client_connections_closed_total{host=\"box-1\",reason=\"timeout\"} 1\n"));
	cr_assert(strstr(text, "ukit_client_errors_total{host=\"box-1\",kind=\"pong_timeout\"} 1\n"));
	cr_assert(strstr(text, "ukit_client_ws_pings_sent_total{host=\"box-1\"} 99\n"));
	cr_assert(strstr(text, "ukit_client_ws_closes_received_total{host=\"box-1\",code=\"1002\"} 3\n"));
	cr_assert(strstr(text, "# TYPE ukit_client_ws_pings_sent_total counter\n"));
	cr_assert(strstr(text, "# TYPE ukit_client_connections_open gauge\n"));
	cr_assert(strstr(text, "target=\"ws://h:1/ws/echo\""));
	free(text);
}

Test(client_prom, label_values_are_escaped)
{
	struct prom_view v = view();
	char *text;

	v.host = "a\"b\\c\nd";
	text = render(&v);
	cr_assert(strstr(text, "ukit_client_running{host=\"a\\\"b\\\\c\\nd\"} 1\n"), "%s", text);
	free(text);
}

/* The value of the bucket line for le in text. */
static unsigned long long bucket(const char *text, const char *kind, const char *le)
{
	char want[160];
	const char *p;

	snprintf(want, sizeof(want),
		 "ukit_client_latency_seconds_bucket{host=\"box-1\",kind=\"%s\",le=\"%s\"} ", kind, le);
	p = strstr(text, want);
	cr_assert(p, "no %s", want);
	return strtoull(p + strlen(want), NULL, 10);
}

Test(client_prom, histogram_buckets_are_cumulative)
{
	struct prom_view v = view();
	char *text;

	/* 100 pongs at 80 us, 10 at 3 ms, 1 at 20 s (over every bound) */
	for (int i = 0; i < 100; i++)
		hist_record(&lat, 80000);
	for (int i = 0; i < 10; i++)
		hist_record(&lat, 3000000);
	hist_record(&lat, 20000000000ull);
	hist_record(&echo, 1000);
	text = render(&v);
	cr_assert_eq(bucket(text, "pong", "5e-05"), 0);
	cr_assert_eq(bucket(text, "pong", "0.0001"), 100);
	cr_assert_eq(bucket(text, "pong", "0.0025"), 100);
	cr_assert_eq(bucket(text, "pong", "0.005"), 110);
	cr_assert_eq(bucket(text, "pong", "10"), 110);
	cr_assert_eq(bucket(text, "pong", "+Inf"), 111);
	cr_assert(strstr(text, "ukit_client_latency_seconds_count{host=\"box-1\",kind=\"pong\"} 111\n"));
	cr_assert(strstr(text, "ukit_client_latency_seconds_sum{host=\"box-1\",kind=\"pong\"} 20.038000000\n"),
		  "%s", strstr(text, "_sum"));
	cr_assert_eq(bucket(text, "echo", "1e-05"), 1);
	free(text);
}

Test(client_prom, http_mode_has_responses_and_no_echoes)
{
	struct prom_view v = view();
	char *text;

	v.ws = 0;
	v.mode = "scenario";
	hist_record(&lat, 999000); /* a bucket counts under a bound when all of it is below */
	text = render(&v);
	cr_assert_eq(bucket(text, "response", "0.001"), 1);
	cr_assert(!strstr(text, "kind=\"echo\""));
	cr_assert(!strstr(text, "kind=\"pong\""));
	free(text);
}
