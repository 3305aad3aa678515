/* UTF-8 validation as a state machine over the well-formed byte sequences of
 * Unicode's Table 3-7: overlongs, surrogates and code points past U+10FFFF
 * are exactly the sequences whose second byte falls outside a narrowed range. */
#include "ws/utf8.h"

#include <errno.h>
#include <string.h>

/* Between two bytes of a sequence, the state says what the next byte may be:
 * bits 0-7 its lowest value, bits 8-15 its highest, bits 16-17 how many
 * continuation bytes are still expected. WS_UTF8_ACCEPT (0) expects a lead
 * byte; WS_UTF8_REJECT (1) expects nothing, being outside that encoding. */
static uint32_t expect(uint32_t count, uint32_t lo, uint32_t hi)
{
	return count << 16 | hi << 8 | lo;
}

static uint32_t after_lead(uint8_t c)
{
	if (c < 0x80)
		return WS_UTF8_ACCEPT;
	if (c < 0xc2) /* a continuation byte, or C0/C1: overlong 2-byte forms */
		return WS_UTF8_REJECT;
	if (c < 0xe0)
		return expect(1, 0x80, 0xbf);
	if (c == 0xe0) /* E0 80..9F would encode below U+0800: overlong */
		return expect(2, 0xa0, 0xbf);
	if (c == 0xed) /* ED A0..BF would encode U+D800..DFFF: surrogates */
		return expect(2, 0x80, 0x9f);
	if (c < 0xf0)
		return expect(2, 0x80, 0xbf);
	if (c == 0xf0) /* F0 80..8F would encode below U+10000: overlong */
		return expect(3, 0x90, 0xbf);
	if (c < 0xf4)
		return expect(3, 0x80, 0xbf);
	if (c == 0xf4) /* F4 90..BF would encode past U+10FFFF */
		return expect(3, 0x80, 0x8f);
	return WS_UTF8_REJECT; /* F5..FF: past U+10FFFF, or never UTF-8 */
}

static uint32_t step(uint32_t s, uint8_t c)
{
	uint32_t count = s >> 16;

	if (s == WS_UTF8_ACCEPT)
		return after_lead(c);
	if (c < (s & 0xff) || c > (s >> 8 & 0xff))
		return WS_UTF8_REJECT;
	return count > 1 ? expect(count - 1, 0x80, 0xbf) : WS_UTF8_ACCEPT;
}

#define HIGH_BITS 0x8080808080808080ULL

int ws_utf8_feed(uint32_t *state, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t s = *state;
	size_t i = 0;

	while (i < len && s != WS_UTF8_REJECT) {
		if (s == WS_UTF8_ACCEPT) {
			/* Text is mostly ASCII: skip it eight bytes at a time. */
			uint64_t w;
			while (len - i >= 8) {
				memcpy(&w, p + i, sizeof(w));
				if (w & HIGH_BITS)
					break;
				i += 8;
			}
			if (i == len)
				break;
		}
		s = step(s, p[i++]);
	}
	*state = s;
	return s == WS_UTF8_REJECT ? -EILSEQ : 0;
}
