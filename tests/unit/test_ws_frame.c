/* Writing frames: exact head bytes (RFC 6455 5.2 and the 5.7 examples),
 * masking in pieces, close payloads and which close codes are allowed. */
#include "ws/frame.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

static const uint8_t rfc_mask[4] = { 0x37, 0xfa, 0x21, 0x3d };

struct head_case {
	const char *name;
	enum ws_opcode op;
	int fin;
	uint64_t len;
	const uint8_t *mask;
	const char *want;
	size_t want_len;
};

#define H(name, op, fin, len, mask, lit) { name, op, fin, len, mask, lit, sizeof(lit) - 1 }

static const struct head_case heads[] = {
	H("RFC unmasked Hello", WS_OP_TEXT, 1, 5, NULL, "\x81\x05"),
	H("RFC masked Hello", WS_OP_TEXT, 1, 5, rfc_mask, "\x81\x85\x37\xfa\x21\x3d"),
	H("RFC first fragment", WS_OP_TEXT, 0, 3, NULL, "\x01\x03"),
	H("RFC last fragment", WS_OP_CONT, 1, 2, NULL, "\x80\x02"),
	H("RFC ping", WS_OP_PING, 1, 5, NULL, "\x89\x05"),
	H("RFC masked pong", WS_OP_PONG, 1, 5, rfc_mask, "\x8a\x85\x37\xfa\x21\x3d"),
	H("RFC 256 bytes", WS_OP_BINARY, 1, 256, NULL, "\x82\x7e\x01\x00"),
	H("RFC 64 KiB", WS_OP_BINARY, 1, 65536, NULL, "\x82\x7f\0\0\0\0\0\x01\0\0"),
	H("empty", WS_OP_BINARY, 1, 0, NULL, "\x82\x00"),
	H("empty masked", WS_OP_BINARY, 1, 0, rfc_mask, "\x82\x80\x37\xfa\x21\x3d"),
	H("125: longest 7-bit", WS_OP_BINARY, 1, 125, NULL, "\x82\x7d"),
	H("126: shortest 16-bit", WS_OP_BINARY, 1, 126, NULL, "\x82\x7e\x00\x7e"),
	H("65535: longest 16-bit", WS_OP_BINARY, 1, 65535, NULL, "\x82\x7e\xff\xff"),
	H("65536 masked", WS_OP_BINARY, 1, 65536, rfc_mask,
	  "\x82\xff\0\0\0\0\0\x01\0\0\x37\xfa\x21\x3d"),
	H("2^63 - 1: longest", WS_OP_BINARY, 0, 0x7fffffffffffffffULL, NULL,
	  "\x02\x7f\x7f\xff\xff\xff\xff\xff\xff\xff"),
	H("125-byte ping", WS_OP_PING, 1, 125, NULL, "\x89\x7d"),
	H("empty close", WS_OP_CLOSE, 1, 0, NULL, "\x88\x00"),
};

Test(ws_frame, heads)
{
	for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
		const struct head_case *t = &heads[i];
		uint8_t out[WS_HEAD_MAX + 1];
		size_t n;

		memset(out, 0xee, sizeof(out));
		n = ws_frame_head(out, t->op, t->fin, t->len, t->mask);
		cr_assert_eq(n, t->want_len, "%s: %zu bytes, want %zu", t->name, n, t->want_len);
		cr_assert_arr_eq(out, t->want, n, "%s", t->name);
		cr_assert_eq(out[n], 0xee, "%s: wrote past the head", t->name);
	}
}

Test(ws_frame, refuses_invalid_frames)
{
	uint8_t out[WS_HEAD_MAX];

	cr_assert_eq(ws_frame_head(out, WS_OP_PING, 1, 126, NULL), 0, "control > 125");
	cr_assert_eq(ws_frame_head(out, WS_OP_CLOSE, 1, 1000, rfc_mask), 0, "control > 125");
	cr_assert_eq(ws_frame_head(out, WS_OP_PONG, 0, 0, NULL), 0, "fragmented control");
	cr_assert_eq(ws_frame_head(out, WS_OP_BINARY, 1, 1ULL << 63, NULL), 0, "len >= 2^63");
	cr_assert_eq(ws_frame_head(out, WS_OP_BINARY, 1, UINT64_MAX, NULL), 0, "len >= 2^63");
	for (unsigned op = 0; op < 16; op++) {
		int known = op <= 2 || (op >= 8 && op <= 10);

		cr_assert_eq(ws_frame_head(out, (enum ws_opcode)op, 1, 0, NULL) != 0, known,
			     "opcode %u", op);
	}
}

