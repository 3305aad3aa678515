/* The one fixed text every answer is a prefix of, as in the seed's handler:
 * a shorter body is always a prefix of a longer one, so clients can check it. */
#ifndef UKIT_HTTP_TEXT_H
#define UKIT_HTTP_TEXT_H

#include <stddef.h>

#define HTTP_TEXT_MAX 10240
#define HTTP_TEXT_DEFAULT 1024

/* HTTP_TEXT_MAX bytes, built once at program start. */
const char *http_text(void);

/* The seed's clamp: n into [1, HTTP_TEXT_MAX]. */
static inline size_t http_text_clamp(unsigned long long n)
{
	if (n < 1)
		return 1;
	return n > HTTP_TEXT_MAX ? HTTP_TEXT_MAX : (size_t)n;
}

#endif
