/* When the machine, not the server, stops the run: name the limit and the
 * knob that lifts it, once per kind for the whole process. */
#ifndef UKIT_CLIENT_LIMITS_H
#define UKIT_CLIENT_LIMITS_H

enum limit_kind {
	LIMIT_PORTS,       /* EADDRNOTAVAIL / EADDRINUSE: local ports of a source address */
	LIMIT_FILES,       /* EMFILE: the ring's file table or RLIMIT_NOFILE */
	LIMIT_SYSTEM_FILES,/* ENFILE: fs.file-max */
	LIMIT_MEMORY,      /* ENOMEM / ENOBUFS: kernel memory, socket buffers */
	LIMIT_BACKLOG,     /* connects time out: SYNs dropped, backlog full */
	LIMIT_REFUSED,     /* ECONNREFUSED */
	LIMIT_KINDS
};

/* Which limit an errno from socket/bind/connect means, or -1 for none. */
int limits_kind_of(int err);

/* Prints the explanation for kind the first time it is noted (any thread). */
void limits_note(enum limit_kind kind, int err);

/* Kinds noted so far, as a bit mask, for the summary. */
unsigned limits_seen(void);
const char *limits_name(enum limit_kind kind);

#endif
