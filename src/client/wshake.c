/* The client's opening handshake (see wshake.h). llhttp parses the answer;
 * header names and the values we check are gathered into small buffers,
 * since they may arrive split over receives. */
#include "client/wshake.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int wsh_request_build(struct wsh_request *r, const char *path, const char *host)
{
	size_t cap = strlen(path) + strlen(host) + 160;
	int n;

	r->head = malloc(cap);
	if (!r->head)
		return -ENOMEM;
	n = snprintf(r->head, cap,
		     "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		     "Sec-WebSocket-Version: %d\r\nSec-WebSocket-Key: ", path, host, WS_VERSION);
	if (n < 0 || (size_t)n >= cap) {
		wsh_request_free(r);
		return -ENOMEM;
	}
	r->head_len = (size_t)n;
	return 0;
}

void wsh_request_free(struct wsh_request *r)
{
	free(r->head);
	r->head = NULL;
}

enum header { H_OTHER, H_UPGRADE, H_CONNECTION, H_ACCEPT, H_UNASKED };

static const struct {
	const char *name;
	enum header h;
} checked[] = {
	{ "upgrade", H_UPGRADE },
	{ "connection", H_CONNECTION },
	{ "sec-websocket-accept", H_ACCEPT },
	{ "sec-websocket-extensions", H_UNASKED },
	{ "sec-websocket-protocol", H_UNASKED },
};

static struct wsh_resp *of(llhttp_t *p)
{
	return (struct wsh_resp *)p; /* the parser is the first member */
}

static void gather(char *buf, uint8_t *len, size_t cap, const char *at, size_t n)
{
	if (*len == 0xff)
		return;
	if (n > cap - *len) {
		*len = 0xff;
		return;
	}
	memcpy(buf + *len, at, n);
	*len = (uint8_t)(*len + n);
}

static int on_header_field(llhttp_t *p, const char *at, size_t n)
{
	struct wsh_resp *h = of(p);

	gather(h->name, &h->name_len, WSH_NAME_MAX, at, n);
	return 0;
}

static int on_header_field_complete(llhttp_t *p)
{
	struct wsh_resp *h = of(p);

	h->header = H_OTHER;
	for (size_t i = 0; i < sizeof(checked) / sizeof(checked[0]); i++)
		if (h->name_len == strlen(checked[i].name) &&
		    !strncasecmp(h->name, checked[i].name, h->name_len))
			h->header = (uint8_t)checked[i].h;
	h->name_len = 0;
	h->value_len = 0;
	return 0;
}

static int on_header_value(llhttp_t *p, const char *at, size_t n)
{
	struct wsh_resp *h = of(p);

	if (h->header != H_OTHER && h->header != H_UNASKED)
		gather(h->value, &h->value_len, WSH_VALUE_MAX, at, n);
	return 0;
}

static int is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* Whether the comma-separated list v holds token (case-insensitive). */
static int has_token(const char *v, size_t n, const char *token)
{
	size_t tlen = strlen(token), i = 0;

	while (i < n) {
		size_t s, e;
		while (i < n && (is_ows(v[i]) || v[i] == ','))
			i++;
		s = i;
		while (i < n && v[i] != ',')
			i++;
		e = i;
		while (e > s && is_ows(v[e - 1]))
			e--;
		if (e - s == tlen && !strncasecmp(v + s, token, tlen))
			return 1;
	}
	return 0;
}

static int on_header_value_complete(llhttp_t *p)
{
	struct wsh_resp *h = of(p);
	const char *v = h->value;
	size_t n = h->value_len == 0xff ? 0 : h->value_len;

	while (n && is_ows(*v))
		v++, n--;
	while (n && is_ows(v[n - 1]))
		n--;
	switch (h->header) {
	case H_UPGRADE:
		h->upgrade_ok = n == 9 && !strncasecmp(v, "websocket", 9);
		break;
	case H_CONNECTION:
		if (has_token(v, n, "upgrade"))
			h->connection_ok = 1;
		break;
	case H_ACCEPT:
		h->accepts++;
		h->accept_ok = (uint8_t)ws_accept_matches(h->key, WS_KEY_LEN, v, n);
		break;
	case H_UNASKED:
		h->unasked = 1;
		break;
	default:
		break;
	}
	h->header = H_OTHER;
	return 0;
}

static int on_headers_complete(llhttp_t *p)
{
	struct wsh_resp *h = of(p);

	if (p->status_code != 101)
		h->verdict = WSH_STATUS;
	else if (h->accepts != 1 || !h->accept_ok)
		h->verdict = WSH_ACCEPT;
	else if (!h->upgrade_ok || !h->connection_ok || h->unasked)
		h->verdict = WSH_UPGRADE;
	else
		h->verdict = WSH_OK;
	h->done = 1;
	/* 2: no body, what follows is another protocol: llhttp stops with
	 * HPE_PAUSED_UPGRADE at the first byte after the head. */
	return 2;
}

static const llhttp_settings_t settings = {
	.on_header_field = on_header_field,
	.on_header_field_complete = on_header_field_complete,
	.on_header_value = on_header_value,
	.on_header_value_complete = on_header_value_complete,
	.on_headers_complete = on_headers_complete,
};

void wsh_resp_init(struct wsh_resp *h, const char key[WS_KEY_LEN])
{
	memset(h, 0, sizeof(*h));
	llhttp_init(&h->parser, HTTP_RESPONSE, &settings);
	memcpy(h->key, key, WS_KEY_LEN);
}

enum wsh_result wsh_resp_feed(struct wsh_resp *h, const char *data, size_t len, size_t *used)
{
	llhttp_errno_t err;

	*used = 0;
	if (h->done)
		return WSH_DONE;
	err = llhttp_execute(&h->parser, data, len);
	if (err == HPE_OK && !h->done) {
		*used = len;
		return WSH_MORE;
	}
	if (h->done && (err == HPE_PAUSED_UPGRADE || err == HPE_OK)) {
		const char *pos = err == HPE_OK ? data + len : llhttp_get_error_pos(&h->parser);
		*used = (size_t)(pos - data);
		return WSH_DONE;
	}
	return WSH_GARBAGE;
}
