/* Command-line helpers shared by the server and the client: numbers with
 * ranges, and errors as one line naming the flag. */
#ifndef UKIT_UTIL_ARGS_H
#define UKIT_UTIL_ARGS_H

#include <getopt.h>
#include <stdint.h>

#define UKIT_VERSION "0.1.0"

struct args {
	const char *prog;
};

/* Prints "prog: message" on stderr; returns -1. */
int args_error(const struct args *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Parses a decimal in [min, max] into *out, or prints why not and returns -1. */
int args_uint(const struct args *a, const char *name, const char *text, uint64_t min,
	      uint64_t max, uint64_t *out);

/* Parses "A-B" (or "A") with A <= B, each in [min, max]. */
int args_range(const struct args *a, const char *name, const char *text, uint64_t min,
	       uint64_t max, uint64_t *lo, uint64_t *hi);

/* "--name" for a long option's value, for messages. */
const char *args_option_name(const struct option *opts, int val);

/* The message for what getopt_long returned as '?' or ':'; returns -1. */
int args_bad_option(const struct args *a, char **argv, int opt);

#endif
