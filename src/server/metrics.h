/* GET /metrics: every worker's counters in the Prometheus text exposition
 * format (version 0.0.4), labelled by thread and summed by Prometheus. */
#ifndef UKIT_SERVER_METRICS_H
#define UKIT_SERVER_METRICS_H

#include "server/worker.h"

#include <stddef.h>

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4"

/* Bytes a rendering may need for this server. */
size_t metrics_capacity(const struct server *srv);

/* Renders into buf; returns the length (cap must be metrics_capacity()). */
size_t metrics_render(const struct server *srv, char *buf, size_t cap);

#endif
