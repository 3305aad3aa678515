/* The WebSocket opening handshake (RFC 6455 section 4): whether a request may
 * be upgraded, and the Sec-WebSocket-Key → Sec-WebSocket-Accept proof, for
 * both ends. No I/O: a client supplies its own random bytes. */
#ifndef UKIT_WS_HANDSHAKE_H
#define UKIT_WS_HANDSHAKE_H

#include <stddef.h>
#include <stdint.h>

struct http_request;

#define WS_VERSION 13      /* the only Sec-WebSocket-Version there is */
#define WS_KEY_LEN 24      /* Sec-WebSocket-Key: base64 of 16 bytes */
#define WS_ACCEPT_LEN 28   /* Sec-WebSocket-Accept: base64 of a SHA-1 */

/* Whether a request for a WebSocket endpoint may be answered with 101: 0 if
 * so, else the status to refuse it with. 400: not a GET in HTTP/1.1, no
 * Upgrade: websocket, no Connection: upgrade, or not exactly one valid
 * Sec-WebSocket-Key. 426: Sec-WebSocket-Version missing or not 13; the answer
 * must then carry "Sec-WebSocket-Version: 13". */
int ws_handshake_check(const struct http_request *r);

/* True when key is the base64 of exactly 16 bytes: 24 characters of the
 * standard alphabet ending in "==", with no stray bits in the last one. */
int ws_key_valid(const char *key, size_t len);

/* Writes Sec-WebSocket-Accept for key, base64(SHA-1(key + the RFC's GUID)),
 * as WS_ACCEPT_LEN characters and a NUL. Returns 0, -EINVAL when key is not
 * valid, -EIO when libcrypto fails. */
int ws_accept_key(const char *key, size_t key_len, char out[WS_ACCEPT_LEN + 1]);

/* Client side: writes the Sec-WebSocket-Key for 16 random bytes, as
 * WS_KEY_LEN characters and a NUL. Returns 0 or -EIO. */
int ws_client_key(const uint8_t nonce[16], char out[WS_KEY_LEN + 1]);

/* Client side: true when accept (the header value, trimmed) is the answer
 * to key. */
int ws_accept_matches(const char *key, size_t key_len, const char *accept, size_t accept_len);

#endif
