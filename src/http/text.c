/* The fixed response text, repeated from one sentence like the seed's const-str. */
#include "http/text.h"

#include <string.h>

static char text[HTTP_TEXT_MAX];

/* Built before main() so every thread of the server and client sees it ready. */
__attribute__((constructor)) static void text_build(void)
{
	static const char sentence[] =
		"ukit is an io_uring HTTP server and load client written in C, "
		"holding huge numbers of keep-alive connections on a small machine. ";
	size_t n = sizeof(sentence) - 1;

	for (size_t off = 0; off < sizeof(text); off += n)
		memcpy(text + off, sentence, off + n > sizeof(text) ? sizeof(text) - off : n);
}

const char *http_text(void)
{
	return text;
}
