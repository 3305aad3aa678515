/* libFuzzer: the request parser and handler over arbitrary bytes in
 * arbitrary splits. The first input byte seeds the split sizes. Checks the
 * parser's contract: it always makes progress, never reads past the input,
 * and once it reports an error it keeps reporting it. */
#include "http/handler.h"
#include "http/request.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const struct http_limits limits = {
	.max_url_bytes = 512, .max_header_bytes = 2048, .max_headers = 20, .max_body = 4096,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_parser p;
	uint32_t seed;
	size_t off = 1;

	if (size < 1)
		return 0;
	seed = data[0] * 2654435761u + 1;
	http_parser_init(&p, &limits);
	while (off < size) {
		/* a heap copy of each chunk, so ASan sees any read past it */
		size_t n = 1 + (seed = seed * 1103515245u + 12345u) % 64;
		char *chunk;
		size_t pos = 0;

		if (n > size - off)
			n = size - off;
		chunk = malloc(n);
		memcpy(chunk, data + off, n);
		while (pos < n) {
			size_t used = 0;
			struct http_answer a;
			enum http_event ev = http_parse(&p, chunk + pos, n - pos, &used);

			if (used > n - pos)
				abort(); /* claims more than it was given */
			pos += used;
			if (ev == HTTP_ERROR) {
				if (p.status < 400 || p.status > 599)
					abort();
				if (http_parse(&p, chunk + pos, n - pos, &used) != HTTP_ERROR)
					abort(); /* errors are sticky */
				free(chunk);
				return 0;
			}
			if (ev == HTTP_DONE)
				http_answer_request(&p.req, &a);
			else if (ev == HTTP_MORE && pos != n)
				abort(); /* MORE means all input was consumed */
		}
		free(chunk);
		off += n;
	}
	return 0;
}
