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
};

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
