/* ukit-server's settings, from the command line. */
#ifndef UKIT_SERVER_CONFIG_H
#define UKIT_SERVER_CONFIG_H

#include <stdint.h>

enum taskrun_mode { TASKRUN_DEFER, TASKRUN_COOP };

struct server_config {
	const char *bind_addr;
	uint16_t port;
	unsigned threads;          /* cores used: one pinned thread and ring on each */
	unsigned rings;            /* rings in all, each with its own thread (>= threads) */
	uint32_t max_conns;
	uint32_t ring_slots;       /* registered file slots per ring; 0: as many as allowed */
	uint32_t max_header_bytes;
	uint32_t max_url_bytes;
	uint32_t max_headers;
	uint64_t max_body;
	unsigned header_timeout;   /* seconds */
	unsigned idle_timeout;     /* seconds */
	unsigned grace;            /* seconds to finish in-flight responses on SIGTERM */
	uint64_t max_ws_message;   /* WebSocket messages larger than this: close 1009 */
	unsigned ws_idle_timeout;  /* seconds without a frame: ping at half, close at all */
	int taskrun;               /* enum taskrun_mode */
	int quiet;
};

/* Parses argv into cfg. Returns 0, 1 when --help or --version was printed
 * and the program should exit 0, or -1 after printing a one-line error. */
int server_config_parse(struct server_config *cfg, int argc, char **argv);

#endif
