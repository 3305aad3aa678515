/* Spreading connections over source addresses. */
#include "client/addrs.h"

#include <criterion/criterion.h>
#include <string.h>

static struct addr_need need(uint32_t conns)
{
	return (struct addr_need){ .target = 0x7f000001, .conns = conns, .per_source = 4000,
				   .port_lo = 32768, .port_hi = 60999 };
}

Test(client_addrs, few_connections_need_no_bind)
{
	struct addr_plan p;
	struct addr_need n = need(4000);
	char err[256];

	cr_assert_eq(addrs_plan(&p, &n, err, sizeof(err)), 0);
	cr_assert_eq(p.count, 0);
}

Test(client_addrs, loopback_spreads_by_per_source)
{
	struct addr_plan p;
	struct addr_need n = need(600000);
	char err[256];
	uint32_t per[150] = { 0 };

	cr_assert_eq(addrs_plan(&p, &n, err, sizeof(err)), 0);
	cr_assert_eq(p.count, 150);
	cr_assert_eq(p.first, ADDRS_LOOPBACK_FIRST);
	cr_assert_eq(p.per_source, 4000);
	for (uint32_t seat = 0; seat < n.conns; seat++)
		per[addrs_source(&p, seat) - p.first]++;
	for (int i = 0; i < 150; i++)
		cr_assert_eq(per[i], 4000);
	n.conns = 100001;
	cr_assert_eq(addrs_plan(&p, &n, err, sizeof(err)), 0);
	cr_assert_eq(p.count, 26);
	cr_assert(p.per_source <= 4000);
}

Test(client_addrs, per_source_is_capped_by_the_port_range)
{
	struct addr_plan p;
	struct addr_need n = need(100000);
	char err[256];

	n.per_source = 60000;
	n.port_lo = 40000;
	n.port_hi = 49999; /* 10000 ports */
	cr_assert_eq(addrs_plan(&p, &n, err, sizeof(err)), 0);
	cr_assert_eq(p.count, 10);
}

Test(client_addrs, given_sources_are_all_used_or_refused)
{
	struct addr_plan p;
	struct addr_need n = need(100000);
	char err[256];

	n.source_lo = 0x0a000001;
	n.source_hi = 0x0a00000a; /* 10 addresses */
	cr_assert_eq(addrs_plan(&p, &n, err, sizeof(err)), 0);
	cr_assert_eq(p.count, 10);
	cr_assert_eq(p.per_source, 10000);
	n.conns = 300000; /* 30000 each > 28232 ports */
	cr_assert_eq(addrs_plan(&p, &n, err, sizeof(err)), -1);
	cr_assert(strstr(err, "ip_local_port_range"), "%s", err);
}

Test(client_addrs, remote_server_needs_sources)
{
	struct addr_plan p;
	struct addr_need n = need(100000);
	char err[256];

	n.target = 0x0a000001;
	cr_assert_eq(addrs_plan(&p, &n, err, sizeof(err)), -1);
	cr_assert(strstr(err, "--source"), "%s", err);
}
