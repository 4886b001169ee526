/* SPDX-License-Identifier: BSD-2-Clause */
/* Freestanding memcpy, memset, strlen and friends for the kernel (x86_64). */

#include <stdint.h>
#include "lib/string.h"

/*
 * gcc turns byte loops into calls to memcpy, memset, memmove and (since
 * gcc 12) strlen even under -ffreestanding, which here would make these
 * functions call themselves. clang's -ffreestanding already implies
 * -fno-builtin, which stops its loop-idiom pass, and clang rejects this
 * attribute.
 */
#if defined(__GNUC__) && !defined(__clang__)
#define STRING_NO_IDIOM __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define STRING_NO_IDIOM
#endif

/*
 * rep movs / rep stos need DF clear, which the SysV ABI guarantees at every
 * call. The bulk moves eight bytes per iteration and the tail one: on CPUs
 * with ERMSB (Intel SDM vol. 1 §7.3.9.3) either is fast, but emulators and
 * `-icount` count one step per iteration, and page-sized zeroing and copying
 * sit on the boot path.
 */
void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	void *ret = dst;
	size_t q = n / 8, r = n % 8;

	__asm__ __volatile__("rep movsq\n\t"
			     "movq %3, %%rcx\n\t"
			     "rep movsb"
			     : "+D"(dst), "+S"(src), "+c"(q)
			     : "r"(r)
			     : "memory");
	return ret;
}

void *memset(void *dst, int c, size_t n)
{
	void *ret = dst;
	uint64_t pattern = 0x0101010101010101ull * (unsigned char)c;
	size_t q = n / 8, r = n % 8;

	__asm__ __volatile__("rep stosq\n\t"
			     "movq %3, %%rcx\n\t"
			     "rep stosb"
			     : "+D"(dst), "+c"(q)
			     : "a"(pattern), "r"(r)
			     : "memory");
	return ret;
}

void memset64(void *dst, uint64_t pattern, size_t n)
{
	__asm__ __volatile__("rep stosq" : "+D"(dst), "+c"(n) : "a"(pattern) : "memory");
}

STRING_NO_IDIOM
void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	/* A forward copy is right whenever dst does not start inside src. */
	if ((size_t)(d - s) >= n)
		return memcpy(dst, src, n);
	/*
	 * Backwards by hand rather than with std; rep movsb, so that DF is
	 * never set where an interrupt could find it.
	 */
	while (n > 0) {
		n--;
		d[n] = s[n];
	}
	return dst;
}

STRING_NO_IDIOM
int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	for (size_t i = 0; i < n; i++)
		if (p[i] != q[i])
			return p[i] < q[i] ? -1 : 1;
	return 0;
}

STRING_NO_IDIOM
size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n] != '\0')
		n++;
	return n;
}

STRING_NO_IDIOM
size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n] != '\0')
		n++;
	return n;
}

/* C11 7.24.4p1: the sign of a difference is that of the bytes as unsigned char. */
STRING_NO_IDIOM
int strcmp(const char *a, const char *b)
{
	const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;

	while (*p != '\0' && *p == *q) {
		p++;
		q++;
	}
	return *p < *q ? -1 : *p > *q;
}

STRING_NO_IDIOM
int strncmp(const char *a, const char *b, size_t n)
{
	const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;

	for (size_t i = 0; i < n; i++) {
		if (p[i] != q[i])
			return p[i] < q[i] ? -1 : 1;
		if (p[i] == '\0')
			break;
	}
	return 0;
}

/* C11 7.24.5.2: the terminating NUL counts as part of the string, so strchr(s, 0) finds it. */
STRING_NO_IDIOM
char *strchr(const char *s, int c)
{
	char ch = (char)c;

	for (;; s++) {
		if (*s == ch)
			return (char *)s;
		if (*s == '\0')
			return NULL;
	}
}

STRING_NO_IDIOM
char *strrchr(const char *s, int c)
{
	char ch = (char)c;
	const char *last = NULL;

	for (;; s++) {
		if (*s == ch)
			last = s;
		if (*s == '\0')
			return (char *)last;
	}
}

size_t strlcpy(char *restrict dst, const char *restrict src, size_t size)
{
	size_t len = strlen(src);

	if (size > 0) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

STRING_NO_IDIOM
char *strstr(const char *haystack, const char *needle)
{
	size_t n = strlen(needle);

	for (; *haystack; haystack++)
		if (strncmp(haystack, needle, n) == 0)
			return (char *)haystack;
	return n == 0 ? (char *)haystack : NULL;
}
