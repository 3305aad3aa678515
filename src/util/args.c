/* Command-line helpers (see args.h). */
#include "util/args.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int args_error(const struct args *a, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", a->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

static int parse_u64(const char *text, uint64_t *out, const char **end)
{
	char *e;
	unsigned long long v;

	if (!text || *text < '0' || *text > '9')
		return -1;
	errno = 0;
	v = strtoull(text, &e, 10);
	if (errno)
		return -1;
	*out = v;
	*end = e;
	return 0;
}

int args_uint(const struct args *a, const char *name, const char *text, uint64_t min,
	      uint64_t max, uint64_t *out)
{
	const char *end;
	uint64_t v;

	if (parse_u64(text, &v, &end) || *end || v < min || v > max)
		return args_error(a, "%s: expected a whole number from %llu to %llu, got '%s'", name,
				  (unsigned long long)min, (unsigned long long)max, text ? text : "");
	*out = v;
	return 0;
}

int args_range(const struct args *a, const char *name, const char *text, uint64_t min,
	       uint64_t max, uint64_t *lo, uint64_t *hi)
{
	const char *end;

	if (parse_u64(text, lo, &end))
		goto bad;
	if (*end == '-') {
		if (parse_u64(end + 1, hi, &end))
			goto bad;
	} else {
		*hi = *lo;
	}
	if (*end || *lo > *hi || *lo < min || *hi > max)
		goto bad;
	return 0;
bad:
	return args_error(a, "%s: expected A-B with %llu <= A <= B <= %llu, got '%s'", name,
			  (unsigned long long)min, (unsigned long long)max, text ? text : "");
}

const char *args_option_name(const struct option *opts, int val)
{
	static char name[64];

	for (; opts->name; opts++)
		if (opts->val == val) {
			snprintf(name, sizeof(name), "--%s", opts->name);
			return name;
		}
	return "option";
}

static int is_short_group_with(const char *arg, int c)
{
	return arg && arg[0] == '-' && arg[1] && arg[1] != '-' && strchr(arg + 1, c);
}

int args_bad_option(const struct args *a, char **argv, int opt)
{
	const char *arg = argv[optind - 1];

	/* An unknown short option is in optopt. Inside a group ("-xy") getopt
	 * has not moved past the group yet, and argv[optind - 1] is the
	 * argument before it (even the program's name). */
	if (opt == '?' && optopt > 0 && optopt < 128 &&
	    (is_short_group_with(arg, optopt) || is_short_group_with(argv[optind], optopt)))
		return args_error(a, "unknown option '-%c' (see --help)", optopt);
	if (opt == ':')
		return args_error(a, "%s needs a value (see --help)", arg);
	return args_error(a, "unknown option '%s' (see --help)", arg);
}
