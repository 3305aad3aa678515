/* Frame decoding: the RFC 6455 5.7 examples, every protocol error and its
 * close code, encode → decode round trips. Each input is fed whole, a byte at
 * a time and in random splits, and all of them must read the same. */
#include "ws/decode.h"
#include "ws/frame.h"

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define M "\0\0\0\0" /* a zero masking key: masked frames that stay readable */
#define NO_LIMIT UINT64_MAX
#define RANDOM_SPLITS 64

/* --- what the decoder reports, as text ----------------------------------- */

/* One line per event; consecutive WS_DATA are merged, since how the payload
 * is cut depends on the split. The feed ends with "idle" or "not idle". */
struct transcript {
	char text[4096];
	size_t text_len;
	uint8_t *bytes; /* every WS_DATA byte, in order */
	size_t nbytes, cap;
	size_t run;     /* the trailing bytes of a WS_DATA run not printed yet */
	char control[WS_CONTROL_MAX];
	size_t control_len;
	uint16_t error;
	size_t error_fed; /* input given to the decoder when it failed */
};

static void say(struct transcript *t, const char *fmt, ...)
{
	size_t room = sizeof(t->text) - t->text_len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(t->text + t->text_len, room, fmt, ap);
	va_end(ap);
	cr_assert(n >= 0 && (size_t)n < room, "transcript too long");
	t->text_len += (size_t)n;
}

static void say_bytes(struct transcript *t, const void *data, size_t n)
{
	const uint8_t *p = data;

	if (n > 40) {
		say(t, "%zu bytes", n);
		return;
	}
	say(t, "\"");
	for (size_t i = 0; i < n; i++)
		say(t, p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\' ? "%c" : "\\x%02x",
		    p[i]);
	say(t, "\"");
}

static void flush_data(struct transcript *t)
{
	if (!t->run)
		return;
	say(t, "data ");
	say_bytes(t, t->bytes + t->nbytes - t->run, t->run);
	say(t, "\n");
	t->run = 0;
}

static void keep_bytes(struct transcript *t, const char *p, size_t n)
{
	if (t->nbytes + n > t->cap) {
		t->cap = (t->nbytes + n) * 2;
		t->bytes = realloc(t->bytes, t->cap);
		cr_assert(t->bytes);
	}
	memcpy(t->bytes + t->nbytes, p, n);
	t->nbytes += n;
	t->run += n;
}

static void record(struct transcript *t, enum ws_event e, const struct ws_event_info *ev)
{
	static const char *const controls[] = { [WS_OP_CLOSE] = "close", [WS_OP_PING] = "ping",
						[WS_OP_PONG] = "pong" };

	if (e != WS_DATA && e != WS_NEED_MORE)
		flush_data(t);
	switch (e) {
	case WS_NEED_MORE:
		break;
	case WS_DATA_START:
		say(t, "start op=%u fin=%u len=%llu\n", ev->opcode, ev->fin,
		    (unsigned long long)ev->len);
		break;
	case WS_DATA:
		keep_bytes(t, ev->data, ev->len);
		break;
	case WS_DATA_END:
		say(t, "end fin=%u\n", ev->fin);
		break;
	case WS_CONTROL:
		cr_assert(ev->opcode == WS_OP_CLOSE || ev->opcode == WS_OP_PING ||
			  ev->opcode == WS_OP_PONG);
		cr_assert_leq(ev->len, WS_CONTROL_MAX);
		memcpy(t->control, ev->data, ev->len);
		t->control_len = ev->len;
		say(t, "%s ", controls[ev->opcode]);
		if (ev->opcode == WS_OP_CLOSE) {
			say(t, "%u ", ev->code);
			say_bytes(t, ev->data + (ev->len ? 2 : 0), ev->len ? ev->len - 2 : 0);
		} else {
			say_bytes(t, ev->data, ev->len);
		}
		say(t, "\n");
		break;
	case WS_ERROR:
		say(t, "error %u\n", ev->code);
		t->error = ev->code;
		break;
	}
}

/* --- feeding ------------------------------------------------------------- */

enum split_kind { WHOLE, BYTES, RANDOM };

struct split {
	enum split_kind kind;
	unsigned seed;
};

