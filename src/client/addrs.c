/* Source address arithmetic (see addrs.h). */
#include "client/addrs.h"

#include <stdio.h>

int addrs_plan(struct addr_plan *p, const struct addr_need *n, char *err, size_t errlen)
{
	uint32_t ports = n->port_hi >= n->port_lo ? n->port_hi - n->port_lo + 1 : 1;
	uint32_t per = n->per_source < ports ? n->per_source : ports;
	uint64_t count;

	if (per < 1)
		per = 1;
	p->first = 0;
	p->count = 0;
	p->per_source = ports;
	if (n->source_lo) {
		/* the user's addresses: all of them, evenly */
		p->first = n->source_lo;
		p->count = n->source_hi - n->source_lo + 1;
		p->per_source = (n->conns + p->count - 1) / p->count;
		if (p->per_source > ports) {
			snprintf(err, errlen,
				 "--source gives %u addresses of %u local ports each (%llu connections), "
				 "fewer than -c %u: add addresses or widen net.ipv4.ip_local_port_range",
				 p->count, ports, (unsigned long long)p->count * ports, n->conns);
			return -1;
		}
		return 0;
	}
	if (n->conns <= per)
		return 0; /* one source is enough: let the kernel choose it */
	if (!addrs_is_loopback(n->target)) {
		snprintf(err, errlen,
			 "-c %u needs more than one source address toward a non-loopback server "
			 "(%u connections each): give --source A-B (addresses of this host)",
			 n->conns, per);
		return -1;
	}
	count = ((uint64_t)n->conns + per - 1) / per;
	if (count > ADDRS_LOOPBACK_LAST - ADDRS_LOOPBACK_FIRST + 1) {
		snprintf(err, errlen, "-c %u needs %llu loopback source addresses: too many", n->conns,
			 (unsigned long long)count);
		return -1;
	}
	p->first = ADDRS_LOOPBACK_FIRST;
	p->count = (uint32_t)count;
	p->per_source = (n->conns + p->count - 1) / p->count;
	return 0;
}
