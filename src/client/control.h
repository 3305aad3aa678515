/* The control and metrics endpoints (--control, --metrics-port): a small
 * HTTP/1.1 server on 127.0.0.1, one thread, blocking sockets, one request
 * per connection: it is not the load path. GET /clients reports the counts,
 * POST /clients with ws=URL&count=N adds connections (the seed's API),
 * GET /metrics renders Prometheus text. Either port answers every path. */
#ifndef UKIT_CLIENT_CONTROL_H
#define UKIT_CLIENT_CONTROL_H

#include <stddef.h>
#include <stdint.h>

struct client_run;

/* Listens on the configured ports and starts the thread. Returns 0, or -1
 * with a one-line reason (port in use, ...). */
int control_start(struct client_run *run, char *err, size_t errlen);

/* Stops the thread, if it runs, and closes the listeners. */
void control_stop(void);

/* --- sans I/O, for the tests ------------------------------------------------ */

#define CONTROL_REQUEST_MAX 16384

struct control_request {
	char method[16];
	const char *target;      /* path and query, not NUL-terminated */
	size_t target_len;
	const char *body;
	size_t body_len;
	int expect_continue;     /* Expect: 100-continue */
};

enum { CONTROL_MORE = 0, CONTROL_DONE = 1, CONTROL_BAD = -1 };

/* Parses a request head and its Content-Length body from buf[0..len).
 * CONTROL_MORE: incomplete (*head_len set once the head is complete, so
 * that 100-continue can be answered); CONTROL_BAD: *why says what is wrong. */
int control_parse_request(const char *buf, size_t len, struct control_request *req,
			  size_t *head_len, const char **why);

/* Whether the target's path is path (a query may follow). */
int control_path_is(const struct control_request *req, const char *path);

struct control_add {
	char url[1100];
	uint32_t count;
};

/* Parses the form (or query) "ws=URL&count=N": url= is a synonym of ws=,
 * values are %-decoded, '+' is a space. Returns 0, or -1 and a reason. */
int control_parse_add(const char *form, size_t len, struct control_add *add, char *why,
		      size_t whylen);

#endif
