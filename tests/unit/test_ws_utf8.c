/* UTF-8 validation: the classic edge cases, every way of splitting them, and
 * an exhaustive comparison with a decoder written from the definition. */
#include "ws/utf8.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

enum verdict { VALID, PREFIX, INVALID }; /* PREFIX: valid so far, cut short */

static const char *const verdict_names[] = { "valid", "prefix", "invalid" };

static enum verdict verdict_of(uint32_t state, int rc)
{
	if (rc == -EILSEQ) {
		cr_assert_eq(state, WS_UTF8_REJECT);
		return INVALID;
	}
	cr_assert_eq(rc, 0);
	return ws_utf8_complete(state) ? VALID : PREFIX;
}

static enum verdict check_whole(const void *s, size_t n)
{
	uint32_t state = WS_UTF8_ACCEPT;
	int rc = ws_utf8_feed(&state, s, n);

	return verdict_of(state, rc);
}

/* Feeds s in two chunks cut at `cut`, each copied to its own allocation so
 * that ASan sees a read past either end. */
static enum verdict check_split(const char *s, size_t n, size_t cut)
{
	uint32_t state = WS_UTF8_ACCEPT;
	char *a = malloc(cut + 1), *b = malloc(n - cut + 1);
	int rc;

	cr_assert(a && b);
	memcpy(a, s, cut);
	memcpy(b, s + cut, n - cut);
	rc = ws_utf8_feed(&state, a, cut);
	if (rc == 0)
		rc = ws_utf8_feed(&state, b, n - cut);
	free(a);
	free(b);
	return verdict_of(state, rc);
}

static enum verdict check_bytewise(const char *s, size_t n)
{
	uint32_t state = WS_UTF8_ACCEPT;
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++)
		rc = ws_utf8_feed(&state, s + i, 1);
	return verdict_of(state, rc);
}

struct sample {
	const char *name;
	const char *s;
	size_t n;
	enum verdict want;
};

#define S(name, lit, want) { name, lit, sizeof(lit) - 1, want }

static const struct sample samples[] = {
	S("empty", "", VALID),
	S("ascii", "Hello, world", VALID),
	S("NUL is a character", "a\0b", VALID),
	S("U+007F", "\x7f", VALID),
	S("U+0080, first 2-byte", "\xc2\x80", VALID),
	S("U+07FF, last 2-byte", "\xdf\xbf", VALID),
	S("U+0800, first 3-byte", "\xe0\xa0\x80", VALID),
	S("U+D7FF, below surrogates", "\xed\x9f\xbf", VALID),
	S("U+E000, above surrogates", "\xee\x80\x80", VALID),
	S("U+FEFF, BOM", "\xef\xbb\xbf", VALID),
	S("U+FFFE, noncharacter", "\xef\xbf\xbe", VALID),
	S("U+FFFF, last 3-byte", "\xef\xbf\xbf", VALID),
	S("U+10000, first 4-byte", "\xf0\x90\x80\x80", VALID),
	S("U+10FFFF, max code point", "\xf4\x8f\xbf\xbf", VALID),
	S("Greek kosme", "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5", VALID),
	S("mixed widths", "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z", VALID),

	S("lone continuation 80", "\x80", INVALID),
	S("lone continuation BF", "\xbf", INVALID),
	S("continuation after ASCII", "ab\x80", INVALID),
	S("overlong 2-byte C0 80 (NUL)", "\xc0\x80", INVALID),
	S("overlong 2-byte C1 BF", "\xc1\xbf", INVALID),
	S("overlong 3-byte E0 80 80", "\xe0\x80\x80", INVALID),
	S("overlong 3-byte E0 9F BF", "\xe0\x9f\xbf", INVALID),
	S("overlong 4-byte F0 80 80 80", "\xf0\x80\x80\x80", INVALID),
	S("overlong 4-byte F0 8F BF BF", "\xf0\x8f\xbf\xbf", INVALID),
	S("overlong '/' in 3 bytes", "\xe0\x80\xaf", INVALID),
	S("U+D800, first surrogate", "\xed\xa0\x80", INVALID),
	S("U+DBFF, last high surrogate", "\xed\xaf\xbf", INVALID),
	S("U+DC00, first low surrogate", "\xed\xb0\x80", INVALID),
	S("U+DFFF, last surrogate", "\xed\xbf\xbf", INVALID),
	S("surrogate pair (CESU-8)", "\xed\xa0\xbd\xed\xb8\x80", INVALID),
	S("U+110000, past max", "\xf4\x90\x80\x80", INVALID),
	S("F5 lead", "\xf5\x80\x80\x80", INVALID),
	S("F7 BF BF BF (U+1FFFFF)", "\xf7\xbf\xbf\xbf", INVALID),
	S("old 5-byte form", "\xf8\x88\x80\x80\x80", INVALID),
	S("old 6-byte form", "\xfc\x84\x80\x80\x80\x80", INVALID),
	S("FE", "\xfe", INVALID),
	S("FF", "\xff", INVALID),
	S("2-byte cut by ASCII", "\xc3" "A", INVALID),
	S("3-byte cut by ASCII", "\xe2\x82" "A", INVALID),
	S("4-byte cut by a lead", "\xf0\x9f\x98\xc3\xa9", INVALID),
	S("too many continuations", "\xc3\xa9\xa9", INVALID),

	S("truncated 2-byte", "\xc3", PREFIX),
	S("truncated 3-byte after 1", "\xe2", PREFIX),
	S("truncated 3-byte after 2", "\xe2\x82", PREFIX),
	S("truncated 4-byte after 3", "\xf0\x9f\x98", PREFIX),
	S("truncated U+10FFFF", "\xf4\x8f\xbf", PREFIX),
	S("ascii then truncated", "Hello \xf0\x9f", PREFIX),
};

