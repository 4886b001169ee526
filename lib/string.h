/* SPDX-License-Identifier: BSD-2-Clause */
/* Freestanding memory and string functions under their C names, which the compilers call on their own. */
#ifndef LIB_STRING_H
#define LIB_STRING_H

#include <stddef.h>
#include <stdint.h>

/* Prototypes match C11 7.24 exactly, so a translation unit may also see a libc's <string.h>. */
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
char *strstr(const char *haystack, const char *needle);

/*
 * BSD strlcpy: copies at most size - 1 bytes, always NUL-terminates when
 * size > 0, and returns strlen(src) so that a result >= size means the copy
 * was cut short.
 */
size_t strlcpy(char *restrict dst, const char *restrict src, size_t size);
/* Fills n 8-byte words at dst (8-byte aligned) with pattern. */
void memset64(void *dst, uint64_t pattern, size_t n);

#endif
