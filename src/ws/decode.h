/* Streaming WebSocket frame decoding (RFC 6455 section 5). The decoder is fed
 * bytes in any split and keeps a small fixed state, never the data: payload
 * is unmasked in place and handed back as pointers into the caller's buffer.
 * Only control frames, at most 125 bytes, are gathered whole. */
#ifndef UKIT_WS_DECODE_H
#define UKIT_WS_DECODE_H

#include "ws/frame.h"

#include <stddef.h>
#include <stdint.h>

enum ws_role {
	WS_ROLE_SERVER, /* reads a client's frames: they must be masked */
	WS_ROLE_CLIENT, /* reads a server's frames: they must not be */
};

enum ws_event {
	WS_NEED_MORE,  /* all input consumed; a frame or message may be in progress */
	WS_DATA_START, /* a text, binary or continuation frame begins */
	WS_DATA,       /* a piece of its payload, unmasked (never empty) */
	WS_DATA_END,   /* its payload is complete; fin says whether the message is */
	WS_CONTROL,    /* a whole ping, pong or close frame (nothing may follow
			  a close: 5.5.1; the caller stops decoding) */
	WS_ERROR,      /* fail the connection: send a close with code, then close */
};

/* What an event carries. Fields an event does not name are zero. */
struct ws_event_info {
	const char *data; /* WS_DATA: in the caller's buffer; WS_CONTROL: in the
			     decoder, valid until the next ws_decode */
	uint64_t len;     /* WS_DATA_START: the frame's payload length;
			     WS_DATA, WS_CONTROL: bytes at data */
	uint16_t code;    /* WS_ERROR: the close code to send; WS_CONTROL for a
			     close: the code received, WS_CLOSE_NO_STATUS if none
			     (the reason, UTF-8, is data + 2, len - 2) */
	uint8_t opcode;   /* WS_DATA_START, WS_CONTROL: enum ws_opcode */
	uint8_t fin;      /* WS_DATA_START: the frame's FIN bit;
			     WS_DATA_END: the frame ended a message */
};

struct ws_decoder {
	uint64_t max_message; /* larger messages (all fragments) fail with 1009 */
	uint64_t message_len; /* the message in progress, counting this frame whole */
	uint64_t remaining;   /* payload bytes of this frame still to come */
	uint32_t utf8;        /* validator state across a text message */
	uint16_t error;       /* the close code once failed: failure is final */
	uint8_t state;
	uint8_t role;         /* enum ws_role */
	uint8_t need;         /* extended length or mask bytes still to come */
	uint8_t opcode;       /* of this frame */
	uint8_t fin;
	uint8_t masked;
	uint8_t mask_pos;     /* payload offset of the next byte, modulo 4 */
	uint8_t message;      /* WS_OP_TEXT or WS_OP_BINARY while a message is in
				 progress, else 0 */
	uint8_t mask[4];
	uint8_t control_len;
	char control[WS_CONTROL_MAX];
};

void ws_decoder_init(struct ws_decoder *d, enum ws_role role, uint64_t max_message);

/* Decodes from data, which it may modify (unmasking). Returns at every event;
 * *used says how much was consumed (all of it for WS_NEED_MORE). Call again
 * with the rest, even when nothing is left (data may then be NULL), until
 * WS_NEED_MORE: WS_DATA_END consumes no input. After WS_ERROR every call
 * returns WS_ERROR again and consumes nothing. */
enum ws_event ws_decode(struct ws_decoder *d, char *data, size_t len, size_t *used,
			struct ws_event_info *ev);

/* True between messages: no frame is partly read and no fragmented message
 * is in progress (control frames may have been read). False once failed. */
int ws_decoder_idle(const struct ws_decoder *d);

#endif