Test(ws_utf8, samples_whole_split_and_bytewise)
{
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		const struct sample *t = &samples[i];
		enum verdict v = check_whole(t->s, t->n);

		cr_assert_eq(v, t->want, "%s: %s, want %s", t->name, verdict_names[v],
			     verdict_names[t->want]);
		for (size_t cut = 0; cut <= t->n; cut++)
			cr_assert_eq(check_split(t->s, t->n, cut), t->want, "%s, cut at %zu",
				     t->name, cut);
		cr_assert_eq(check_bytewise(t->s, t->n), t->want, "%s, byte by byte", t->name);
	}
}

/* Inside a multi-byte sequence the state is never complete; after it, it is. */
Test(ws_utf8, every_prefix_of_a_sequence_is_incomplete)
{
	static const char *const seqs[] = { "\xc2\x80", "\xdf\xbf", "\xe0\xa0\x80",
					    "\xef\xbf\xbf", "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf" };

	for (size_t i = 0; i < sizeof(seqs) / sizeof(seqs[0]); i++) {
		size_t n = strlen(seqs[i]);
		uint32_t state = WS_UTF8_ACCEPT;

		for (size_t k = 0; k < n; k++) {
			cr_assert_eq(ws_utf8_feed(&state, seqs[i] + k, 1), 0);
			cr_assert_eq(ws_utf8_complete(state), k == n - 1, "seq %zu after %zu bytes",
				     i, k + 1);
		}
	}
}

Test(ws_utf8, reject_is_sticky)
{
	uint32_t state = WS_UTF8_ACCEPT;

	cr_assert_eq(ws_utf8_feed(&state, "\xff", 1), -EILSEQ);
	cr_assert_eq(ws_utf8_feed(&state, "abc", 3), -EILSEQ);
	cr_assert_eq(ws_utf8_feed(&state, NULL, 0), -EILSEQ);
	cr_assert_not(ws_utf8_complete(state));
}

Test(ws_utf8, empty_feed_keeps_state)
{
	uint32_t state = WS_UTF8_ACCEPT;

	cr_assert_eq(ws_utf8_feed(&state, "\xe2", 1), 0);
	cr_assert_eq(ws_utf8_feed(&state, NULL, 0), 0);
	cr_assert_eq(ws_utf8_feed(&state, "\x82\xac", 2), 0);
	cr_assert(ws_utf8_complete(state));
}

/* The eight-byte ASCII skip must see a bad byte, or the start of a sequence,
 * at any position and alignment. */