static size_t next_chunk(struct split *s, size_t left)
{
	unsigned r;
	size_t n;

	switch (s->kind) {
	case WHOLE:
		return left;
	case BYTES:
		return 1;
	default:
		r = (unsigned)rand_r(&s->seed);
		n = r % 4 ? 1 + r / 4 % 8 : 1 + r / 4 % 600; /* mostly tiny, some large */
		return n < left ? n : left;
	}
}

/* Feeds wire in chunks, each copied to its own allocation (ASan sees any
 * read past it), calling ws_decode until it needs more. */
static void feed(struct ws_decoder *d, const void *wire, size_t n, struct split *s,
		 struct transcript *t)
{
	size_t fed = 0;

	while (fed < n && !t->error) {
		size_t k = next_chunk(s, n - fed), off = 0;
		char *buf = malloc(k);
		int stalled = 0; /* events in a row that consumed nothing */

		cr_assert(buf);
		memcpy(buf, (const char *)wire + fed, k);
		fed += k;
		for (;;) {
			struct ws_event_info ev;
			size_t used;
			enum ws_event e = ws_decode(d, buf + off, k - off, &used, &ev);

			cr_assert_leq(used, k - off);
			/* only WS_DATA_END consumes nothing, and a frame head follows it */
			stalled = used || e == WS_NEED_MORE ? 0 : stalled + 1;
			cr_assert_leq(stalled, 1, "no progress: event %d", e);
			if (e == WS_DATA)
				cr_assert(ev.len > 0 && ev.len == used && ev.data == buf + off,
					  "WS_DATA is exactly the bytes it consumed");
			off += used;
			record(t, e, &ev);
			if (e == WS_NEED_MORE) {
				cr_assert_eq(off, k, "WS_NEED_MORE consumes everything");
				break;
			}
			if (e == WS_ERROR) {
				cr_assert_eq(ws_decode(d, buf + off, k - off, &used, &ev), WS_ERROR);
				cr_assert(used == 0 && ev.code == t->error, "errors are final");
				cr_assert_not(ws_decoder_idle(d));
				t->error_fed = fed;
				break;
			}
		}
		free(buf);
	}
	flush_data(t);
	if (!t->error)
		say(t, ws_decoder_idle(d) ? "idle\n" : "not idle\n");
}

static void decode(enum ws_role role, uint64_t max, const void *wire, size_t n, struct split s,
		   struct transcript *t)
{
	struct ws_decoder d;

	memset(t, 0, sizeof(*t));
	ws_decoder_init(&d, role, max);
	feed(&d, wire, n, &s, t);
}

/* Whole, byte by byte and in random splits: each must give want and, when
 * payload is not NULL, exactly those WS_DATA bytes. */
static void check_splits(const char *name, enum ws_role role, uint64_t max, const void *wire,
			 size_t n, const char *want, const void *payload, size_t payload_len)
{
	for (unsigned i = 0; i < 2 + RANDOM_SPLITS; i++) {
		struct split s = { i == 0 ? WHOLE : i == 1 ? BYTES : RANDOM, i };
		struct transcript t;

		decode(role, max, wire, n, s, &t);
		cr_assert_str_eq(t.text, want, "%s (split %u)", name, i);
		if (payload) {
			cr_assert_eq(t.nbytes, payload_len, "%s (split %u)", name, i);
			if (payload_len) /* t.bytes is NULL otherwise */
				cr_assert_arr_eq(t.bytes, payload, payload_len, "%s (split %u)",
						 name, i);
		}
		free(t.bytes);
	}
}

/* Every split must fail with code, and byte by byte it must fail on byte
 * number `at`: as soon as the input shows the error, not later. */
static void check_error(const char *name, enum ws_role role, uint64_t max, const void *wire,
			size_t n, uint16_t code, size_t at)
{
	for (unsigned i = 0; i < 2 + RANDOM_SPLITS; i++) {
		struct split s = { i == 0 ? WHOLE : i == 1 ? BYTES : RANDOM, i };
		struct transcript t;

		decode(role, max, wire, n, s, &t);
		cr_assert_eq(t.error, code, "%s (split %u): error %u, want %u; read:\n%s", name, i,
			     t.error, code, t.text);
		if (s.kind == BYTES)
			cr_assert_eq(t.error_fed, at, "%s: failed at byte %zu, want %zu", name,
				     t.error_fed, at);
		free(t.bytes);
	}
}

