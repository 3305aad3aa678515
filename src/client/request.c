/* The request table (see request.h). */
#include "client/request.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int request_table_build(struct request_table *t, const char *path, const char *host,
			uint32_t lo, uint32_t hi, int connection_close)
{
	const char *sep = strchr(path, '?') ? "&" : "?";
	const char *conn = connection_close ? "Connection: close\r\n" : "";
	size_t each = strlen(path) + strlen(host) + strlen(conn) + 64, cap, used = 0;
	uint32_t n = hi - lo + 1;

	memset(t, 0, sizeof(*t));
	t->lo = lo;
	t->hi = hi;
	cap = each * n;
	t->bytes = malloc(cap);
	t->offset = malloc((n + 1) * sizeof(*t->offset));
	if (!t->bytes || !t->offset || cap > UINT32_MAX)
		goto err;
	for (uint32_t i = 0; i < n; i++) {
		int w = snprintf(t->bytes + used, cap - used,
				 "GET %s%slength=%u HTTP/1.1\r\nHost: %s\r\n%s\r\n", path, sep, lo + i,
				 host, conn);
		if (w < 0 || (size_t)w >= cap - used)
			goto err;
		t->offset[i] = (uint32_t)used;
		used += (size_t)w;
	}
	t->offset[n] = (uint32_t)used;
	return 0;
err:
	request_table_free(t);
	return -ENOMEM;
}

void request_table_free(struct request_table *t)
{
	free(t->bytes);
	free(t->offset);
	t->bytes = NULL;
	t->offset = NULL;
}