Test(ws_utf8, ascii_fast_path_boundaries)
{
	char buf[72];

	for (size_t start = 0; start < 8; start++) {
		for (size_t at = start; at < sizeof(buf); at++) {
			size_t n = sizeof(buf) - start;

			memset(buf, 'a', sizeof(buf));
			buf[at] = (char)0xff;
			cr_assert_eq(check_whole(buf + start, n), INVALID, "start %zu, 0xff at %zu",
				     start, at);
			buf[at] = (char)0xe2;
			cr_assert_eq(check_whole(buf + start, n),
				     at + 1 < sizeof(buf) ? INVALID : PREFIX, "start %zu, E2 at %zu",
				     start, at);
			if (at + 2 < sizeof(buf)) {
				buf[at + 1] = (char)0x82;
				buf[at + 2] = (char)0xac;
				cr_assert_eq(check_whole(buf + start, n), VALID, "start %zu, euro at %zu",
					     start, at);
			}
		}
	}
}

/* --- an independent definition ------------------------------------------- */

/* UTF-8 straight from RFC 3629: decode by bit patterns, then require the
 * shortest form, no surrogate, nothing past U+10FFFF. A cut-off sequence is
 * PREFIX when some continuation would make it a valid code point. */
static enum verdict reference(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = s[i++];
		uint32_t cp, min, lo, hi;
		unsigned more, bits;

		if (c < 0x80)
			continue;
		if ((c & 0xe0) == 0xc0)
			more = 1, cp = c & 0x1f, min = 0x80;
		else if ((c & 0xf0) == 0xe0)
			more = 2, cp = c & 0x0f, min = 0x800;
		else if ((c & 0xf8) == 0xf0)
			more = 3, cp = c & 0x07, min = 0x10000;
		else
			return INVALID;
		while (more && i < n) {
			if ((s[i] & 0xc0) != 0x80)
				return INVALID;
			cp = cp << 6 | (s[i++] & 0x3f);
			more--;
		}
		/* the code points this sequence can still become */
		bits = 6 * more;
		lo = cp << bits;
		hi = lo | ((1u << bits) - 1);
		if (lo < min)
			lo = min;
		if (hi > 0x10ffff)
			hi = 0x10ffff;
		if (lo > hi || (lo >= 0xd800 && hi <= 0xdfff))
			return INVALID;
		if (more)
			return PREFIX;
	}
	return VALID;
}

static size_t encode(uint32_t cp, uint8_t *out) /* any value below 2^21, surrogates too */
{
	if (cp < 0x80) {
		out[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (uint8_t)(0xc0 | cp >> 6);
		out[1] = (uint8_t)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (uint8_t)(0xe0 | cp >> 12);
		out[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (uint8_t)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (uint8_t)(0xf0 | cp >> 18);
	out[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (uint8_t)(0x80 | (cp & 0x3f));
	return 4;
}

Test(ws_utf8, every_code_point)
{
	for (uint32_t cp = 0; cp < 0x200000; cp++) {
		uint8_t b[4];
		size_t n = encode(cp, b);
		enum verdict want = (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff ? INVALID : VALID;

		cr_assert_eq(check_whole(b, n), want, "U+%04X", cp);
	}
}

Test(ws_utf8, all_strings_up_to_three_bytes_match_reference)
{
	uint8_t b[3];

	for (size_t n = 1; n <= 3; n++)
		for (uint32_t v = 0; v < 1u << (8 * n); v++) {
			enum verdict got, want;

			for (size_t k = 0; k < n; k++)
				b[k] = (uint8_t)(v >> (8 * (n - 1 - k)));
			got = check_whole(b, n);
			want = reference(b, n);
			if (got != want)
				cr_assert_fail("%zu bytes from %02x: %s, reference %s", n, b[0],
					 verdict_names[got], verdict_names[want]);
		}
}

Test(ws_utf8, four_byte_leads_match_reference)
{
	static const uint8_t lasts[] = { 0x00, 0x7f, 0x80, 0xbf, 0xc0, 0xff };
	uint8_t b[4];

	for (uint32_t lead = 0xf0; lead <= 0xff; lead++)
		for (uint32_t mid = 0; mid < 65536; mid++)
			for (size_t k = 0; k < sizeof(lasts); k++) {
				enum verdict got, want;

				b[0] = (uint8_t)lead, b[1] = (uint8_t)(mid >> 8), b[2] = (uint8_t)mid;
				b[3] = lasts[k];
				got = check_whole(b, 4);
				want = reference(b, 4);
				if (got != want)
					cr_assert_fail("%02x %02x %02x %02x: %s, reference %s", b[0], b[1],
						 b[2], b[3], verdict_names[got], verdict_names[want]);
			}
}