/* --- examples ------------------------------------------------------------ */

struct example {
	const char *name;
	enum ws_role role;
	uint64_t max;
	const char *wire;
	size_t len;
	const char *want;
};

#define E(name, role, max, wire, want) { name, role, max, wire, sizeof(wire) - 1, want }
#define SERVER WS_ROLE_SERVER
#define CLIENT WS_ROLE_CLIENT

static const struct example examples[] = {
	/* RFC 6455 5.7 */
	E("RFC: unmasked text", CLIENT, NO_LIMIT, "\x81\x05\x48\x65\x6c\x6c\x6f",
	  "start op=1 fin=1 len=5\ndata \"Hello\"\nend fin=1\nidle\n"),
	E("RFC: masked text", SERVER, NO_LIMIT,
	  "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58",
	  "start op=1 fin=1 len=5\ndata \"Hello\"\nend fin=1\nidle\n"),
	E("RFC: fragmented text", CLIENT, NO_LIMIT, "\x01\x03\x48\x65\x6c" "\x80\x02\x6c\x6f",
	  "start op=1 fin=0 len=3\ndata \"Hel\"\nend fin=0\n"
	  "start op=0 fin=1 len=2\ndata \"lo\"\nend fin=1\nidle\n"),
	E("RFC: unmasked ping", CLIENT, NO_LIMIT, "\x89\x05\x48\x65\x6c\x6c\x6f",
	  "ping \"Hello\"\nidle\n"),
	E("RFC: masked pong", SERVER, NO_LIMIT, "\x8a\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58",
	  "pong \"Hello\"\nidle\n"),

	E("empty text", SERVER, NO_LIMIT, "\x81\x80" M,
	  "start op=1 fin=1 len=0\nend fin=1\nidle\n"),
	E("empty ping", SERVER, NO_LIMIT, "\x89\x80" M, "ping \"\"\nidle\n"),
	E("close without a code", SERVER, NO_LIMIT, "\x88\x80" M, "close 1005 \"\"\nidle\n"),
	E("close with a code", CLIENT, NO_LIMIT, "\x88\x02\x03\xe8", "close 1000 \"\"\nidle\n"),
	E("close with a reason", SERVER, NO_LIMIT, "\x88\x87" M "\x03\xe9" "bye\xc3\xa9",
	  "close 1001 \"bye\\xc3\\xa9\"\nidle\n"),
	E("controls inside a fragmented message", SERVER, NO_LIMIT,
	  "\x01\x83" M "Hel" "\x89\x81" M "x" "\x8a\x80" M "\x80\x82" M "lo",
	  "start op=1 fin=0 len=3\ndata \"Hel\"\nend fin=0\nping \"x\"\npong \"\"\n"
	  "start op=0 fin=1 len=2\ndata \"lo\"\nend fin=1\nidle\n"),
	E("close inside a fragmented message", SERVER, NO_LIMIT,
	  "\x01\x83" M "Hel" "\x88\x82" M "\x03\xe8",
	  "start op=1 fin=0 len=3\ndata \"Hel\"\nend fin=0\nclose 1000 \"\"\nnot idle\n"),
	E("a character split over three fragments", SERVER, NO_LIMIT,
	  "\x01\x81" M "\xe2" "\x00\x81" M "\x82" "\x80\x81" M "\xac",
	  "start op=1 fin=0 len=1\ndata \"\\xe2\"\nend fin=0\n"
	  "start op=0 fin=0 len=1\ndata \"\\x82\"\nend fin=0\n"
	  "start op=0 fin=1 len=1\ndata \"\\xac\"\nend fin=1\nidle\n"),
	E("binary need not be UTF-8", SERVER, NO_LIMIT, "\x82\x82" M "\xc0\x80",
	  "start op=2 fin=1 len=2\ndata \"\\xc0\\x80\"\nend fin=1\nidle\n"),
	E("text is checked after unmasking", SERVER, NO_LIMIT,
	  "\x81\x85\x80\x80\x80\x80\xc8\xe5\xec\xec\xef",
	  "start op=1 fin=1 len=5\ndata \"Hello\"\nend fin=1\nidle\n"),
	E("messages back to back", SERVER, NO_LIMIT, "\x81\x81" M "a" "\x82\x81" M "b",
	  "start op=1 fin=1 len=1\ndata \"a\"\nend fin=1\n"
	  "start op=2 fin=1 len=1\ndata \"b\"\nend fin=1\nidle\n"),
	E("empty middle fragment", SERVER, NO_LIMIT,
	  "\x02\x81" M "a" "\x00\x80" M "\x80\x81" M "b",
	  "start op=2 fin=0 len=1\ndata \"a\"\nend fin=0\n"
	  "start op=0 fin=0 len=0\nend fin=0\n"
	  "start op=0 fin=1 len=1\ndata \"b\"\nend fin=1\nidle\n"),
	E("empty final fragment", SERVER, NO_LIMIT, "\x01\x81" M "a" "\x80\x80" M,
	  "start op=1 fin=0 len=1\ndata \"a\"\nend fin=0\n"
	  "start op=0 fin=1 len=0\nend fin=1\nidle\n"),
	E("a frame head, then nothing", SERVER, NO_LIMIT, "\x82\x85" M "ab",
	  "start op=2 fin=1 len=5\ndata \"ab\"\nnot idle\n"),
	E("the longest length", SERVER, NO_LIMIT, "\x82\xff\x7f\xff\xff\xff\xff\xff\xff\xff" M,
	  "start op=2 fin=1 len=9223372036854775807\nnot idle\n"),

	/* message size limit: 10 */
	E("a frame of exactly the limit", SERVER, 10, "\x82\x8a" M "0123456789",
	  "start op=2 fin=1 len=10\ndata \"0123456789\"\nend fin=1\nidle\n"),
	E("fragments adding up to the limit", SERVER, 10,
	  "\x01\x85" M "01234" "\x80\x85" M "56789",
	  "start op=1 fin=0 len=5\ndata \"01234\"\nend fin=0\n"
	  "start op=0 fin=1 len=5\ndata \"56789\"\nend fin=1\nidle\n"),
	E("the limit is per message", SERVER, 10,
	  "\x82\x8a" M "0123456789" "\x82\x8a" M "abcdefghij",
	  "start op=2 fin=1 len=10\ndata \"0123456789\"\nend fin=1\n"
	  "start op=2 fin=1 len=10\ndata \"abcdefghij\"\nend fin=1\nidle\n"),
	E("control frames do not count", SERVER, 10,
	  "\x01\x85" M "01234" "\x89\x8b" M "ping ping !" "\x80\x85" M "56789",
	  "start op=1 fin=0 len=5\ndata \"01234\"\nend fin=0\nping \"ping ping !\"\n"
	  "start op=0 fin=1 len=5\ndata \"56789\"\nend fin=1\nidle\n"),
	E("a limit of 0 allows empty messages", SERVER, 0, "\x82\x80" M "\x89\x81" M "p",
	  "start op=2 fin=1 len=0\nend fin=1\nping \"p\"\nidle\n"),
};

