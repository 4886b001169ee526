/* SPDX-License-Identifier: BSD-2-Clause */
/* Lays out argc, argv, envp, auxv and their strings the way a Linux process finds them. */
#include <mote/compiler.h>
#include <mote/errno.h>
#include <mote/types.h>

#include "abi/stack.h"

/* Auxv entries stack_build always adds, besides the caller's, the strings and AT_NULL. */
#define STACK_OWN_AUXV	9

/* The buffer in the kernel and the addresses the application will see. */
struct stack_cursor {
	char *buf;
	vaddr_t bottom;			/* user address of buf[0] */
	vaddr_t cur;			/* everything in [cur, user_top) is taken */
};

static bool stack_reserve(struct stack_cursor *c, uint64_t len)
{
	if (len > c->cur - c->bottom)
		return false;
	c->cur -= len;
	return true;
}

static void *stack_ptr(const struct stack_cursor *c, vaddr_t uaddr)
{
	return c->buf + (uaddr - c->bottom);
}

/* memcpy: buf need not be 8-byte aligned in the kernel's view (host tests). */
static void stack_put64(const struct stack_cursor *c, vaddr_t uaddr, uint64_t v)
{
	__builtin_memcpy(stack_ptr(c, uaddr), &v, sizeof(v));
}

/* Copies a string to uaddr and returns where the next one goes. */
static vaddr_t stack_put_str(const struct stack_cursor *c, vaddr_t uaddr,
			     const char *s)
{
	size_t len = __builtin_strlen(s) + 1;

	__builtin_memcpy(stack_ptr(c, uaddr), s, len);
	return uaddr + len;
}

static vaddr_t stack_put_auxv(const struct stack_cursor *c, vaddr_t uaddr,
			      uint64_t type, uint64_t val)
{
	stack_put64(c, uaddr, type);
	stack_put64(c, uaddr + 8, val);
	return uaddr + 16;
}

int stack_build(void *buf, size_t size, vaddr_t user_top,
		const struct stack_args *a, vaddr_t *sp_out)
{
	struct stack_cursor c;
	uint64_t strs = 0;

	if (!buf || !a || !sp_out || a->argc < 0 || a->envc < 0 ||
	    (a->argc && !a->argv) || (a->envc && !a->envp) ||
	    (a->nauxv && !a->auxv) || a->nauxv > STACK_MAX_EXTRA_AUXV ||
	    size > user_top)
		return -EINVAL;
	for (unsigned int i = 0; i < a->nauxv; i++) {
		/* An early AT_NULL would hide everything after it from libc. */
		if (a->auxv[i][0] == AT_NULL)
			return -EINVAL;
	}
	for (int i = 0; i < a->argc; i++) {
		if (!a->argv[i])
			return -EINVAL;
		strs += __builtin_strlen(a->argv[i]) + 1;
		if (strs > size)
			return -E2BIG;
	}
	for (int i = 0; i < a->envc; i++) {
		if (!a->envp[i])
			return -EINVAL;
		strs += __builtin_strlen(a->envp[i]) + 1;
		if (strs > size)
			return -E2BIG;
	}

	c.buf = buf;
	c.bottom = user_top - size;
	c.cur = user_top;

	/*
	 * As Linux does: a zero word at the very top, then the executable's
	 * name, so that tools scanning down from the top find a terminator.
	 */
	if (!stack_reserve(&c, 8))
		return -E2BIG;
	vaddr_t execfn_at = 0, platform_at = 0, random_at, strs_at;
	if (a->execfn) {
		if (!stack_reserve(&c, __builtin_strlen(a->execfn) + 1))
			return -E2BIG;
		execfn_at = c.cur;
	}
	if (!stack_reserve(&c, strs))
		return -E2BIG;
	strs_at = c.cur;
	if (a->platform) {
		if (!stack_reserve(&c, __builtin_strlen(a->platform) + 1))
			return -E2BIG;
		platform_at = c.cur;
	}
	if (!stack_reserve(&c, sizeof(a->random)))
		return -E2BIG;
	random_at = c.cur;

	uint64_t nauxv = a->nauxv + STACK_OWN_AUXV + !!a->execfn + !!a->platform + 1;
	uint64_t words = 1 + ((uint64_t)a->argc + 1) + ((uint64_t)a->envc + 1) +
			 2 * nauxv;
	/* psABI §3.4.1: rsp is 16-byte aligned at entry and points at argc. */
	uint64_t pad = (c.cur - words * 8) & 15;
	if (!stack_reserve(&c, words * 8 + pad))
		return -E2BIG;
	vaddr_t sp = c.cur;

	/* Padding holds no stale kernel data, and unused strings end in zeros. */
	__builtin_memset(stack_ptr(&c, sp), 0, user_top - sp);

	vaddr_t s = strs_at, p = sp;
	stack_put64(&c, p, (uint64_t)a->argc);
	p += 8;
	for (int i = 0; i < a->argc; i++, p += 8) {
		stack_put64(&c, p, s);
		s = stack_put_str(&c, s, a->argv[i]);
	}
	stack_put64(&c, p, 0);
	p += 8;
	for (int i = 0; i < a->envc; i++, p += 8) {
		stack_put64(&c, p, s);
		s = stack_put_str(&c, s, a->envp[i]);
	}
	stack_put64(&c, p, 0);
	p += 8;

	for (unsigned int i = 0; i < a->nauxv; i++)
		p = stack_put_auxv(&c, p, a->auxv[i][0], a->auxv[i][1]);
	p = stack_put_auxv(&c, p, AT_PAGESZ, PAGE_SIZE);
	p = stack_put_auxv(&c, p, AT_CLKTCK, STACK_CLKTCK);
	p = stack_put_auxv(&c, p, AT_FLAGS, 0);
	p = stack_put_auxv(&c, p, AT_UID, 0);
	p = stack_put_auxv(&c, p, AT_EUID, 0);
	p = stack_put_auxv(&c, p, AT_GID, 0);
	p = stack_put_auxv(&c, p, AT_EGID, 0);
	p = stack_put_auxv(&c, p, AT_SECURE, 0);
	p = stack_put_auxv(&c, p, AT_RANDOM, random_at);
	if (a->execfn)
		p = stack_put_auxv(&c, p, AT_EXECFN, execfn_at);
	if (a->platform)
		p = stack_put_auxv(&c, p, AT_PLATFORM, platform_at);
	stack_put_auxv(&c, p, AT_NULL, 0);

	__builtin_memcpy(stack_ptr(&c, random_at), a->random, sizeof(a->random));
	if (a->platform)
		stack_put_str(&c, platform_at, a->platform);
	if (a->execfn)
		stack_put_str(&c, execfn_at, a->execfn);

	*sp_out = sp;
	return 0;
}
