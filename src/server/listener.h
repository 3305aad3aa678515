/* Listening sockets: one per core with SO_REUSEPORT, so the kernel spreads
 * new connections over the cores. */
#ifndef UKIT_SERVER_LISTENER_H
#define UKIT_SERVER_LISTENER_H

#include <stddef.h>
#include <stdint.h>

/* Checks that nobody listens on addr:port (a reuseport bind alone would
 * silently share the port with another server). 0, or -errno with err set. */
int listener_probe(const char *addr, uint16_t port, char *err, size_t errlen);

/* A nonblocking listening socket with SO_REUSEPORT; fd, or -errno with err set. */
int listener_open(const char *addr, uint16_t port, int backlog, char *err, size_t errlen);

#endif
