/* SPDX-License-Identifier: BSD-2-Clause */
/* Minimal assertion helpers for host unit tests: count checks, report failures, exit status. */
#ifndef TESTS_UNIT_CHECK_H
#define TESTS_UNIT_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures;
static int check_count;

#define CHECK(cond)							\
	do {								\
		check_count++;						\
		if (!(cond)) {						\
			check_failures++;				\
			fprintf(stderr, "%s:%d: CHECK failed: %s\n",	\
				__FILE__, __LINE__, #cond);		\
		}							\
	} while (0)

#define CHECK_EQ(a, b)							\
	do {								\
		long long check_a_ = (long long)(a);			\
		long long check_b_ = (long long)(b);			\
		check_count++;						\
		if (check_a_ != check_b_) {				\
			check_failures++;				\
			fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %lld, %s == %lld\n", \
				__FILE__, __LINE__, #a, check_a_, #b, check_b_); \
		}							\
	} while (0)

#define CHECK_STR(a, b)							\
	do {								\
		const char *check_a_ = (a), *check_b_ = (b);		\
		check_count++;						\
		if (strcmp(check_a_, check_b_) != 0) {			\
			check_failures++;				\
			fprintf(stderr, "%s:%d: CHECK_STR failed: \"%s\" != \"%s\"\n", \
				__FILE__, __LINE__, check_a_, check_b_); \
		}							\
	} while (0)

/* Call at the end of main(): prints a summary and gives the exit status. */
static inline int check_done(const char *name)
{
	printf("%s: %d checks, %d failed\n", name, check_count, check_failures);
	return check_failures ? 1 : 0;
}

#endif