Test(ws_decode, examples)
{
	for (size_t i = 0; i < sizeof(examples) / sizeof(examples[0]); i++) {
		const struct example *x = &examples[i];

		check_splits(x->name, x->role, x->max, x->wire, x->len, x->want, NULL, 0);
	}
}

static void check_binary(size_t n, const char *head, size_t head_len)
{
	size_t wire_len = head_len + n;
	uint8_t *wire = malloc(wire_len);
	char want[128];

	cr_assert(wire);
	memcpy(wire, head, head_len);
	for (size_t i = 0; i < n; i++)
		wire[head_len + i] = (uint8_t)(i * 7 + i / 256);
	snprintf(want, sizeof(want), "start op=2 fin=1 len=%zu\ndata %zu bytes\nend fin=1\nidle\n",
		 n, n);
	check_splits("binary", CLIENT, NO_LIMIT, wire, wire_len, want, wire + head_len, n);
	free(wire);
}

Test(ws_decode, rfc_256_bytes)
{
	check_binary(256, "\x82\x7e\x01\x00", 4);
}

Test(ws_decode, rfc_64_kib)
{
	check_binary(65536, "\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 10);
}

/* --- errors -------------------------------------------------------------- */

struct error_case {
	const char *name;
	enum ws_role role;
	uint64_t max;
	const char *wire;
	size_t len;
	uint16_t code;
	size_t at; /* the byte, counting from 1, that shows the error */
};

#define X(name, role, max, wire, code, at) { name, role, max, wire, sizeof(wire) - 1, code, at }
#define P WS_CLOSE_PROTOCOL
#define U WS_CLOSE_INVALID_DATA
#define B WS_CLOSE_TOO_BIG

static const struct error_case errors[] = {
	X("unmasked client frame", SERVER, NO_LIMIT, "\x81\x05Hello", P, 2),
	X("masked server frame", CLIENT, NO_LIMIT, "\x81\x85" M "Hello", P, 2),
	X("RSV1", SERVER, NO_LIMIT, "\xc2\x80" M, P, 1),
	X("RSV2", SERVER, NO_LIMIT, "\xa2\x80" M, P, 1),
	X("RSV3", SERVER, NO_LIMIT, "\x92\x80" M, P, 1),
	X("RSV1 on a ping", CLIENT, NO_LIMIT, "\xc9\x00", P, 1),
	X("ping of 126 bytes", SERVER, NO_LIMIT, "\x89\xfe\x00\x7e" M, P, 2),
	X("close with a 64-bit length", CLIENT, NO_LIMIT, "\x88\x7f\0\0\0\0\0\0\0\x02", P, 2),
	X("fragmented ping", SERVER, NO_LIMIT, "\x09\x80" M, P, 1),
	X("fragmented pong", SERVER, NO_LIMIT, "\x0a\x80" M, P, 1),
	X("fragmented close", CLIENT, NO_LIMIT, "\x08\x00", P, 1),
	X("continuation with no message", SERVER, NO_LIMIT, "\x80\x80" M, P, 1),
	X("non-final continuation with no message", SERVER, NO_LIMIT, "\x00\x80" M, P, 1),
	X("continuation after a final frame", SERVER, NO_LIMIT, "\x81\x81" M "a" "\x80\x81" M "b",
	  P, 8),
	X("text inside a fragmented message", SERVER, NO_LIMIT,
	  "\x01\x81" M "a" "\x81\x81" M "b", P, 8),
	X("binary inside a fragmented text", SERVER, NO_LIMIT, "\x01\x81" M "a" "\x82\x80" M, P,
	  8),
	X("64-bit length with the top bit set", SERVER, NO_LIMIT,
	  "\x82\xff\x80\0\0\0\0\0\0\0" M, P, 10),
	X("16-bit length for 125", SERVER, NO_LIMIT, "\x82\xfe\x00\x7d" M, P, 4),
	X("16-bit length for 0", CLIENT, NO_LIMIT, "\x82\x7e\x00\x00", P, 4),
	X("64-bit length for 65535", SERVER, NO_LIMIT, "\x82\xff\0\0\0\0\0\0\xff\xff" M, P, 10),
	X("64-bit length for 5", CLIENT, NO_LIMIT, "\x81\x7f\0\0\0\0\0\0\0\x05Hello", P, 10),
	X("close with 1 byte", SERVER, NO_LIMIT, "\x88\x81" M "\x03", P, 7),
	/* the ping leaves 03 E8 (1000) where a careless read finds a second byte */
	X("close with 1 byte after a ping", SERVER, NO_LIMIT,
	  "\x89\x82" M "\x03\xe8" "\x88\x81" M "\x03", P, 15),

	X("overlong text", SERVER, NO_LIMIT, "\x81\x82" M "\xc0\x80", U, 7),
	X("invalid once unmasked", SERVER, NO_LIMIT, "\x81\x82\x80\x80\x80\x80\x40\x00", U, 7),
	X("surrogate in text", SERVER, NO_LIMIT, "\x81\x83" M "\xed\xa0\x80", U, 8),
	X("invalid text late in a frame", CLIENT, NO_LIMIT, "\x81\x06Hello\xff", U, 8),
	X("invalid across fragments", SERVER, NO_LIMIT, "\x01\x82" M "a\xe2" "\x80\x82" M "\x28\xa1",
	  U, 15),
	X("invalid after a ping", SERVER, NO_LIMIT,
	  "\x01\x81" M "\xe2" "\x89\x80" M "\x80\x81" M "A", U, 20),
	X("text ending inside a character", SERVER, NO_LIMIT, "\x81\x85" M "Hel\xe2\x82", U, 11),
	X("fragmented text ending inside a character", SERVER, NO_LIMIT,
	  "\x01\x82" M "a\xf0" "\x80\x82" M "\x9f\x98", U, 16),
	X("close reason not UTF-8", SERVER, NO_LIMIT, "\x88\x83" M "\x03\xe8\xff", U, 9),
	X("close reason cut short", CLIENT, NO_LIMIT, "\x88\x04\x03\xe8" "a\xc3", U, 6),

	X("frame over the limit, from its head", SERVER, 10, "\x82\x8b", B, 2),
	X("text over the limit", CLIENT, 10, "\x81\x0b", B, 2),
	X("64-bit length over the limit", SERVER, 10, "\x82\xff\0\0\0\0\0\x01\0\0", B, 10),
	X("fragments over the limit", SERVER, 10, "\x02\x85" M "01234" "\x00\x86" M "567890", B,
	  13),
	X("over a limit of 0", SERVER, 0, "\x82\x81", B, 2),
	/* a protocol error in the head wins over the size */
	X("unmasked and over the limit", SERVER, 10, "\x82\x0b", P, 2),
};

Test(ws_decode, errors)
{
	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
		const struct error_case *x = &errors[i];

		check_error(x->name, x->role, x->max, x->wire, x->len, x->code, x->at);
	}
}

