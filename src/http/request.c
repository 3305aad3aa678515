/* HTTP/1.1 request parsing: llhttp callbacks that extract, chunk by chunk, the
 * route, the `length` query parameter and the headers ukit acts on, and that
 * enforce the size limits. Nothing here touches a socket. */
#include "http/request.h"

#include <string.h>

enum url_state { U_START, U_SCHEME, U_SLASH1, U_SLASH2, U_AUTHORITY, U_PATH, U_KEY, U_VALUE,
		 U_SKIP, U_IGNORE, U_ASTERISK };

enum header_id { H_HOST, H_EXPECT, H_UPGRADE, H_WS_KEY, H_WS_VERSION, H_COUNT, H_OTHER = 0xff };

enum value_digits { DIGITS_NONE, DIGITS_SOME, DIGITS_BAD };

static const char *const route_paths[] = { [HTTP_ROUTE_WS_ECHO] = "/ws/echo",
					   [HTTP_ROUTE_METRICS] = "/metrics" };
#define ROUTE_FIRST HTTP_ROUTE_WS_ECHO
#define ROUTE_END (HTTP_ROUTE_METRICS + 1)

static const char *const header_names[H_COUNT] = {
	[H_HOST] = "host",
	[H_EXPECT] = "expect",
	[H_UPGRADE] = "upgrade",
	[H_WS_KEY] = "sec-websocket-key",
	[H_WS_VERSION] = "sec-websocket-version",
};

static const char length_key[] = "length";
#define LENGTH_KEY_LEN 6
#define KEY_MISMATCH 0xff
#define LENGTH_SATURATED (1ULL << 40)

static struct http_parser *parser_of(llhttp_t *ll)
{
	return (struct http_parser *)ll; /* ll is the first member */
}

/* The raw index of a byte of the running llhttp_execute. */
static uint64_t raw_index(const struct http_parser *p, const char *at)
{
	return p->exec_raw + (uint64_t)(at - p->exec_at);
}

/* A callback refuses the request because of the byte at (NULL: because of
 * the head as a whole, decided at its end). */
