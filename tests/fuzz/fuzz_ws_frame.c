/* libFuzzer: the WebSocket frame decoder over arbitrary bytes in arbitrary
 * splits, in both roles. The first byte picks the role, the message size
 * limit and the split sizes. Checks the decoder's contract: progress, data
 * only from inside the input, control payloads of at most 125 bytes, errors
 * that stay errors. */
#include "ws/decode.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ws_decoder d;
	uint32_t seed;
	size_t off = 1;

	if (size < 1)
		return 0;
	seed = data[0] * 2654435761u + 7;
	ws_decoder_init(&d, data[0] & 1 ? WS_ROLE_CLIENT : WS_ROLE_SERVER,
			data[0] & 2 ? 300 : 1 << 20);
	while (off <= size) {
		size_t n = 1 + (seed = seed * 1103515245u + 12345u) % 40, pos = 0;
		char *chunk;

		if (n > size - off)
			n = size - off;
		chunk = malloc(n ? n : 1); /* a heap copy: ASan sees reads past it */
		memcpy(chunk, data + off, n);
		for (int guard = 0;; guard++) {
			struct ws_event_info ev;
			size_t used = 0;
			enum ws_event e = ws_decode(&d, chunk + pos, n - pos, &used, &ev);

			if (used > n - pos || guard > 100000)
				abort();
			if (e == WS_DATA && (ev.data != chunk + pos || ev.len != used || !used))
				abort(); /* data is exactly what this call consumed */
			if (e == WS_CONTROL && ev.len > WS_CONTROL_MAX)
				abort();
			pos += used;
			if (e == WS_ERROR) {
				if (ws_decode(&d, chunk + pos, n - pos, &used, &ev) != WS_ERROR || used)
					abort(); /* failure is final */
				free(chunk);
				return 0;
			}
			if (e == WS_NEED_MORE) {
				if (pos != n)
					abort();
				break;
			}
		}
		free(chunk);
		if (off == size)
			break;
		off += n;
	}
	return 0;
}
