/* Statistics hand-over between rings and the main thread (see stats.h). */
#include "client/stats.h"

const char *const client_error_names[ERR_KINDS] = {
	[ERR_REFUSED] = "refused",
	[ERR_CONNECT_TIMEOUT] = "connect_timeout",
	[ERR_CONNECT] = "connect_failed",
	[ERR_TIMEOUT] = "timeout",
	[ERR_CLOSED] = "closed",
	[ERR_IDLE_CLOSED] = "idle_closed",
	[ERR_RESET] = "reset",
	[ERR_STATUS] = "status",
	[ERR_LENGTH] = "length",
	[ERR_BODY] = "body",
	[ERR_GARBAGE] = "garbage",
	[ERR_WS_STATUS] = "ws_status",
	[ERR_WS_ACCEPT] = "ws_accept",
	[ERR_WS_UPGRADE] = "ws_upgrade",
	[ERR_WS_PROTOCOL] = "ws_protocol",
	[ERR_WS_UTF8] = "ws_utf8",
	[ERR_WS_CLOSED] = "ws_closed",
	[ERR_PONG_TIMEOUT] = "pong_timeout",
	[ERR_ECHO_TIMEOUT] = "echo_timeout",
	[ERR_ECHO] = "echo_mismatch",
	[ERR_WS_UNASKED] = "ws_unasked_message",
};

const char *const close_reason_names[CLOSE_KINDS] = {
	[CLOSE_SERVER] = "server", [CLOSE_PEER] = "peer", [CLOSE_RESET] = "reset",
	[CLOSE_TIMEOUT] = "timeout", [CLOSE_ERROR] = "error", [CLOSE_CLIENT] = "client",
};

const char *const wsc_names[WSC_KINDS] = {
	[WSC_1000] = "1000", [WSC_1001] = "1001", [WSC_1002] = "1002", [WSC_1003] = "1003",
	[WSC_1005] = "none", [WSC_1007] = "1007", [WSC_1008] = "1008", [WSC_1009] = "1009",
	[WSC_1011] = "1011", [WSC_OTHER] = "other",
};

enum wsc_kind wsc_kind_of(unsigned code)
{
	switch (code) {
	case 1000: return WSC_1000;
	case 1001: return WSC_1001;
	case 1002: return WSC_1002;
	case 1003: return WSC_1003;
	case 1005: return WSC_1005;
	case 1007: return WSC_1007;
	case 1008: return WSC_1008;
	case 1009: return WSC_1009;
	case 1011: return WSC_1011;
	default: return WSC_OTHER;
	}
}

void totals_add(struct totals *t, struct ring_stats *s)
{
	t->sent += stat_get(&s->sent);
	t->responses += stat_get(&s->responses);
	t->ok += stat_get(&s->ok);
	t->unanswered += stat_get(&s->unanswered);
	t->bytes_in += stat_get(&s->bytes_in);
	t->connects += stat_get(&s->connects);
	t->server_closes += stat_get(&s->server_closes);
	for (int i = 0; i < ERR_KINDS; i++)
		t->errors[i] += stat_get(&s->errors[i]);
	t->open += stat_get(&s->open);
	t->connecting += stat_get(&s->connecting);
	t->bytes_out += stat_get(&s->bytes_out);
	for (int i = 0; i < CLOSE_KINDS; i++)
		t->closed[i] += stat_get(&s->closed[i]);
	t->ws_handshakes += stat_get(&s->ws_handshakes);
	t->ws_pings += stat_get(&s->ws_pings);
	t->ws_pongs += stat_get(&s->ws_pongs);
	t->ws_pings_unanswered += stat_get(&s->ws_pings_unanswered);
	t->ws_pongs_other += stat_get(&s->ws_pongs_other);
	t->ws_server_pings += stat_get(&s->ws_server_pings);
	t->ws_msgs += stat_get(&s->ws_msgs);
	t->ws_echoes += stat_get(&s->ws_echoes);
	t->ws_msgs_unanswered += stat_get(&s->ws_msgs_unanswered);
	for (int i = 0; i < WSC_KINDS; i++) {
		t->ws_closes_in[i] += stat_get(&s->ws_closes_in[i]);
		t->ws_closes_out[i] += stat_get(&s->ws_closes_out[i]);
	}
}

uint64_t totals_errors(const struct totals *t)
{
	uint64_t n = 0;

	for (int i = 0; i < ERR_KINDS; i++)
		n += t->errors[i];
	return n;
}

void hist_box_init(struct hist_box *b)
{
	pthread_mutex_init(&b->lock, NULL);
	hist_reset(&b->h);
}

void hist_box_put(struct hist_box *b, struct hist *src)
{
	if (!src->count)
		return;
	pthread_mutex_lock(&b->lock);
	hist_merge(&b->h, src);
	pthread_mutex_unlock(&b->lock);
	hist_reset(src);
}

void hist_box_take(struct hist_box *b, struct hist *dst1, struct hist *dst2)
{
	pthread_mutex_lock(&b->lock);
	if (dst1)
		hist_merge(dst1, &b->h);
	if (dst2)
		hist_merge(dst2, &b->h);
	hist_reset(&b->h);
	pthread_mutex_unlock(&b->lock);
}