Test(ws_decode, reserved_opcodes)
{
	static const uint8_t reserved[] = { 3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf };

	for (size_t i = 0; i < sizeof(reserved); i++) {
		char wire[] = "\x80\x80" M;
		char name[32];

		wire[0] = (char)(0x80 | reserved[i]);
		snprintf(name, sizeof(name), "opcode %#x", reserved[i]);
		check_error(name, SERVER, NO_LIMIT, wire, sizeof(wire) - 1, P, 1);
	}
}

Test(ws_decode, close_codes)
{
	static const unsigned valid[] = { 1000, 1001, 1002, 1003, 1007, 1008, 1009,
					  1010, 1011, 1012, 1013, 1014, 3000, 4999 };
	static const unsigned invalid[] = { 0,    999,  1004, 1005, 1006, 1015, 1016,
					    1100, 2000, 2999, 5000, 65535 };

	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		char wire[] = "\x88\x82" M "..", want[64], name[32];

		wire[6] = (char)(valid[i] >> 8);
		wire[7] = (char)valid[i];
		snprintf(want, sizeof(want), "close %u \"\"\nidle\n", valid[i]);
		snprintf(name, sizeof(name), "code %u", valid[i]);
		check_splits(name, SERVER, NO_LIMIT, wire, sizeof(wire) - 1, want, NULL, 0);
	}
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		char wire[] = "\x88\x82" M "..", name[32];

		wire[6] = (char)(invalid[i] >> 8);
		wire[7] = (char)invalid[i];
		snprintf(name, sizeof(name), "code %u", invalid[i]);
		check_error(name, SERVER, NO_LIMIT, wire, sizeof(wire) - 1, P, 8);
	}
}

