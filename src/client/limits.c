/* Machine limits, explained once (see limits.h). */
#include "client/limits.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

static _Atomic unsigned seen;

static const struct {
	const char *name;
	const char *why;
} limits[LIMIT_KINDS] = {
	[LIMIT_PORTS] = { "local_ports",
			  "a source address ran out of local ports: widen "
			  "net.ipv4.ip_local_port_range, lower --per-source, or give more --source "
			  "addresses" },
	[LIMIT_FILES] = { "file_table",
			  "a ring's file table is full (it is capped by RLIMIT_NOFILE, ulimit -n): "
			  "use more --rings or fewer connections" },
	[LIMIT_SYSTEM_FILES] = { "system_files",
				 "the system ran out of open files: raise sysctl fs.file-max" },
	[LIMIT_MEMORY] = { "kernel_memory",
			   "the kernel is out of memory for sockets: see sysctl net.ipv4.tcp_mem "
			   "and free memory" },
	[LIMIT_BACKLOG] = { "backlog",
			    "connects time out: the server's accept queue is likely full (raise "
			    "net.core.somaxconn and net.ipv4.tcp_max_syn_backlog, or the server's "
			    "backlog) or the server is overloaded; a lower --rate helps" },
	[LIMIT_REFUSED] = { "refused",
			    "connection refused: nothing listens there, or a full accept queue "
			    "with net.ipv4.tcp_abort_on_overflow = 1 (raise net.core.somaxconn)" },
};

int limits_kind_of(int err)
{
	switch (err) {
	case EADDRNOTAVAIL:
	case EADDRINUSE:
		return LIMIT_PORTS;
	case EMFILE:
		return LIMIT_FILES;
	case ENFILE:
		return LIMIT_SYSTEM_FILES;
	case ENOMEM:
	case ENOBUFS:
		return LIMIT_MEMORY;
	case ETIMEDOUT:
		return LIMIT_BACKLOG;
	case ECONNREFUSED:
		return LIMIT_REFUSED;
	default:
		return -1;
	}
}

void limits_note(enum limit_kind kind, int err)
{
	unsigned bit = 1u << kind;

	if (atomic_load_explicit(&seen, memory_order_relaxed) & bit)
		return; /* the common case, without a locked instruction */
	if (atomic_fetch_or_explicit(&seen, bit, memory_order_relaxed) & bit)
		return;
	fprintf(stderr, "ukit-client: %s (%s); counted, the run goes on\n", limits[kind].why,
		err ? strerror(err) : "timed out");
}

unsigned limits_seen(void)
{
	return atomic_load_explicit(&seen, memory_order_relaxed);
}

const char *limits_name(enum limit_kind kind)
{
	return limits[kind].name;
}
