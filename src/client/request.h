/* Request bytes, built once at start-up for every length the run may ask
 * for, so sending a request copies nothing and allocates nothing. Shared
 * read-only by all threads. */
#ifndef UKIT_CLIENT_REQUEST_H
#define UKIT_CLIENT_REQUEST_H

#include <stddef.h>
#include <stdint.h>

struct request_table {
	char *bytes;
	uint32_t *offset;  /* by length - lo; one more at the end */
	uint32_t lo, hi;
};

/* GET path?length=N HTTP/1.1 with Host (and Connection: close) for N in [lo, hi]. */
int request_table_build(struct request_table *t, const char *path, const char *host,
			uint32_t lo, uint32_t hi, int connection_close);
void request_table_free(struct request_table *t);

static inline const char *request_bytes(const struct request_table *t, uint32_t length,
					size_t *len)
{
	uint32_t i = length - t->lo;

	*len = t->offset[i + 1] - t->offset[i];
	return t->bytes + t->offset[i];
}

#endif
