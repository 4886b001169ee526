/* SPDX-License-Identifier: BSD-2-Clause */
/* Kernel command line parser: splits a writable copy in place, no allocation, no libc. */

#include <stdbool.h>
#include <stdint.h>
#include <mote/errno.h>
#include "lib/cmdline.h"

/* Appended by QEMU's microvm after any "--" the user gave (see cmdline.h). */
static const char cmdline_virtio_mmio[] = "virtio_mmio.device=";

static bool cmdline_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool cmdline_streq(const char *a, const char *b)
{
	while (*a != '\0' && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

static bool cmdline_prefix(const char *s, const char *prefix)
{
	while (*prefix != '\0')
		if (*s++ != *prefix++)
			return false;
	return true;
}

static int cmdline_fail(const char **err, int code, const char *why)
{
	if (err != NULL)
		*err = why;
	return code;
}

/*
 * Cuts the next token out of *pp, removing quotes by sliding the text left:
 * the write position never passes the read position, so this works in place.
 * *tok is NULL when only whitespace is left.
 */
static int cmdline_next(char **pp, char **tok)
{
	char *r = *pp, *w;
	bool quoted = false;

	while (cmdline_space(*r))
		r++;
	if (*r == '\0') {
		*pp = r;
		*tok = NULL;
		return 0;
	}

	*tok = w = r;
	for (;;) {
		char c = *r;

		if (c == '\0') {
			if (quoted)
				return -EINVAL;
			break;
		}
		r++;
		if (c == '"')
			quoted = !quoted;
		else if (!quoted && cmdline_space(c))
			break;
		else
			*w++ = c;
	}
	*w = '\0';
	*pp = r;
	return 0;
}

int cmdline_parse(char *buf, struct cmdline *cl, const char **err)
{
	bool app = false;
	char *p = buf;

	if (err != NULL)
		*err = NULL;
	if (cl == NULL)
		return cmdline_fail(err, -EINVAL, "no cmdline structure to fill");
	cl->nparams = 0;
	cl->argc = 0;
	cl->argv[0] = NULL;
	if (buf == NULL)
		return 0;

	for (;;) {
		struct cmdline_param *param;
		char *tok, *eq;

		if (cmdline_next(&p, &tok) < 0)
			return cmdline_fail(err, -EINVAL, "unterminated quote");
		if (tok == NULL)
			return 0;

		if (!app && cmdline_streq(tok, "--")) {
			app = true;
			continue;
		}

		if (app && !cmdline_prefix(tok, cmdline_virtio_mmio)) {
			if (cl->argc == CMDLINE_MAX_ARGS)
				return cmdline_fail(err, -E2BIG,
						    "too many application arguments (max 64)");
			cl->argv[cl->argc++] = tok;
			cl->argv[cl->argc] = NULL;
			continue;
		}

		for (eq = tok; *eq != '\0' && *eq != '='; eq++)
			;
		if (eq == tok)
			return cmdline_fail(err, -EINVAL, "empty parameter name");
		if (cl->nparams == CMDLINE_MAX_PARAMS)
			return cmdline_fail(err, -E2BIG, "too many kernel parameters (max 64)");
		param = &cl->params[cl->nparams++];
		param->key = tok;
		param->value = NULL;
		if (*eq == '=') {
			*eq = '\0';
			param->value = eq + 1;
		}
	}
}

const char *cmdline_get(const struct cmdline *cl, const char *key)
{
	if (cl == NULL || key == NULL)
		return NULL;
	for (unsigned i = cl->nparams; i-- > 0;) {
		if (cmdline_streq(cl->params[i].key, key))
			return cl->params[i].value != NULL ? cl->params[i].value : "";
	}
	return NULL;
}

int cmdline_get_u64(const struct cmdline *cl, const char *key, uint64_t *out)
{
	const char *s = cmdline_get(cl, key);
	unsigned base = 10, shift = 0;
	uint64_t v = 0;
	bool any = false;

	if (s == NULL)
		return -ENOENT;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}

	for (;; s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			break;
		if (v > (UINT64_MAX - d) / base)
			return -ERANGE;
		v = v * base + d;
		any = true;
	}
	if (!any)
		return -EINVAL;

	switch (*s) {
	case 'k':
	case 'K':
		shift = 10;
		s++;
		break;
	case 'm':
	case 'M':
		shift = 20;
		s++;
		break;
	case 'g':
	case 'G':
		shift = 30;
		s++;
		break;
	default:
		break;
	}
	if (*s != '\0')
		return -EINVAL;
	if (v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = v << shift;
	return 0;
}
