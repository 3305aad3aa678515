/* WebSocket payloads the client checks without keeping them: a ping carries
 * its send time and a tag binding it to its connection, and a message is a
 * stretch of one fixed periodic pattern, so an echo is checked byte for byte
 * from the message's start offset alone. Pure functions, unit-tested. */
#ifndef UKIT_CLIENT_WSMSG_H
#define UKIT_CLIENT_WSMSG_H

#include <stddef.h>
#include <stdint.h>

#define WSM_PING_LEN 16  /* send time (8), connection generation (4), tag (4) */
#define WSM_PERIOD 251   /* prime: an echo shifted by less than a period cannot match */
#define WSM_CHUNK 4096   /* compared or written per memcmp/memcpy */

/* The pattern, repeated so that any window of WSM_CHUNK bytes is contiguous. */
struct wsm_pattern {
	char rep[WSM_PERIOD + WSM_CHUNK];
};

/* Text patterns are printable ASCII (valid UTF-8); binary ones use 251
 * distinct byte values. */
void wsm_pattern_init(struct wsm_pattern *p, int text);

/* Writes bytes [pos, pos + n) of the message that starts at pattern offset
 * start (0 <= start < WSM_PERIOD). */
void wsm_fill(const struct wsm_pattern *p, uint32_t start, uint64_t pos, void *out, size_t n);

/* 0 when data is bytes [pos, pos + n) of that message, else -1. */
int wsm_check(const struct wsm_pattern *p, uint32_t start, uint64_t pos, const void *data,
	      size_t n);

/* A ping's payload: sent_ns, gen and a tag of both, the slot and a secret
 * key, so that a pong is matched to the connection's own ping. */
void wsm_ping_payload(uint8_t out[WSM_PING_LEN], uint64_t sent_ns, uint32_t gen, uint32_t slot,
		      uint64_t key);

/* 0 and the ping's send time when payload is what wsm_ping_payload wrote for
 * gen, slot and key; -1 otherwise. */
int wsm_pong_match(const void *payload, size_t len, uint32_t gen, uint32_t slot, uint64_t key,
		   uint64_t *sent_ns);

#endif
