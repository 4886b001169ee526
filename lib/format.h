/* SPDX-License-Identifier: BSD-2-Clause */
/* printf-style format engine shared by the console, the kernel log and snprintf. */
#ifndef LIB_FORMAT_H
#define LIB_FORMAT_H

#include <stdarg.h>
#include <stddef.h>
#include <mote/compiler.h>

/*
 * Receives the output in runs: a stretch of literal text, padding or a
 * converted value arrives as one call, never guaranteed NUL-terminated.
 */
typedef void (*fmt_out_fn)(void *ctx, const char *s, size_t n);

/*
 * Supported: %d %i %u %x %X %o %p %s %c %%, lengths hh h l ll z t j, flags
 * "-0+ #", width and precision (also "*"), as in C11 7.21.6.1. Where this
 * differs from C or glibc:
 *  - No floating point (%f %e %g %a): the kernel has no FPU state to spare.
 *    Those and any other unknown conversion are printed literally, flags and
 *    all ("%5y" gives "%5y"), and consume no argument.
 *  - %n writes nothing (a format-string attack primitive); its pointer is
 *    consumed and "%n" printed literally so the mistake shows.
 *  - %lc and %ls (wide characters) are not supported: the argument is
 *    consumed and the specification printed literally.
 *  - %p is "0x" followed by lowercase hex, also for NULL ("0x0", not glibc's
 *    "(nil)"); flags, width and precision act as for %#x.
 *  - %s of NULL prints "(null)", cut by the precision like any string
 *    (glibc prints nothing when the precision is below 6).
 *  - Width or precision digits beyond INT_MAX saturate at INT_MAX.
 *
 * Returns the number of characters produced, or -EOVERFLOW when that does
 * not fit in an int (everything is still emitted).
 */
int fmt_vformat(fmt_out_fn out, void *ctx, const char *fmt, va_list ap) __printf(3, 0);

/*
 * C99 vsnprintf: writes at most size bytes including the terminating NUL
 * (always present when size > 0) and returns the length the whole output
 * would have had, or -EOVERFLOW. buf may be NULL when size is 0.
 */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap) __printf(3, 0);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

#endif