/* --- the caller's view ---------------------------------------------------- */

Test(ws_decode, unmasks_in_place)
{
	char buf[] = "\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58";
	struct ws_decoder d;
	struct ws_event_info ev;
	size_t used;

	ws_decoder_init(&d, SERVER, NO_LIMIT);
	cr_assert_eq(ws_decode(&d, buf, 11, &used, &ev), WS_DATA_START);
	cr_assert_eq(used, 6);
	cr_assert_eq(ws_decode(&d, buf + 6, 5, &used, &ev), WS_DATA);
	cr_assert(ev.data == buf + 6 && ev.len == 5 && used == 5);
	cr_assert_arr_eq(buf + 6, "Hello", 5, "the caller's buffer holds the unmasked payload");
	cr_assert_eq(ws_decode(&d, NULL, 0, &used, &ev), WS_DATA_END);
	cr_assert(used == 0 && ev.fin == 1);
	cr_assert_eq(ws_decode(&d, NULL, 0, &used, &ev), WS_NEED_MORE);
	cr_assert_eq(used, 0);
}

/* Decodes all of wire, whatever the events; returns the last one. */
static enum ws_event pump(struct ws_decoder *d, const char *wire, size_t n)
{
	char buf[64];
	size_t off = 0, used;
	struct ws_event_info ev;
	enum ws_event e;

