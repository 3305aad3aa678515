/* WebSocket frame decoding: frame heads a byte at a time, payloads in bulk,
 * and every check RFC 6455 asks of a receiver, each mapped to the close code
 * the connection fails with. No extension is negotiated, so RSV bits are errors. */
#include "ws/decode.h"

#include "ws/utf8.h"

#include <string.h>

enum state {
	S_HEAD0,      /* FIN, RSV1-3, opcode */
	S_HEAD1,      /* MASK, 7-bit payload length */
	S_LEN16,      /* a 16-bit extended length */
	S_LEN64,      /* a 64-bit extended length */
	S_MASK,       /* the masking key */
	S_DATA_START, /* a data frame's head is read: report it */
	S_PAYLOAD,
	S_DATA_END,
	S_CONTROL,    /* gathering a control frame's payload */
	S_FAILED,
};

/* Every WebSocket connection's context holds one. */
_Static_assert(sizeof(struct ws_decoder) <= 192, "the decoder must stay small");

void ws_decoder_init(struct ws_decoder *d, enum ws_role role, uint64_t max_message)
{
	memset(d, 0, sizeof(*d));
	d->state = S_HEAD0;
	d->role = (uint8_t)role;
	d->max_message = max_message;
	d->utf8 = WS_UTF8_ACCEPT;
}

int ws_decoder_idle(const struct ws_decoder *d)
{
	return d->state == S_HEAD0 && !d->message;
}

/* --- frame head ---------------------------------------------------------- */

static void head_done(struct ws_decoder *d)
{
	if (ws_opcode_is_control(d->opcode)) {
		d->control_len = 0;
		d->state = S_CONTROL;
	} else {
		d->mask_pos = 0;
		d->state = S_DATA_START;
	}
}

static uint16_t length_known(struct ws_decoder *d)
{
	if (!ws_opcode_is_control(d->opcode)) {
		/* Refuse an oversized message from its head, before any payload
		 * is read. message_len <= max_message, so this cannot wrap. */
		if (d->remaining > d->max_message - d->message_len)
			return WS_CLOSE_TOO_BIG;
		d->message_len += d->remaining;
	}
	if (d->masked) {
		d->need = 4;
		d->state = S_MASK;
	} else {
		head_done(d);
	}
	return 0;
}

static uint16_t head0(struct ws_decoder *d, uint8_t b)
{
	d->fin = b >> 7;
	d->opcode = b & 0x0f;
	if (b & 0x70) /* RSV1-3 mean something only to a negotiated extension */
		return WS_CLOSE_PROTOCOL;
	switch (d->opcode) {
	case WS_OP_CONT:
		if (!d->message) /* nothing to continue */
			return WS_CLOSE_PROTOCOL;
		break;
	case WS_OP_TEXT:
	case WS_OP_BINARY:
		if (d->message) /* 5.4: fragments of messages never interleave */
			return WS_CLOSE_PROTOCOL;
		break;
	case WS_OP_CLOSE:
	case WS_OP_PING:
	case WS_OP_PONG:
		if (!d->fin) /* 5.5: control frames are never fragmented */
			return WS_CLOSE_PROTOCOL;
		break;
	default: /* reserved opcodes */
		return WS_CLOSE_PROTOCOL;
	}
	d->state = S_HEAD1;
	return 0;
}

static uint16_t head1(struct ws_decoder *d, uint8_t b)
{
	uint8_t len7 = b & 0x7f;

	d->masked = b >> 7;
	/* 5.1: a client masks every frame, a server none */
	if (d->masked != (d->role == WS_ROLE_SERVER))
		return WS_CLOSE_PROTOCOL;
	if (ws_opcode_is_control(d->opcode) && len7 > WS_CONTROL_MAX)
		return WS_CLOSE_PROTOCOL;
	d->remaining = 0;
	if (len7 == 126) {
		d->need = 2;
		d->state = S_LEN16;
		return 0;
	}
	if (len7 == 127) {
		d->need = 8;
		d->state = S_LEN64;
		return 0;
	}
	d->remaining = len7;
	return length_known(d);
}

static uint16_t length_byte(struct ws_decoder *d, uint8_t b)
{
	d->remaining = d->remaining << 8 | b;
	if (--d->need)
		return 0;
	if (d->state == S_LEN64 && d->remaining >> 63) /* 5.2: the top bit MUST be 0 */
		return WS_CLOSE_PROTOCOL;
	/* 5.2: "the minimal number of bytes MUST be used to encode the length".
	 * A padded length is refused like any other malformed head. */
	if (d->remaining < (d->state == S_LEN16 ? 126u : 0x10000u))
		return WS_CLOSE_PROTOCOL;
	return length_known(d);
}

static uint16_t head_byte(struct ws_decoder *d, uint8_t b)
{
	switch (d->state) {
	case S_HEAD0:
		return head0(d, b);
	case S_HEAD1:
		return head1(d, b);
	case S_MASK:
		d->mask[4 - d->need] = b;
		if (--d->need == 0)
			head_done(d);
		return 0;
	default: /* S_LEN16, S_LEN64 */
		return length_byte(d, b);
	}
}

