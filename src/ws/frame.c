/* Writing WebSocket frames: heads, masking, close payloads. Payloads are not
 * copied here; the caller places them after the head. */
#include "ws/frame.h"

#include "ws/utf8.h"

#include <errno.h>
#include <string.h>

static int opcode_known(unsigned op)
{
	switch (op) {
	case WS_OP_CONT:
	case WS_OP_TEXT:
	case WS_OP_BINARY:
	case WS_OP_CLOSE:
	case WS_OP_PING:
	case WS_OP_PONG:
		return 1;
	default:
		return 0;
	}
}

size_t ws_frame_head(void *out, enum ws_opcode op, int fin, uint64_t len, const uint8_t mask[4])
{
	uint8_t *p = out;
	size_t n = 2;

	if (!opcode_known(op) || len >> 63)
		return 0;
	if (ws_opcode_is_control(op) && (len > WS_CONTROL_MAX || !fin))
		return 0;
	p[0] = (uint8_t)((fin ? 0x80 : 0) | op);
	p[1] = mask ? 0x80 : 0;
	if (len < 126) {
		p[1] |= (uint8_t)len;
	} else if (len <= 0xffff) {
		p[1] |= 126;
		p[2] = (uint8_t)(len >> 8);
		p[3] = (uint8_t)len;
		n = 4;
	} else {
		p[1] |= 127;
		for (int i = 0; i < 8; i++)
			p[2 + i] = (uint8_t)(len >> (56 - 8 * i)); /* network byte order */
		n = 10;
	}
	if (mask) {
		memcpy(p + n, mask, 4);
		n += 4;
	}
	return n;
}

void ws_mask_apply(void *data, size_t len, const uint8_t mask[4], uint64_t offset)
{
	uint8_t *p = data;
	uint8_t key[8];
	uint64_t k, w;
	size_t i = 0;

	/* key[j] masks the payload byte at offset + j, and the mask repeats
	 * every four bytes: XOR eight bytes at a time, whatever the alignment. */
	for (int j = 0; j < 8; j++)
		key[j] = mask[(offset + (uint64_t)j) & 3];
	memcpy(&k, key, sizeof(k));
	for (; len - i >= 8; i += 8) {
		memcpy(&w, p + i, sizeof(w));
		w ^= k;
		memcpy(p + i, &w, sizeof(w));
	}
	for (; i < len; i++)
		p[i] ^= key[i & 7];
}

int ws_close_code_ok(unsigned code)
{
	if (code >= 3000 && code <= 4999) /* registered (3xxx) and private (4xxx) use */
		return 1;
	if (code < 1000 || code > 1014) /* below 1000 unused; 1015..2999 reserved */
		return 0;
	/* 1004 is reserved; 1005 and 1006 stand for "no code" and "dropped" */
	return code != 1004 && code != WS_CLOSE_NO_STATUS && code != WS_CLOSE_ABNORMAL;
}

int ws_close_payload(void *out, unsigned code, const char *reason, size_t reason_len)
{
	uint8_t *p = out;
	uint32_t utf8 = WS_UTF8_ACCEPT;

	if (code == WS_CLOSE_NO_STATUS && reason_len == 0)
		return 0;
	if (!ws_close_code_ok(code))
		return -EINVAL;
	if (reason_len > WS_CLOSE_REASON_MAX)
		return -EMSGSIZE;
	if (ws_utf8_feed(&utf8, reason, reason_len) < 0 || !ws_utf8_complete(utf8))
		return -EILSEQ;
	p[0] = (uint8_t)(code >> 8);
	p[1] = (uint8_t)code;
	if (reason_len)
		memcpy(p + 2, reason, reason_len);
	return (int)(2 + reason_len);
}
