/* Response validation with llhttp (see response.h). Matching "Server: ukit"
 * is done byte by byte because a header may arrive split over receives. */
#include "client/response.h"

#include "http/text.h"

#include <string.h>

static const char server_name[] = "server";
static const char ukit_name[] = "ukit";

static struct resp *resp_of(llhttp_t *p)
{
	return (struct resp *)p; /* parser is the first member */
}

static int on_message_begin(llhttp_t *p)
{
	struct resp *r = resp_of(p);

	r->body_len = 0;
	r->verdict = RESP_OK;
	r->is_ukit = 0;
	r->field_pos = 0;
	r->value_pos = 0;
	r->in_server = 0;
	r->complete = 0;
	r->started = 1;
	return 0;
}

/* Advances a case-insensitive prefix match of want by at/len. */
static uint8_t match_more(uint8_t pos, const char *want, size_t wlen, const char *at, size_t len)
{
	for (size_t i = 0; i < len && pos != 0xff; i++) {
		if (pos >= wlen || (at[i] | 0x20) != want[pos])
			return 0xff;
		pos++;
	}
	return pos;
}

static int on_header_field(llhttp_t *p, const char *at, size_t len)
{
	struct resp *r = resp_of(p);

	r->field_pos = match_more(r->field_pos, server_name, sizeof(server_name) - 1, at, len);
	return 0;
}

static int on_header_field_complete(llhttp_t *p)
{
	struct resp *r = resp_of(p);

	r->in_server = r->field_pos == sizeof(server_name) - 1;
	r->value_pos = 0;
	return 0;
}

static int on_header_value(llhttp_t *p, const char *at, size_t len)
{
	struct resp *r = resp_of(p);
	size_t want = sizeof(ukit_name) - 1;

	if (!r->in_server || r->value_pos == 0xff || r->value_pos >= want)
		return 0; /* "ukit/0.1" counts too: only the prefix matters */
	if (len > want - r->value_pos)
		len = want - r->value_pos;
	r->value_pos = match_more(r->value_pos, ukit_name, want, at, len);
	return 0;
}

static int on_header_value_complete(llhttp_t *p)
{
	struct resp *r = resp_of(p);

	if (r->in_server && r->value_pos == sizeof(ukit_name) - 1)
		r->is_ukit = 1;
	r->field_pos = 0;
	r->in_server = 0;
	return 0;
}

static void fail(struct resp *r, enum resp_verdict v)
{
	if (r->verdict == RESP_OK)
		r->verdict = (uint8_t)v;
}

static int on_headers_complete(llhttp_t *p)
{
	struct resp *r = resp_of(p);

	if (p->status_code != 200)
		fail(r, RESP_BAD_STATUS);
	else if ((p->flags & F_CONTENT_LENGTH) && resp_checking(r->check_length, r) &&
		 p->content_length != r->expect_len)
		fail(r, RESP_BAD_LENGTH);
	return 0;
}

static int on_body(llhttp_t *p, const char *at, size_t len)
{
	struct resp *r = resp_of(p);
	uint64_t end = (uint64_t)r->body_len + len;

	if (r->verdict == RESP_OK && resp_checking(r->check_body, r) &&
	    (end > HTTP_TEXT_MAX || memcmp(at, http_text() + r->body_len, len)))
		fail(r, RESP_BAD_BODY);
	r->body_len = end > UINT32_MAX ? UINT32_MAX : (uint32_t)end;
	return 0;
}

static int on_message_complete(llhttp_t *p)
{
	struct resp *r = resp_of(p);

	/* chunked or EOF-delimited bodies have no Content-Length to compare */
	if (resp_checking(r->check_length, r) && r->body_len != r->expect_len &&
	    p->status_code == 200)
		fail(r, RESP_BAD_LENGTH);
	r->complete = 1;
	r->started = 0;
	return HPE_PAUSED; /* hand the verdict to the caller before the next response */
}

static const llhttp_settings_t settings = {
	.on_message_begin = on_message_begin,
	.on_header_field = on_header_field,
	.on_header_field_complete = on_header_field_complete,
	.on_header_value = on_header_value,
	.on_header_value_complete = on_header_value_complete,
	.on_headers_complete = on_headers_complete,
	.on_body = on_body,
	.on_message_complete = on_message_complete,
};

void resp_init(struct resp *r, uint32_t expect_len, enum resp_check check_length,
	       enum resp_check check_body)
{
	memset(r, 0, sizeof(*r));
	llhttp_init(&r->parser, HTTP_RESPONSE, &settings);
	r->expect_len = expect_len;
	r->check_length = (uint8_t)check_length;
	r->check_body = (uint8_t)check_body;
}

enum resp_result resp_feed(struct resp *r, const char *data, size_t len, size_t *used)
{
	llhttp_errno_t err = llhttp_execute(&r->parser, data, len);

	if (err == HPE_OK) {
		*used = len;
		return RESP_MORE;
	}
	if (err == HPE_PAUSED && r->complete) {
		*used = (size_t)(llhttp_get_error_pos(&r->parser) - data);
		llhttp_resume(&r->parser);
		r->complete = 0;
		return RESP_DONE;
	}
	*used = len;
	return RESP_ERROR;
}

enum resp_result resp_eof(struct resp *r)
{
	llhttp_errno_t err;

	if (!resp_midway(r))
		return RESP_MORE;
	err = llhttp_finish(&r->parser);
	if (err == HPE_PAUSED && r->complete) {
		llhttp_resume(&r->parser);
		r->complete = 0;
		return RESP_DONE;
	}
	return RESP_ERROR;
}