Test(ws_frame, mask_rfc_example)
{
	uint8_t p[] = "Hello";

	ws_mask_apply(p, 5, rfc_mask, 0);
	cr_assert_arr_eq(p, "\x7f\x9f\x4d\x51\x58", 5);
	ws_mask_apply(p, 5, rfc_mask, 0);
	cr_assert_arr_eq(p, "Hello", 5);
}

/* Masking in any two pieces, from any address alignment, equals masking
 * byte by byte: the eight-byte loop must line the key up with the offset. */
Test(ws_frame, mask_in_pieces)
{
	uint8_t buf[64], want[64];

	for (size_t start = 0; start < 8; start++) {
		for (size_t len = 0; len + start <= 48; len++) {
			for (size_t cut = 0; cut <= len; cut++) {
				uint64_t offset = 1000003 + start; /* any payload offset */
				uint8_t *p = buf + start;

				for (size_t i = 0; i < sizeof(buf); i++)
					buf[i] = want[i] = (uint8_t)(i * 37 + 11);
				for (size_t i = 0; i < len; i++)
					want[start + i] ^= rfc_mask[(offset + i) & 3];
				ws_mask_apply(p, cut, rfc_mask, offset);
				ws_mask_apply(p + cut, len - cut, rfc_mask, offset + cut);
				cr_assert_arr_eq(buf, want, sizeof(buf), "start %zu len %zu cut %zu",
						 start, len, cut);
			}
		}
	}
}

/* The codes RFC 6455 7.4 and the IANA registry leave valid in a close frame. */
static int code_valid_per_rfc(unsigned c)
{
	return !(c < 1000 || c == 1004 || c == 1005 || c == 1006 || (c >= 1015 && c <= 2999) ||
		 c >= 5000);
}

Test(ws_frame, close_codes)
{
	for (unsigned c = 0; c <= 65535; c++)
		cr_assert_eq(ws_close_code_ok(c), code_valid_per_rfc(c), "code %u", c);
}

Test(ws_frame, close_payloads)
{
	uint8_t out[WS_CONTROL_MAX];
	char reason[WS_CLOSE_REASON_MAX + 1];

	cr_assert_eq(ws_close_payload(out, WS_CLOSE_NORMAL, NULL, 0), 2);
	cr_assert_arr_eq(out, "\x03\xe8", 2);
	cr_assert_eq(ws_close_payload(out, WS_CLOSE_GOING_AWAY, "bye", 3), 5);
	cr_assert_arr_eq(out, "\x03\xe9" "bye", 5);
	cr_assert_eq(ws_close_payload(out, 4999, "\xc3\xa9", 2), 4);
	cr_assert_arr_eq(out, "\x13\x87\xc3\xa9", 4);
	cr_assert_eq(ws_close_payload(out, WS_CLOSE_NO_STATUS, NULL, 0), 0, "no code: empty");

	cr_assert_eq(ws_close_payload(out, WS_CLOSE_NO_STATUS, "x", 1), -EINVAL,
		     "a reason needs a code");
	cr_assert_eq(ws_close_payload(out, WS_CLOSE_ABNORMAL, NULL, 0), -EINVAL);
	cr_assert_eq(ws_close_payload(out, 1004, NULL, 0), -EINVAL);
	cr_assert_eq(ws_close_payload(out, 999, NULL, 0), -EINVAL);
	cr_assert_eq(ws_close_payload(out, 5000, NULL, 0), -EINVAL);
	cr_assert_eq(ws_close_payload(out, WS_CLOSE_NORMAL, "\xc3", 1), -EILSEQ, "cut UTF-8");
	cr_assert_eq(ws_close_payload(out, WS_CLOSE_NORMAL, "\xff", 1), -EILSEQ);

	memset(reason, 'r', sizeof(reason));
	cr_assert_eq(ws_close_payload(out, WS_CLOSE_NORMAL, reason, WS_CLOSE_REASON_MAX),
		     WS_CONTROL_MAX, "the longest reason fills a control frame");
	cr_assert_arr_eq(out + 2, reason, WS_CLOSE_REASON_MAX);
	cr_assert_eq(ws_close_payload(out, WS_CLOSE_NORMAL, reason, WS_CLOSE_REASON_MAX + 1),
		     -EMSGSIZE);
}
