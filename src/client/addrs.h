/* Source addresses: one address has only the local port range's worth of
 * ports toward one server, and connect() slows down long before they are used
 * up, so connections are spread over many: 127.0.0.2, .3, ... on loopback, or
 * the addresses of --source A-B. Pure arithmetic, unit-tested. */
#ifndef UKIT_CLIENT_ADDRS_H
#define UKIT_CLIENT_ADDRS_H

#include <stddef.h>
#include <stdint.h>

#define ADDRS_LOOPBACK_FIRST 0x7f000002u /* 127.0.0.2 */
#define ADDRS_LOOPBACK_LAST 0x7ffffffeu  /* 127.255.255.254 */

struct addr_plan {
	uint32_t first;      /* host order; meaningful when count > 0 */
	uint32_t count;      /* source addresses bound; 0: the kernel picks the source */
	uint32_t per_source; /* connections per address, at most */
};

struct addr_need {
	uint32_t target;     /* server address, host order */
	uint32_t conns;      /* connections wanted */
	uint32_t per_source; /* --per-source */
	uint32_t port_lo, port_hi;   /* net.ipv4.ip_local_port_range */
	uint32_t source_lo, source_hi; /* --source, host order; 0: not given */
};

/* Decides the plan, or writes why it cannot be done and returns -1. */
int addrs_plan(struct addr_plan *p, const struct addr_need *n, char *err, size_t errlen);

/* The source address of connection seat (0..conns-1), host order. */
static inline uint32_t addrs_source(const struct addr_plan *p, uint32_t seat)
{
	return p->first + seat % p->count;
}

static inline int addrs_is_loopback(uint32_t ip)
{
	return (ip >> 24) == 127;
}

#endif
