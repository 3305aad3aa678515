/* Incremental UTF-8 validation for WebSocket text (RFC 6455 8.1, RFC 3629):
 * fed in any split, it keeps four bytes of state and never looks back. */
#ifndef UKIT_WS_UTF8_H
#define UKIT_WS_UTF8_H

#include <stddef.h>
#include <stdint.h>

#define WS_UTF8_ACCEPT 0u /* at a code point boundary: the start state */
#define WS_UTF8_REJECT 1u /* not UTF-8, whatever follows; sticky */

/* Validates len more bytes. Returns 0 while the bytes so far are valid UTF-8
 * or a prefix of it, -EILSEQ once they cannot be (and from then on). */
int ws_utf8_feed(uint32_t *state, const void *data, size_t len);

/* True when the bytes so far are complete UTF-8: no sequence is cut short. */
static inline int ws_utf8_complete(uint32_t state)
{
	return state == WS_UTF8_ACCEPT;
}

#endif
