/* SPDX-License-Identifier: BSD-2-Clause */
/* Host stand-in for the kernel's panic(): longjmps back to EXPECT_PANIC, aborts when none is armed. */
#ifndef TESTS_UNIT_PANIC_CATCH_H
#define TESTS_UNIT_PANIC_CATCH_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/panic.h"
#include "tests/unit/check.h"

static jmp_buf panic_jmp;
static bool panic_armed;
static char panic_msg[256];

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(panic_msg, sizeof(panic_msg), fmt, ap);
	va_end(ap);
	if (!panic_armed) {
		fprintf(stderr, "unexpected panic: %s\n", panic_msg);
		abort();
	}
	panic_armed = false;
	longjmp(panic_jmp, 1);
}

/*
 * Runs @stmt, which must panic with a message containing both @needle1 and
 * @needle2 (pass "" for a needle that does not matter). Locals changed
 * between here and the panic must be volatile: they live across longjmp.
 */
#define EXPECT_PANIC2(stmt, needle1, needle2)				\
	do {								\
		panic_msg[0] = 0;					\
		panic_armed = true;					\
		if (setjmp(panic_jmp) == 0) {				\
			stmt;						\
			panic_armed = false;				\
			CHECK(!"no panic from " #stmt);			\
		} else {						\
			bool hit_ = strstr(panic_msg, needle1) && strstr(panic_msg, needle2); \
			CHECK(hit_);					\
			if (!hit_)					\
				fprintf(stderr, "  message: %s\n", panic_msg); \
		}							\
	} while (0)

#endif
