/* The client side of the WebSocket opening handshake (RFC 6455 4.1), sans
 * I/O: the upgrade request, built once and shared (only the key differs per
 * connection, sent from its own buffer between the two shared parts), and a
 * streaming check of the answer's head: 101, Upgrade: websocket, Connection:
 * upgrade, the key's Sec-WebSocket-Accept, no extension or subprotocol. */
#ifndef UKIT_CLIENT_WSHAKE_H
#define UKIT_CLIENT_WSHAKE_H

#include "ws/handshake.h"

#include <llhttp.h>
#include <stddef.h>
#include <stdint.h>

/* "GET PATH HTTP/1.1 ... Sec-WebSocket-Key: " + key + WSH_REQUEST_END */
struct wsh_request {
	char *head;
	size_t head_len;
};

#define WSH_REQUEST_END "\r\n\r\n"

int wsh_request_build(struct wsh_request *r, const char *path, const char *host);
void wsh_request_free(struct wsh_request *r);

enum wsh_result {
	WSH_MORE,    /* all bytes used, the head goes on */
	WSH_DONE,    /* the head ended: see verdict; *used says where frames begin */
	WSH_GARBAGE, /* not an HTTP response */
};

enum wsh_verdict {
	WSH_OK = 0,
	WSH_STATUS,   /* not 101 */
	WSH_ACCEPT,   /* Sec-WebSocket-Accept missing, repeated or wrong */
	WSH_UPGRADE,  /* no Upgrade: websocket or Connection: upgrade, or an extension
			 or subprotocol we did not offer */
};

#define WSH_NAME_MAX 24
#define WSH_VALUE_MAX 80

struct wsh_resp {
	llhttp_t parser;
	char key[WS_KEY_LEN];        /* the key we sent */
	char name[WSH_NAME_MAX];     /* the header name being read */
	char value[WSH_VALUE_MAX];   /* its value, when it is one we check */
	uint8_t name_len;            /* 0xff: longer than any we check */
	uint8_t value_len;           /* 0xff: too long to check */
	uint8_t header;              /* which one we are reading (wshake.c) */
	uint8_t upgrade_ok;
	uint8_t connection_ok;
	uint8_t accepts;             /* Sec-WebSocket-Accept headers seen */
	uint8_t accept_ok;
	uint8_t unasked;             /* an extension or subprotocol */
	uint8_t verdict;             /* enum wsh_verdict, once done */
	uint8_t done;
};

void wsh_resp_init(struct wsh_resp *h, const char key[WS_KEY_LEN]);

/* Parses up to len bytes of the answer's head. */
enum wsh_result wsh_resp_feed(struct wsh_resp *h, const char *data, size_t len, size_t *used);

static inline unsigned wsh_status(const struct wsh_resp *h)
{
	return h->parser.status_code;
}

#endif