	cr_assert_leq(n, sizeof(buf));
	memcpy(buf, wire, n);
	do {
		e = ws_decode(d, buf + off, n - off, &used, &ev);
		off += used;
	} while (e != WS_NEED_MORE && e != WS_ERROR);
	return e;
}

Test(ws_decode, idle_only_between_messages)
{
	struct ws_decoder d;

	ws_decoder_init(&d, SERVER, NO_LIMIT);
	cr_assert(ws_decoder_idle(&d));
	pump(&d, "\x01", 1);
	cr_assert_not(ws_decoder_idle(&d), "inside a frame head");
	pump(&d, "\x81" M "a", 6);
	cr_assert_not(ws_decoder_idle(&d), "inside a fragmented message");
	pump(&d, "\x89\x80" M, 6);
	cr_assert_not(ws_decoder_idle(&d), "a ping inside a fragmented message");
	pump(&d, "\x80\x81" M "b", 7);
	cr_assert(ws_decoder_idle(&d), "the message is complete");
	pump(&d, "\x8a\x81" M "p", 7);
	cr_assert(ws_decoder_idle(&d), "a pong between messages");
	pump(&d, "\x82\x82" M "x", 7);
	cr_assert_not(ws_decoder_idle(&d), "inside a payload");
	pump(&d, "y", 1);
	cr_assert(ws_decoder_idle(&d));
	cr_assert_eq(pump(&d, "\x83", 1), WS_ERROR);
	cr_assert_not(ws_decoder_idle(&d), "failed");
}

/* --- encode → decode ----------------------------------------------------- */

static const uint8_t rfc_mask[4] = { 0x37, 0xfa, 0x21, 0x3d };
static const uint64_t lengths[] = { 0, 125, 126, 65535, 65536 };

static void round_trip(enum ws_opcode op, uint64_t len, const uint8_t *mask)
{
	size_t head_len = (len < 126 ? 2 : len < 65536 ? 4 : 10) + (mask ? 4 : 0);
	uint8_t *wire = malloc(WS_HEAD_MAX + len), *payload = malloc(len + 1);
	char want[128], name[64];
	size_t n;

	cr_assert(wire && payload);
	snprintf(name, sizeof(name), "opcode %u, %llu bytes, %s", op, (unsigned long long)len,
		 mask ? "masked" : "unmasked");
	for (uint64_t i = 0; i < len; i++)
		payload[i] = op == WS_OP_TEXT ? (uint8_t)('a' + i % 26) : (uint8_t)(i * 131 + 7);
	n = ws_frame_head(wire, op, 1, len, mask);
	cr_assert_eq(n, head_len, "%s", name);
	memcpy(wire + n, payload, len);
	if (mask)
		ws_mask_apply(wire + n, len, mask, 0);
	n += len;
	if (len)
		snprintf(want, sizeof(want),
			 "start op=%u fin=1 len=%llu\ndata %llu bytes\nend fin=1\nidle\n", op,
			 (unsigned long long)len, (unsigned long long)len);
	else
		snprintf(want, sizeof(want), "start op=%u fin=1 len=0\nend fin=1\nidle\n", op);
	check_splits(name, mask ? SERVER : CLIENT, NO_LIMIT, wire, n, want, payload, len);
	free(wire);
	free(payload);
}

Test(ws_decode, round_trip_data)
{
	for (size_t i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
		round_trip(WS_OP_BINARY, lengths[i], NULL);
		round_trip(WS_OP_BINARY, lengths[i], rfc_mask);
		round_trip(WS_OP_TEXT, lengths[i], NULL);
		round_trip(WS_OP_TEXT, lengths[i], (const uint8_t[4]){ 0x80, 0x01, 0xff, 0x5a });
	}
}

