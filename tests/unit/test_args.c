/* Command-line helpers: numbers and ranges with bounds, and the one-line
 * messages for bad options. */
#include "util/args.h"

#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdio.h>
#include <string.h>

static const struct args a = { .prog = "prog" };

static void quiet(void)
{
	cr_redirect_stderr();
}

Test(args, uint_in_range, .init = quiet)
{
	static const struct { const char *text; uint64_t min, max, want; } ok[] = {
		{ "0", 0, 10, 0 },
		{ "10", 0, 10, 10 },
		{ "5", 5, 5, 5 },
		{ "007", 0, 10, 7 },
		{ "18446744073709551615", 0, UINT64_MAX, UINT64_MAX },
		{ "65535", 1, 65535, 65535 },
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		uint64_t v = 12345;
		cr_expect_eq(args_uint(&a, "--n", ok[i].text, ok[i].min, ok[i].max, &v), 0, "%s",
			     ok[i].text);
		cr_expect_eq(v, ok[i].want, "%s", ok[i].text);
	}
}

Test(args, uint_refused, .init = quiet)
{
	static const char *const bad[] = { "", "abc", "-1", "+1", " 1", "1 ", "1x", "0x10", "1.5",
					   "1e3", "11", "18446744073709551616",
					   "99999999999999999999999" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t v = 12345;
		cr_expect_eq(args_uint(&a, "--n", bad[i], 1, 10, &v), -1, "%s", bad[i]);
		cr_expect_eq(v, 12345, "%s: the output is left alone", bad[i]);
	}
	{
		uint64_t v = 12345;
		cr_expect_eq(args_uint(&a, "--n", "0", 1, 10, &v), -1, "below min");
		cr_expect_eq(args_uint(&a, "--n", NULL, 1, 10, &v), -1, "no text");
		cr_expect_eq(v, 12345);
	}
}

Test(args, uint_message, .init = quiet)
{
	uint64_t v;

	args_uint(&a, "--threads", "0", 1, 1024, &v);
	fflush(stderr);
	cr_assert_stderr_eq_str("prog: --threads: expected a whole number from 1 to 1024, got '0'\n");
}

Test(args, range, .init = quiet)
{
	static const struct { const char *text; int rc; uint64_t lo, hi; } cases[] = {
		{ "5", 0, 5, 5 },
		{ "3-7", 0, 3, 7 },
		{ "1-100", 0, 1, 100 },
		{ "7-7", 0, 7, 7 },
		{ "7-3", -1, 0, 0 },
		{ "0-5", -1, 0, 0 },
		{ "5-101", -1, 0, 0 },
		{ "101", -1, 0, 0 },
		{ "3-", -1, 0, 0 },
		{ "-3", -1, 0, 0 },
		{ "3--7", -1, 0, 0 },
		{ "3-7-9", -1, 0, 0 },
		{ "3 -7", -1, 0, 0 },
		{ "3-+7", -1, 0, 0 },
		{ "", -1, 0, 0 },
		{ "a-b", -1, 0, 0 },
		{ "1-18446744073709551616", -1, 0, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t lo = 999, hi = 999;
		int rc = args_range(&a, "--size", cases[i].text, 1, 100, &lo, &hi);

		cr_expect_eq(rc, cases[i].rc, "'%s'", cases[i].text);
		if (!cases[i].rc) {
			cr_expect_eq(lo, cases[i].lo, "'%s'", cases[i].text);
			cr_expect_eq(hi, cases[i].hi, "'%s'", cases[i].text);
		}
	}
	{
		uint64_t lo, hi;
		cr_expect_eq(args_range(&a, "--size", NULL, 1, 100, &lo, &hi), -1);
	}
}

Test(args, range_message, .init = quiet)
{
	uint64_t lo, hi;

	args_range(&a, "--size", "9-2", 1, 100, &lo, &hi);
	fflush(stderr);
	cr_assert_stderr_eq_str("prog: --size: expected A-B with 1 <= A <= B <= 100, got '9-2'\n");
}

static const struct option options[] = {
	{ "port", required_argument, NULL, 'p' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "max-conns", required_argument, NULL, 1000 },
	{ NULL, 0, NULL, 0 },
};

Test(args, option_name)
{
	cr_expect_str_eq(args_option_name(options, 'p'), "--port");
	cr_expect_str_eq(args_option_name(options, 1000), "--max-conns");
	cr_expect_str_eq(args_option_name(options, 'z'), "option");
}

/* getopt_long as the programs call it, only long options. Returns the
 * message for the first bad option. */
static void bad_option(int argc, char **argv)
{
	int opt;

	optind = 0; /* glibc: start over */
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		if (opt == '?' || opt == ':') {
			cr_assert_eq(args_bad_option(&a, argv, opt), -1);
			fflush(stderr);
			return;
		}
	}
	cr_assert_fail("no bad option in the arguments");
}

Test(args, unknown_long_option, .init = quiet)
{
	char *argv[] = { "prog", "--quiet", "--nope", NULL };

	bad_option(3, argv);
	cr_assert_stderr_eq_str("prog: unknown option '--nope' (see --help)\n");
}

Test(args, long_option_needs_a_value, .init = quiet)
{
	char *argv[] = { "prog", "--quiet", "--port", NULL };

	bad_option(3, argv);
	cr_assert_stderr_eq_str("prog: --port needs a value (see --help)\n");
}

Test(args, unknown_short_option, .init = quiet)
{
	char *argv[] = { "prog", "-x", NULL };

	bad_option(2, argv);
	cr_assert_stderr_eq_str("prog: unknown option '-x' (see --help)\n");
}

/* In a group of short options getopt has not moved past the argument yet:
 * argv[optind - 1] is the one before (here the program's name). */
Test(args, unknown_short_option_in_a_group, .init = quiet)
{
	char *argv[] = { "prog", "--quiet", "-xy", NULL };

	bad_option(3, argv);
	cr_assert_stderr_eq_str("prog: unknown option '-x' (see --help)\n");
}

Test(args, error_line, .init = quiet)
{
	cr_assert_eq(args_error(&a, "bad %s %d", "thing", 3), -1);
	fflush(stderr);
	cr_assert_stderr_eq_str("prog: bad thing 3\n");
}
