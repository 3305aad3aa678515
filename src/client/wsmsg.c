/* Ping payloads and message patterns (see wsmsg.h). */
#include "client/wsmsg.h"

#include <string.h>

void wsm_pattern_init(struct wsm_pattern *p, int text)
{
	for (size_t i = 0; i < sizeof(p->rep); i++) {
		uint32_t j = (uint32_t)(i % WSM_PERIOD);
		/* 67 is odd, so j * 67 mod 256 differs for every j < 256 */
		p->rep[i] = (char)(text ? 33 + j % 94 : (j * 67 + 13) & 0xff);
	}
}

void wsm_fill(const struct wsm_pattern *p, uint32_t start, uint64_t pos, void *out, size_t n)
{
	char *o = out;

	while (n) {
		size_t k = n < WSM_CHUNK ? n : WSM_CHUNK;
		memcpy(o, p->rep + (start + pos) % WSM_PERIOD, k);
		o += k;
		pos += k;
		n -= k;
	}
}

int wsm_check(const struct wsm_pattern *p, uint32_t start, uint64_t pos, const void *data,
	      size_t n)
{
	const char *d = data;

	while (n) {
		size_t k = n < WSM_CHUNK ? n : WSM_CHUNK;
		if (memcmp(d, p->rep + (start + pos) % WSM_PERIOD, k))
			return -1;
		d += k;
		pos += k;
		n -= k;
	}
	return 0;
}

/* splitmix64's finalizer: every input bit moves every output bit */
static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint32_t tag(uint64_t sent_ns, uint32_t gen, uint32_t slot, uint64_t key)
{
	return (uint32_t)mix(mix(sent_ns ^ key) ^ ((uint64_t)gen << 32 | slot));
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

void wsm_ping_payload(uint8_t out[WSM_PING_LEN], uint64_t sent_ns, uint32_t gen, uint32_t slot,
		      uint64_t key)
{
	put_le(out, sent_ns, 8);
	put_le(out + 8, gen, 4);
	put_le(out + 12, tag(sent_ns, gen, slot, key), 4);
}

int wsm_pong_match(const void *payload, size_t len, uint32_t gen, uint32_t slot, uint64_t key,
		   uint64_t *sent_ns)
{
	const uint8_t *p = payload;
	uint64_t t;

	if (len != WSM_PING_LEN || get_le(p + 8, 4) != gen)
		return -1;
	t = get_le(p, 8);
	if (get_le(p + 12, 4) != tag(t, gen, slot, key))
		return -1;
	*sent_ns = t;
	return 0;
}
