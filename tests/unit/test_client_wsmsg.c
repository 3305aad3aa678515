/* Ping payloads matched to their connection, and message patterns checked
 * in any split without being stored. */
#include "client/wsmsg.h"
#include "ws/utf8.h"

#include <criterion/criterion.h>
#include <string.h>

Test(client_wsmsg, pong_matches_its_ping)
{
	uint8_t p[WSM_PING_LEN];
	uint64_t t = 0;

	wsm_ping_payload(p, 123456789012345ull, 7, 42, 0xfeedull);
	cr_assert_eq(wsm_pong_match(p, sizeof(p), 7, 42, 0xfeedull, &t), 0);
	cr_assert_eq(t, 123456789012345ull);
}

Test(client_wsmsg, pong_of_another_ping_does_not)
{
	uint8_t p[WSM_PING_LEN], q[WSM_PING_LEN];
	uint64_t t;

	wsm_ping_payload(p, 1000, 7, 42, 99);
	cr_assert_eq(wsm_pong_match(p, sizeof(p), 8, 42, 99, &t), -1);  /* another generation */
	cr_assert_eq(wsm_pong_match(p, sizeof(p), 7, 43, 99, &t), -1);  /* another slot */
	cr_assert_eq(wsm_pong_match(p, sizeof(p), 7, 42, 98, &t), -1);  /* another run */
	cr_assert_eq(wsm_pong_match(p, sizeof(p) - 1, 7, 42, 99, &t), -1);
	cr_assert_eq(wsm_pong_match("", 0, 7, 42, 99, &t), -1);
	for (size_t i = 0; i < sizeof(p); i++)
		for (int bit = 0; bit < 8; bit++) {
			memcpy(q, p, sizeof(p));
			q[i] ^= (uint8_t)(1 << bit);
			cr_assert_eq(wsm_pong_match(q, sizeof(q), 7, 42, 99, &t), -1, "byte %zu", i);
		}
}

static struct wsm_pattern pat;

Test(client_wsmsg, fill_then_check_in_every_split)
{
	char msg[10000];

	wsm_pattern_init(&pat, 0);
	wsm_fill(&pat, 17, 0, msg, sizeof(msg));
	for (size_t cut = 0; cut <= sizeof(msg); cut += 97) {
		cr_assert_eq(wsm_check(&pat, 17, 0, msg, cut), 0);
		cr_assert_eq(wsm_check(&pat, 17, cut, msg + cut, sizeof(msg) - cut), 0);
	}
	/* filling in pieces gives the same bytes */
	{
		char again[10000];
		wsm_fill(&pat, 17, 0, again, 4321);
		wsm_fill(&pat, 17, 4321, again + 4321, sizeof(again) - 4321);
		cr_assert(!memcmp(msg, again, sizeof(msg)));
	}
}

Test(client_wsmsg, any_change_is_caught)
{
	char msg[600];

	wsm_pattern_init(&pat, 0);
	wsm_fill(&pat, 3, 0, msg, sizeof(msg));
	/* another message's bytes */
	cr_assert_eq(wsm_check(&pat, 4, 0, msg, sizeof(msg)), -1);
	/* a byte lost or repeated shifts the rest */
	cr_assert_eq(wsm_check(&pat, 3, 0, msg + 1, sizeof(msg) - 1), -1);
	cr_assert_eq(wsm_check(&pat, 3, 1, msg, sizeof(msg) - 1), -1);
	for (size_t i = 0; i < sizeof(msg); i += 7) {
		msg[i] ^= 0x20;
		cr_assert_eq(wsm_check(&pat, 3, 0, msg, sizeof(msg)), -1, "byte %zu", i);
		msg[i] ^= 0x20;
	}
	/* a shift by any amount under the period */
	for (uint32_t s = 1; s < WSM_PERIOD; s++)
		cr_assert_eq(wsm_check(&pat, (3 + s) % WSM_PERIOD, 0, msg, sizeof(msg)), -1);
}

Test(client_wsmsg, text_is_printable_utf8)
{
	char msg[5000];
	uint32_t st = WS_UTF8_ACCEPT;

	wsm_pattern_init(&pat, 1);
	wsm_fill(&pat, 250, 0, msg, sizeof(msg));
	for (size_t i = 0; i < sizeof(msg); i++)
		cr_assert(msg[i] >= 33 && msg[i] <= 126);
	cr_assert_eq(ws_utf8_feed(&st, msg, sizeof(msg)), 0);
}