/* --- data frames --------------------------------------------------------- */

static void data_start(struct ws_decoder *d, struct ws_event_info *ev)
{
	/* d->utf8 needs no reset: a text message only ends complete */
	if (d->opcode != WS_OP_CONT)
		d->message = d->opcode;
	ev->opcode = d->opcode;
	ev->fin = d->fin;
	ev->len = d->remaining;
	d->state = d->remaining ? S_PAYLOAD : S_DATA_END;
}

static uint16_t payload(struct ws_decoder *d, char *p, size_t n, struct ws_event_info *ev)
{
	if (d->masked) {
		ws_mask_apply(p, n, d->mask, d->mask_pos);
		d->mask_pos = (uint8_t)((d->mask_pos + n) & 3);
	}
	d->remaining -= n;
	/* 8.1: fail as soon as the text cannot be UTF-8, not at its end */
	if (d->message == WS_OP_TEXT && ws_utf8_feed(&d->utf8, p, n) < 0)
		return WS_CLOSE_INVALID_DATA;
	if (!d->remaining)
		d->state = S_DATA_END;
	ev->data = p;
	ev->len = n;
	return 0;
}

static uint16_t data_end(struct ws_decoder *d, struct ws_event_info *ev)
{
	d->state = S_HEAD0;
	ev->fin = d->fin;
	if (!d->fin)
		return 0;
	if (d->message == WS_OP_TEXT && !ws_utf8_complete(d->utf8))
		return WS_CLOSE_INVALID_DATA; /* the text ends inside a character */
	d->message = 0;
	d->message_len = 0;
	return 0;
}

/* --- control frames ------------------------------------------------------ */

static void control_bytes(struct ws_decoder *d, const char *p, size_t n)
{
	char *to = d->control + d->control_len;

	memcpy(to, p, n);
	if (d->masked)
		ws_mask_apply(to, n, d->mask, d->control_len);
	d->control_len = (uint8_t)(d->control_len + n);
	d->remaining -= n;
}

/* 5.5.1: an empty body, or a 2-byte code and a UTF-8 reason. */
static uint16_t close_check(const char *p, size_t n, uint16_t *code)
{
	uint32_t utf8 = WS_UTF8_ACCEPT;

	if (n == 0) {
		*code = WS_CLOSE_NO_STATUS;
		return 0;
	}
	if (n == 1)
		return WS_CLOSE_PROTOCOL;
	*code = (uint16_t)((uint8_t)p[0] << 8 | (uint8_t)p[1]);
	if (!ws_close_code_ok(*code))
		return WS_CLOSE_PROTOCOL;
	if (ws_utf8_feed(&utf8, p + 2, n - 2) < 0 || !ws_utf8_complete(utf8))
		return WS_CLOSE_INVALID_DATA;
	return 0;
}

static uint16_t control_done(struct ws_decoder *d, struct ws_event_info *ev)
{
	d->state = S_HEAD0;
	ev->opcode = d->opcode;
	ev->data = d->control;
	ev->len = d->control_len;
	if (d->opcode == WS_OP_CLOSE)
		return close_check(d->control, d->control_len, &ev->code);
	return 0;
}

/* --- the loop ------------------------------------------------------------ */

static size_t chunk(const struct ws_decoder *d, size_t avail)
{
	return d->remaining < avail ? (size_t)d->remaining : avail;
}

enum ws_event ws_decode(struct ws_decoder *d, char *data, size_t len, size_t *used,
			struct ws_event_info *ev)
{
	enum ws_event e = WS_NEED_MORE;
	uint16_t code = 0;
	size_t pos = 0, n;

	memset(ev, 0, sizeof(*ev));
	if (d->state == S_FAILED) {
		ev->code = d->error;
		*used = 0;
		return WS_ERROR;
	}
	/* Each step either ends the call with an event (goto out, where a close
	 * code turns it into WS_ERROR) or moves on to the next state (break). */
	for (;;) {
		switch (d->state) {
		case S_DATA_START:
			data_start(d, ev);
			e = WS_DATA_START;
			goto out;
		case S_PAYLOAD:
			if (pos == len)
				goto out;
			n = chunk(d, len - pos);
			code = payload(d, data + pos, n, ev);
			pos += n;
			e = WS_DATA;
			goto out;
		case S_DATA_END:
			code = data_end(d, ev);
			e = WS_DATA_END;
			goto out;
		case S_CONTROL:
			if (!d->remaining) {
				code = control_done(d, ev);
				e = WS_CONTROL;
				goto out;
			}
			if (pos == len)
				goto out;
			n = chunk(d, len - pos);
			control_bytes(d, data + pos, n);
			pos += n;
			break;
		default: /* the frame head, a byte at a time */
			if (pos == len)
				goto out;
			code = head_byte(d, (uint8_t)data[pos++]);
			if (code)
				goto out;
			break;
		}
	}
out:
	if (code) {
		memset(ev, 0, sizeof(*ev));
		ev->code = d->error = code;
		d->state = S_FAILED;
		e = WS_ERROR;
	}
	*used = pos;
	return e;
}