static int fail(struct http_parser *p, uint16_t status, const char *at)
{
	p->cb_status = status;
	p->fail_at = at ? raw_index(p, at) : UINT64_MAX;
	return HPE_USER;
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = lower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* --- request target ----------------------------------------------------- */

static void url_reset(struct http_parser *p)
{
	p->url_state = U_START;
	p->url_pct = 0;
	p->key_pos = 0;
	p->value_digits = DIGITS_NONE;
	p->path_pos = 0;
	p->path_cands = 0;
	for (int r = ROUTE_FIRST; r < ROUTE_END; r++)
		p->path_cands |= (uint8_t)(1u << r);
}

static void path_char(struct http_parser *p, char c)
{
	for (int r = ROUTE_FIRST; r < ROUTE_END; r++)
		if ((p->path_cands & (1u << r)) && route_paths[r][p->path_pos] != c)
			p->path_cands &= (uint8_t)~(1u << r);
	if (p->path_pos < 0xff)
		p->path_pos++;
}

/* One query byte after percent-decoding. */
static void query_byte(struct http_parser *p, char d)
{
	if (p->url_state == U_KEY) {
		if (p->key_pos < LENGTH_KEY_LEN && d == length_key[p->key_pos])
			p->key_pos++;
		else
			p->key_pos = KEY_MISMATCH;
	} else if (p->url_state == U_VALUE && p->value_digits != DIGITS_BAD) {
		if (d >= '0' && d <= '9') {
			uint64_t n = p->req.length * 10 + (uint64_t)(d - '0');
			p->req.length = n > LENGTH_SATURATED ? LENGTH_SATURATED : n;
			p->value_digits = DIGITS_SOME;
		} else {
			p->value_digits = DIGITS_BAD;
		}
	}
}

/* A query key or value ended at a raw '&', '#' or the end of the target. */
static void query_field_end(struct http_parser *p)
{
	if (p->url_pct) /* an escape cut short by the end */
		query_byte(p, '\0');
	if (p->url_state == U_KEY && p->key_pos == LENGTH_KEY_LEN) {
		p->req.length_state = HTTP_LENGTH_BAD; /* "length" with no '=' */
	} else if (p->url_state == U_VALUE) {
		if (p->value_digits != DIGITS_SOME)
			p->req.length_state = HTTP_LENGTH_BAD;
		else if (p->req.length_state != HTTP_LENGTH_BAD)
			p->req.length_state = HTTP_LENGTH_OK;
	}
	p->url_state = U_KEY;
	p->key_pos = 0;
	p->url_pct = 0;
}

static void query_char(struct http_parser *p, char c)
{
	if (p->url_pct) { /* inside %XY */
		int v = hex_value(c);
		if (v >= 0) {
			p->url_pct_val = (uint8_t)(p->url_pct_val << 4 | v);
			if (++p->url_pct == 3) {
				p->url_pct = 0;
				query_byte(p, (char)p->url_pct_val);
			}
			return;
		}
		/* a broken escape makes its key or value unusable; c is itself
		 * (a '&' still ends the field) */
		p->url_pct = 0;
		query_byte(p, '\0');
	}
	switch (c) {
	case '&':
		query_field_end(p);
		return;
	case '#':
		query_field_end(p);
		p->url_state = U_IGNORE;
		return;
	case '=':
		if (p->url_state == U_KEY) {
			if (p->key_pos == LENGTH_KEY_LEN) {
				p->url_state = U_VALUE;
				p->req.length = 0;
				p->value_digits = DIGITS_NONE;
			} else {
				p->url_state = U_SKIP;
			}
			return;
		}
		break;
	case '%':
		p->url_pct = 1;
		p->url_pct_val = 0;
		return;
	case '+':
		c = ' ';
		break;
	}
	if (p->url_state != U_SKIP)
		query_byte(p, c);
}

static int is_scheme_char(char c)
{
	c = lower(c);
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

static void url_char(struct http_parser *p, char c)
{
	switch (p->url_state) {
	case U_START:
		if (c == '/') {
			p->url_state = U_PATH;
			path_char(p, c);
		} else if (is_scheme_char(c)) {
			p->url_state = U_SCHEME; /* absolute-form: http://authority/path?query */
		} else {
			p->url_state = U_IGNORE; /* llhttp checks the rest */
		}
		break;
	case U_SCHEME:
		if (c == ':')
			p->url_state = U_SLASH1;
		else if (!is_scheme_char(c))
			p->url_state = U_IGNORE;
		break;
	case U_SLASH1:
	case U_SLASH2:
		p->url_state = c == '/' ? p->url_state + 1 : U_IGNORE;
		break;
	case U_AUTHORITY:
		if (c == '/') {
			p->url_state = U_PATH;
			path_char(p, c);
		} else if (c == '?') {
			path_char(p, '/'); /* "http://host?q" has the path "/" */
			p->url_state = U_KEY;
		} else if (c == '#') {
			p->url_state = U_IGNORE;
		}
		break;
	case U_PATH:
		if (c == '?')
			p->url_state = U_KEY;
		else if (c == '#')
			p->url_state = U_IGNORE;
		else
			path_char(p, c);
		break;
	case U_KEY:
	case U_VALUE:
	case U_SKIP:
		query_char(p, c);
		break;
	case U_IGNORE:
	case U_ASTERISK:
		break;
	}
}

/* Whether llhttp knows method as an HTTP method, not only as an RTSP one. */
static int method_is_http(uint8_t method)
{
	switch (method) {
#define HTTP_METHOD_CASE(num, name, string) case HTTP_##name:
	HTTP_METHOD_MAP(HTTP_METHOD_CASE)
#undef HTTP_METHOD_CASE
		return 1;
	default:
		return 0;
	}
}

static int on_url(llhttp_t *ll, const char *at, size_t len)
{
	struct http_parser *p = parser_of(ll);
	size_t room, n;

	/* llhttp takes RTSP methods (DESCRIBE, SETUP, ...) and refuses them
	 * later as a bad protocol; to HTTP they are unknown methods. PRI is
	 * left to the version: "PRI * HTTP/2.0" is the HTTP/2 preface (505). */
	if (!p->url_bytes && !method_is_http(ll->method) && ll->method != HTTP_PRI)
		return fail(p, 501, at);
	room = p->lim->max_url_bytes - p->url_bytes;
	n = len < room ? len : room;
	p->url_bytes += (uint32_t)n;
	for (size_t i = 0; i < n; i++) {
		/* RFC 9112 3.2.4: asterisk-form is "*" alone, for OPTIONS (and
		 * the HTTP/2 preface, refused by its version) */
		if (p->url_state == U_ASTERISK ||
		    (p->url_state == U_START && at[i] == '*' && ll->method != HTTP_OPTIONS &&
		     ll->method != HTTP_PRI))
			return fail(p, 400, at + i);
		if (p->url_state == U_START && at[i] == '*')
			p->url_state = U_ASTERISK;
		else
			url_char(p, at[i]);
	}
	if (len > room)
		return fail(p, 414, at + room);
	return 0;
}

static int on_url_complete(llhttp_t *ll)
{
	struct http_parser *p = parser_of(ll);

	if (p->url_state == U_KEY || p->url_state == U_VALUE)
		query_field_end(p);
	p->req.route = HTTP_ROUTE_TEXT;
	for (int r = ROUTE_FIRST; r < ROUTE_END; r++)
		if ((p->path_cands & (1u << r)) && route_paths[r][p->path_pos] == '\0')
			p->req.route = (uint8_t)r;
	return 0;
}

/* --- headers ------------------------------------------------------------ */

static void header_reset(struct http_parser *p)
{
	p->name_pos = 0;
	p->field_open = 0;
	p->name_cands = (uint8_t)((1u << H_COUNT) - 1);
	p->header = H_OTHER;
	p->value_len = 0;
	p->value_over = 0;
}

/* Trailers come after the head, outside the raw scan: their names and values
 * are bounded here. */
static int trailer_bytes(struct http_parser *p, const char *at, size_t len)
{
	if (p->in_head)
		return 0;
	if (len > p->lim->max_header_bytes - p->trailer_bytes)
		return fail(p, 431, at + (p->lim->max_header_bytes - p->trailer_bytes));
	p->trailer_bytes += (uint32_t)len;
	return 0;
}

static int on_header_field(llhttp_t *ll, const char *at, size_t len)
{
	struct http_parser *p = parser_of(ll);

	if (!p->field_open && len) {
		p->field_open = 1;
		if (++p->header_lines > p->lim->max_headers)
			return fail(p, 431, at);
	}
	if (trailer_bytes(p, at, len))
		return HPE_USER;
	for (size_t i = 0; i < len && p->name_cands; i++) {
		char c = lower(at[i]);
		for (int h = 0; h < H_COUNT; h++)
			if ((p->name_cands & (1u << h)) && header_names[h][p->name_pos] != c)
				p->name_cands &= (uint8_t)~(1u << h);
		p->name_pos++;
	}
	return 0;
}

static int on_header_field_complete(llhttp_t *ll)
{
	struct http_parser *p = parser_of(ll);

	for (int h = 0; h < H_COUNT; h++)
		if ((p->name_cands & (1u << h)) && header_names[h][p->name_pos] == '\0')
			p->header = (uint8_t)h;
	return 0;
}

static int on_header_value(llhttp_t *ll, const char *at, size_t len)
{
	struct http_parser *p = parser_of(ll);

	if (trailer_bytes(p, at, len))
		return HPE_USER;
	for (size_t i = 0; i < len; i++) {
		/* NUL and other controls have no place in a field value (llhttp
		 * strict refuses them already; this does not depend on it) */
		unsigned char c = (unsigned char)at[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return fail(p, 400, at + i);
	}
	if (p->header == H_OTHER)
		return 0;
	if (p->value_len + len > sizeof(p->value)) {
		p->value_over = 1;
		len = sizeof(p->value) - p->value_len;
	}
	memcpy(p->value + p->value_len, at, len);
	p->value_len = (uint8_t)(p->value_len + len);
	return 0;
}

/* The captured value without surrounding whitespace. */
static const char *value_trimmed(struct http_parser *p, size_t *len)
{
	const char *v = p->value;
	size_t n = p->value_len;

	while (n && (*v == ' ' || *v == '\t'))
		v++, n--;
	while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	*len = n;
	return v;
}

static int equals_nocase(const char *a, size_t alen, const char *b)
{
	size_t blen = strlen(b);

	if (alen != blen)
		return 0;
	for (size_t i = 0; i < alen; i++)
		if (lower(a[i]) != b[i])
			return 0;
	return 1;
}

/* Whether a comma-separated list holds token (lowercase), ignoring case. */
static int list_has_token(const char *v, size_t n, const char *token)
{
	size_t i = 0;

	while (i < n) {
		size_t start, end;
		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		start = i;
		while (i < n && v[i] != ',')
			i++;
		end = i;
		while (end > start && (v[end - 1] == ' ' || v[end - 1] == '\t'))
			end--;
		if (equals_nocase(v + start, end - start, token))
			return 1;
	}
	return 0;
}

static int on_header_value_complete(llhttp_t *ll)
{
	struct http_parser *p = parser_of(ll);
	struct http_request *r = &p->req;
	size_t n;
	const char *v = value_trimmed(p, &n);

	switch (p->header) {
	case H_HOST:
		if (r->hosts < 0xff)
			r->hosts++;
		break;
	case H_EXPECT:
		r->expect = !p->value_over && equals_nocase(v, n, "100-continue") ? HTTP_EXPECT_CONTINUE
										   : HTTP_EXPECT_OTHER;
		break;
	case H_UPGRADE:
		r->upgrade_websocket |= (uint8_t)list_has_token(v, n, "websocket");
		break;
	case H_WS_KEY:
		if (r->ws_keys < 0xff)
			r->ws_keys++;
		r->ws_key_len = p->value_over ? 0 : (uint8_t)n;
		memcpy(r->ws_key, v, r->ws_key_len);
		break;
	case H_WS_VERSION: {
		unsigned ver = n ? 0 : 255;
		for (size_t i = 0; i < n && ver < 255; i++)
			ver = v[i] >= '0' && v[i] <= '9' ? ver * 10 + (unsigned)(v[i] - '0') : 255;
		r->ws_version = (uint8_t)(ver > 255 ? 255 : ver);
		break;
	}
	}
	header_reset(p);
	return 0;
}

/* --- message ------------------------------------------------------------ */

static int on_message_begin(llhttp_t *ll)
{
	struct http_parser *p = parser_of(ll);

	memset(&p->req, 0, sizeof(p->req));
	p->body_bytes = 0;
	p->url_bytes = 0;
	p->header_lines = 0;
	p->trailer_bytes = 0;
	p->in_head = 1;
	p->started = 1;
	url_reset(p);
	header_reset(p);
	return 0;
}

static int on_headers_complete(llhttp_t *ll)
{
	struct http_parser *p = parser_of(ll);
	struct http_request *r = &p->req;

	p->in_head = 0;
	r->method = ll->method;
	if (ll->http_major != 1 || ll->http_minor > 1)
		return fail(p, 505, NULL); /* the raw scan has refused it already */
	r->version = (uint8_t)(10 + ll->http_minor);
	/* RFC 9112 3.2: exactly one Host in 1.1, at most one in 1.0 */
	if ((r->version == 11 && r->hosts != 1) || r->hosts > 1)
		return fail(p, 400, NULL);
	r->connection_upgrade = (ll->flags & F_CONNECTION_UPGRADE) != 0;
	r->has_body = (ll->flags & F_CHUNKED) || ll->content_length > 0;
	if ((ll->flags & F_CONTENT_LENGTH) && ll->content_length > p->lim->max_body)
		return fail(p, 413, NULL); /* decided before reading any of the body */
	if (r->expect == HTTP_EXPECT_OTHER)
		return fail(p, 417, NULL);
	if (r->expect == HTTP_EXPECT_CONTINUE && r->version == 11 && r->has_body)
		return HPE_PAUSED; /* the caller answers 100 Continue, then resumes */
	return 0;
}

static int on_body(llhttp_t *ll, const char *at, size_t len)
{
	struct http_parser *p = parser_of(ll);

	if (len > p->lim->max_body - p->body_bytes) /* a chunked body that grew too long */
		return fail(p, 413, at + (p->lim->max_body - p->body_bytes));
	p->body_bytes += len;
	return 0;
}

/* A chunk announced too big is refused at its size line, not after it. */
static int on_chunk_header(llhttp_t *ll)
{
	struct http_parser *p = parser_of(ll);

	if (ll->content_length > p->lim->max_body - p->body_bytes)
		return fail(p, 413, NULL);
	return 0;
}

static int on_message_complete(llhttp_t *ll)
{
	struct http_parser *p = parser_of(ll);

	p->req.keep_alive = (uint8_t)llhttp_should_keep_alive(ll);
	/* RFC 9112 6.1: Transfer-Encoding in HTTP/1.0 is faulty framing, and
	 * the connection must close after the message, keep-alive or not. */
	if (ll->http_minor == 0 && (ll->flags & F_TRANSFER_ENCODING))
		p->req.keep_alive = 0;
	p->started = 0;
	return HPE_PAUSED; /* one request at a time: the caller answers it first */
}

static const llhttp_settings_t settings = {
	.on_message_begin = on_message_begin,
	.on_url = on_url,
	.on_url_complete = on_url_complete,
	.on_header_field = on_header_field,
	.on_header_field_complete = on_header_field_complete,
	.on_header_value = on_header_value,
	.on_header_value_complete = on_header_value_complete,
	.on_headers_complete = on_headers_complete,
	.on_body = on_body,
	.on_chunk_header = on_chunk_header,
	.on_message_complete = on_message_complete,
};

void http_parser_init(struct http_parser *p, const struct http_limits *lim)
{
	memset(p, 0, sizeof(*p));
	llhttp_init(&p->ll, HTTP_REQUEST, &settings);
	p->lim = lim;
}

static int is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* --- the raw head ---------------------------------------------------------
 * llhttp reports the head through callbacks, but not all of it: whitespace,
 * line ends and the protocol name go unreported, and strict mode still lets
 * a folded line (obs-fold), an empty field name, a bare LF ending the request
 * line, and RTSP/ICE in place of HTTP through. This scanner goes over every
 * byte of the head after llhttp has, to bound its size exactly and to refuse
 * those. It keeps a state, never bytes. */

enum raw_state { R_START, R_METHOD, R_SP1, R_TARGET, R_SP2, R_PROTO, R_MAJOR, R_DOT, R_MINOR,
		 R_CR, R_LF, R_LINE, R_FIELD, R_END, R_DONE };

/* Scans n bytes of the head from s, stopping at the end of the head or at a
 * refusal, left in *status. Returns how many bytes it accepted. */
static size_t raw_scan(struct http_parser *p, const char *s, size_t n, uint16_t *status)
{
	size_t i;

	for (i = 0; i < n && p->raw_state != R_DONE; i++) {
		char c = s[i];
		uint16_t bad = 0;

		if (p->head_raw >= p->lim->max_header_bytes) {
			*status = 431;
			return i;
		}
		p->head_raw++;
		switch (p->raw_state) {
		case R_START: /* empty lines may come before a request */
			if (c == '\r' || c == '\n')
				break;
			if (is_tchar(c))
				p->raw_state = R_METHOD;
			else
				bad = 400;
			break;
		case R_METHOD: /* a method llhttp does not know is 501 if it is a token */
			if (c == ' ' && p->method_bad)
				bad = 501; /* RFC 9110 9.1 */
			else if (c == ' ')
				p->raw_state = R_SP1;
			else if (!is_tchar(c))
				bad = 400;
			break;
		case R_SP1: /* llhttp allows more than one SP, and so does RFC 9112 3 */
			if (c == '\r' || c == '\n')
				bad = 400;
			else if (c != ' ')
				p->raw_state = R_TARGET;
			break;
		case R_TARGET:
			if (c == ' ')
				p->raw_state = R_SP2;
			else if (c == '\r' || c == '\n')
				bad = 505; /* no version: HTTP/0.9 */
			break;
		case R_SP2:
			if (c == 'H') {
				p->raw_state = R_PROTO;
				p->raw_pos = 1;
			} else if (c != ' ') {
				bad = 400;
			}
			break;
		case R_PROTO: /* "HTTP/", case-sensitive (RFC 9112 2.3) */
			if (c != "HTTP/"[p->raw_pos])
				bad = 400;
			else if (++p->raw_pos == 5)
				p->raw_state = R_MAJOR;
			break;
		case R_MAJOR: /* a version other than 1.0 and 1.1 is refused at its
				 * digit, where llhttp refuses it too */
			if (c < '0' || c > '9')
				bad = 400;
			else if (c != '1')
				bad = 505;
			else
				p->raw_state = R_DOT;
			break;
		case R_MINOR:
			if (c < '0' || c > '9')
				bad = 400;
			else if (c > '1')
				bad = 505;
			else
				p->raw_state = R_CR;
			break;
		case R_DOT:
			if (c == '.')
				p->raw_state = R_MINOR;
			else
				bad = 400;
			break;
		case R_CR:
			if (c == '\r')
				p->raw_state = R_LF;
			else
				bad = 400;
			break;
		case R_LF:
			if (c == '\n')
				p->raw_state = R_LINE;
			else
				bad = 400;
			break;
		case R_LINE: /* a header line, or the end of the head */
			if (c == '\r')
				p->raw_state = R_END;
			else if (c == ' ' || c == '\t' || c == ':' || c == '\n')
				bad = 400; /* obs-fold (RFC 9112 5.2), empty name, bare LF */
			else
				p->raw_state = R_FIELD;
			break;
		case R_FIELD:
			if (c == '\r')
				p->raw_state = R_LF;
			else if (c == '\n')
				bad = 400;
			break;
		case R_END:
			if (c == '\n')
				p->raw_state = R_DONE;
			else
				bad = 400;
			break;
		}
		if (bad) {
			*status = bad;
			return i;
		}
	}
	return i;
}

/* The answer to a request llhttp refused (the raw scan has judged the
 * method token and the version already). */
static uint16_t status_for(const struct http_parser *p, llhttp_errno_t err)
{
	switch (err) {
	case HPE_INVALID_VERSION:
		/* the raw scan refuses unsupported versions at their digit:
		 * this is a malformed one, or PRI with HTTP/1.x (an unknown method) */
		return p->ll.method == HTTP_PRI ? 501 : 400;
	case HPE_PAUSED_H2_UPGRADE:
		return 505;
	default:
		return 400;
	}
}

/* llhttp's type for the span callback it keeps pending (llhttp.c). */
typedef int (*llhttp_span_cb)(llhttp_t *, const char *, const char *);

/* When llhttp refuses a byte it drops the span it was in (a target, a field
 * name or value) without reporting it. Reported now, the callbacks' limits
 * see every byte before the refusal, as they do when the input is split
 * just before it. */
static void flush_span(struct http_parser *p, const char *stop)
{
	const char *from = p->ll._span_pos0;

	if (from && from < stop)
		((llhttp_span_cb)p->ll._span_cb0)(&p->ll, from, stop);
}

static enum http_event refuse(struct http_parser *p, uint16_t status, size_t used_bytes,
			      size_t *used)
{
	p->status = status;
	*used = used_bytes;
	return HTTP_ERROR;
}

enum http_event http_parse(struct http_parser *p, const char *data, size_t len, size_t *used)
{
	const char *pos = data, *end = data + len;

	if (p->status) {
		*used = 0;
		return HTTP_ERROR;
	}
	if (p->paused) {
		llhttp_resume(&p->ll);
		p->paused = 0;
	}
	for (;;) {
		uint16_t status = 0, raw_status = 0;
		uint64_t status_at = UINT64_MAX;
		llhttp_errno_t err;
		const char *stop;

		if (p->method_bad) {
			/* llhttp stopped at a method it does not know: whether the
			 * method is a token decides between 501 and 400 */
			size_t n = raw_scan(p, pos, (size_t)(end - pos), &raw_status);

			if (raw_status)
				return refuse(p, raw_status, (size_t)(pos + n - data), used);
			*used = len;
			return HTTP_MORE;
		}
		p->exec_at = pos;
		p->exec_raw = p->head_raw;
		p->cb_status = 0;
		err = llhttp_execute(&p->ll, pos, (size_t)(end - pos));
		stop = err == HPE_OK ? end : llhttp_get_error_pos(&p->ll);
		if (!p->cb_status && err != HPE_OK && err != HPE_PAUSED && err != HPE_PAUSED_UPGRADE)
			flush_span(p, stop);
		if (p->cb_status) {
			status = p->cb_status;
			status_at = p->fail_at;
		} else if (err != HPE_OK && err != HPE_PAUSED && err != HPE_PAUSED_UPGRADE &&
			   err != HPE_INVALID_METHOD) {
			status = status_for(p, err);
			status_at = raw_index(p, stop);
		}
		/* The raw scan of the head bytes llhttp went over (up to the byte
		 * it refused, which may be the one after the bad one): whichever
		 * refusal comes first in the bytes wins, so that how the input was
		 * split does not change the answer. */
		if (p->raw_state != R_DONE) {
			size_t n = raw_scan(p, pos, (size_t)(stop - pos), &raw_status);

			if (raw_status && raw_index(p, pos + n) < status_at) {
				status = raw_status;
				stop = pos + n;
			}
		}
		if (status)
			return refuse(p, status, (size_t)(stop - data), used);
		switch (err) {
		case HPE_OK:
			*used = len;
			return HTTP_MORE;
		case HPE_PAUSED:
			p->paused = 1;
			*used = (size_t)(stop - data);
			if (p->started)
				return HTTP_CONTINUE;
			p->raw_state = R_START; /* the next head begins */
			p->head_raw = 0;
			return HTTP_DONE;
		case HPE_INVALID_METHOD:
			p->method_bad = 1;
			pos = stop;
			continue;
		default: /* HPE_PAUSED_UPGRADE */
			/* Only reached for requests already answered as plain HTTP
			 * (an upgrade ukit declined): keep parsing HTTP. */
			llhttp_resume_after_upgrade(&p->ll);
			pos = stop;
			continue;
		}
	}
}