Test(ws_decode, round_trip_control)
{
	static const size_t sizes[] = { 0, 1, 125 };
	uint8_t wire[WS_HEAD_MAX + WS_CONTROL_MAX];
	char payload[WS_CONTROL_MAX];

	memset(payload, 'p', sizeof(payload));
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (int masked = 0; masked <= 1; masked++) {
			size_t len = sizes[i];
			const uint8_t *mask = masked ? rfc_mask : NULL;
			size_t n = ws_frame_head(wire, WS_OP_PING, 1, len, mask);
			struct transcript t;

			cr_assert_eq(n, masked ? 6u : 2u);
			memcpy(wire + n, payload, len);
			if (mask)
				ws_mask_apply(wire + n, len, mask, 0);
			decode(masked ? SERVER : CLIENT, NO_LIMIT, wire, n + len,
			       (struct split){ BYTES, 0 }, &t);
			cr_assert_str_eq(t.text, len == 125 ? "ping 125 bytes\nidle\n"
					 : len == 1  ? "ping \"p\"\nidle\n"
						     : "ping \"\"\nidle\n");
			cr_assert_eq(t.control_len, len);
			cr_assert_arr_eq(t.control, payload, len);
			free(t.bytes);
		}
	}
}

Test(ws_decode, round_trip_close)
{
	uint8_t wire[WS_HEAD_MAX + WS_CONTROL_MAX];
	int len = ws_close_payload(wire + 6, WS_CLOSE_GOING_AWAY, "going \xe2\x86\x92", 9);

	cr_assert_eq(len, 11);
	cr_assert_eq(ws_frame_head(wire, WS_OP_CLOSE, 1, (uint64_t)len, rfc_mask), 6);
	ws_mask_apply(wire + 6, (size_t)len, rfc_mask, 0);
	check_splits("close", SERVER, NO_LIMIT, wire, 6 + (size_t)len,
		     "close 1001 \"going \\xe2\\x86\\x92\"\nidle\n", NULL, 0);
}

/* A long text of 1- to 4-byte characters, in three masked fragments cut
 * inside characters: valid however it is split; one bad byte fails it. */
#define UNITS 100
static const char text_unit[] = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 "; /* 11 bytes */
static const size_t cuts[] = { 0, 334, 700, UNITS * 11 }; /* inside a euro and an emoji */

static size_t build_text(uint8_t *wire, char *text)
{
	static const uint8_t masks[3][4] = { { 1, 2, 3, 4 }, { 0xff, 0, 0x80, 0x7f },
					     { 0x37, 0xfa, 0x21, 0x3d } };
	size_t n = 0;

	for (int i = 0; i < UNITS; i++)
		memcpy(text + 11 * i, text_unit, 11);
	for (int f = 0; f < 3; f++) {
		size_t len = cuts[f + 1] - cuts[f];
		size_t h = ws_frame_head(wire + n, f ? WS_OP_CONT : WS_OP_TEXT, f == 2, len,
					 masks[f]);

		cr_assert(h > 0);
		memcpy(wire + n + h, text + cuts[f], len);
		ws_mask_apply(wire + n + h, len, masks[f], 0);
		n += h + len;
	}
	return n;
}

Test(ws_decode, long_text_in_fragments)
{
	uint8_t wire[3 * WS_HEAD_MAX + UNITS * 11];
	char text[UNITS * 11];
	size_t n = build_text(wire, text);

	check_splits("long text", SERVER, NO_LIMIT, wire, n,
		     "start op=1 fin=0 len=334\ndata 334 bytes\nend fin=0\n"
		     "start op=0 fin=0 len=366\ndata 366 bytes\nend fin=0\n"
		     "start op=0 fin=1 len=400\ndata 400 bytes\nend fin=1\nidle\n",
		     text, sizeof(text));
}

Test(ws_decode, long_text_with_a_bad_byte)
{
	uint8_t wire[3 * WS_HEAD_MAX + UNITS * 11];
	char text[UNITS * 11];
	size_t n = build_text(wire, text);
	/* text[701] is the second byte of the last fragment; each frame has an
	 * 8-byte head: 2 bytes, a 16-bit length, the masking key */
	size_t at = (8 + 334) + (8 + 366) + 8 + 2;

	cr_assert_eq(text[701], (char)0x98);
	wire[at - 1] ^= 0x98 ^ 'x'; /* 'x' once unmasked */
	check_error("long text, bad byte", SERVER, NO_LIMIT, wire, n, WS_CLOSE_INVALID_DATA, at);
}
