/* The WebSocket wire format (RFC 6455 section 5): opcodes, close codes, and
 * writing frame heads. Reading frames is ws/decode.h. */
#ifndef UKIT_WS_FRAME_H
#define UKIT_WS_FRAME_H

#include <stddef.h>
#include <stdint.h>

enum ws_opcode {
	WS_OP_CONT = 0x0,
	WS_OP_TEXT = 0x1,
	WS_OP_BINARY = 0x2,
	WS_OP_CLOSE = 0x8,
	WS_OP_PING = 0x9,
	WS_OP_PONG = 0xa,
};

/* Close codes (RFC 6455 7.4.1) that ukit sends or names. */
enum ws_close_code {
	WS_CLOSE_NORMAL = 1000,
	WS_CLOSE_GOING_AWAY = 1001,
	WS_CLOSE_PROTOCOL = 1002,
	WS_CLOSE_UNSUPPORTED = 1003,
	WS_CLOSE_NO_STATUS = 1005, /* the close frame had no code; never on the wire */
	WS_CLOSE_ABNORMAL = 1006,  /* the connection dropped; never on the wire */
	WS_CLOSE_INVALID_DATA = 1007,
	WS_CLOSE_POLICY = 1008,
	WS_CLOSE_TOO_BIG = 1009,
	WS_CLOSE_INTERNAL = 1011,
};

#define WS_HEAD_MAX 14         /* 2 bytes, 8 of extended length, 4 of mask */
#define WS_CONTROL_MAX 125     /* payload bytes of a control frame */
#define WS_CLOSE_REASON_MAX 123 /* a close payload is a 2-byte code, then the reason */

static inline int ws_opcode_is_control(unsigned op)
{
	return (op & 0x8) != 0;
}

/* Writes the head of a frame whose payload is len bytes: at most WS_HEAD_MAX
 * bytes, always the shortest length encoding. mask is NULL for an unmasked
 * frame (server to client); with a mask, the payload that follows must be
 * masked with ws_mask_apply. Returns the head's size, or 0 when the frame
 * would be invalid: an unknown opcode, a control frame longer than
 * WS_CONTROL_MAX or not final, len >= 2^63. */
size_t ws_frame_head(void *out, enum ws_opcode op, int fin, uint64_t len, const uint8_t mask[4]);

/* Masks (or unmasks: it is its own inverse) len payload bytes in place.
 * offset is the position of data[0] in the frame's payload, so that a payload
 * may be processed in pieces. */
void ws_mask_apply(void *data, size_t len, const uint8_t mask[4], uint64_t offset);

/* True for a code an endpoint may put in a close frame (RFC 6455 7.4):
 * 1000-1003, 1007-1014, 3000-4999. */
int ws_close_code_ok(unsigned code);

/* Writes a close frame's payload: code, then reason (UTF-8, at most
 * WS_CLOSE_REASON_MAX bytes) into out, which has room for 2 + reason_len
 * bytes. WS_CLOSE_NO_STATUS with no reason writes the empty payload, which is
 * how a close without a code is sent. Returns the payload's size, -EINVAL for
 * a code not allowed on the wire, -EMSGSIZE for a reason too long, -EILSEQ for
 * a reason that is not UTF-8. */
int ws_close_payload(void *out, unsigned code, const char *reason, size_t reason_len);

#endif
