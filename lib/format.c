/* SPDX-License-Identifier: BSD-2-Clause */
/* printf-style format engine: parses the format once and hands output to a callback in runs. */


#include <stdbool.h>
#include <stdint.h>
#include <mote/errno.h>
#include "lib/format.h"

enum {
	FL_LEFT = 1 << 0,	/* '-' */
	FL_ZERO = 1 << 1,	/* '0' */
	FL_PLUS = 1 << 2,	/* '+' */
	FL_SPACE = 1 << 3,	/* ' ' */
	FL_ALT = 1 << 4,	/* '#' */
};

enum fmt_len { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_T, LEN_J };

struct fmt_spec {
	unsigned flags;
	size_t width;
	int prec;		/* -1: none given */
	enum fmt_len len;
	char conv;
};

struct fmt_sink {
	fmt_out_fn out;
	void *ctx;
	size_t total;		/* size_t so that overflow past __INT_MAX__ is detectable */
};

/* Padding goes out in slices of these, so any width costs no stack. */
static const char fmt_spaces[64] = { [0 ... 63] = ' ' };
static const char fmt_zeros[64] = { [0 ... 63] = '0' };

static void fmt_emit(struct fmt_sink *s, const char *p, size_t n)
{
	if (n == 0)
		return;
	s->out(s->ctx, p, n);
	s->total += n;
}

static void fmt_pad(struct fmt_sink *s, const char *fill, size_t n)
{
	while (n > 0) {
		size_t k = n < sizeof(fmt_spaces) ? n : sizeof(fmt_spaces);

		fmt_emit(s, fill, k);
		n -= k;
	}
}

static size_t fmt_strnlen(const char *p, size_t max)
{
	size_t n = 0;

	while (n < max && p[n] != '\0')
		n++;
	return n;
}

/*
 * Writes the digits of v backwards ending just before end; returns how many.
 * Each base has its own loop so the compiler divides by a constant.
 */
static size_t fmt_digits(char *end, uintmax_t v, char conv)
{
	const char *hex = conv == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
	char *p = end;

	switch (conv) {
	case 'o':
		do {
			*--p = (char)('0' + (v & 7));
			v >>= 3;
		} while (v != 0);
		break;
	case 'x':
	case 'X':
	case 'p':
		do {
			*--p = hex[v & 15];
			v >>= 4;
		} while (v != 0);
		break;
	default:
		do {
			*--p = (char)('0' + v % 10);
			v /= 10;
		} while (v != 0);
		break;
	}
	return (size_t)(end - p);
}

static void fmt_int(struct fmt_sink *s, const struct fmt_spec *sp, uintmax_t mag, bool neg)
{
	char buf[24];		/* 22 octal digits hold 64 bits */
	char prefix[2];
	size_t nprefix = 0, ndigits = 0, nzeros = 0, body;
	char *end = buf + sizeof(buf);
	bool is_signed = sp->conv == 'd' || sp->conv == 'i';

	/* C11 7.21.6.1p8: zero with precision zero gives no characters. */
	if (!(mag == 0 && sp->prec == 0))
		ndigits = fmt_digits(end, mag, sp->conv);

	if (is_signed) {
		if (neg)
			prefix[nprefix++] = '-';
		else if (sp->flags & FL_PLUS)
			prefix[nprefix++] = '+';
		else if (sp->flags & FL_SPACE)
			prefix[nprefix++] = ' ';
	} else if (sp->conv == 'p' ||
		   ((sp->conv == 'x' || sp->conv == 'X') && (sp->flags & FL_ALT) && mag != 0)) {
		prefix[nprefix++] = '0';
		prefix[nprefix++] = sp->conv == 'X' ? 'X' : 'x';
	}

	if (sp->prec > 0 && (size_t)sp->prec > ndigits)
		nzeros = (size_t)sp->prec - ndigits;
	/* '#' with 'o' raises the precision just enough for a leading zero. */
	if (sp->conv == 'o' && (sp->flags & FL_ALT) && nzeros == 0 &&
	    (ndigits == 0 || end[-(ptrdiff_t)ndigits] != '0'))
		nzeros = 1;
	/* '0' is ignored with '-' or with a precision (C11 7.21.6.1p6). */
	if ((sp->flags & (FL_ZERO | FL_LEFT)) == FL_ZERO && sp->prec < 0 &&
	    sp->width > nprefix + ndigits + nzeros)
		nzeros = sp->width - nprefix - ndigits;

	body = nprefix + nzeros + ndigits;
	if (!(sp->flags & FL_LEFT) && sp->width > body)
		fmt_pad(s, fmt_spaces, sp->width - body);
	fmt_emit(s, prefix, nprefix);
	fmt_pad(s, fmt_zeros, nzeros);
	fmt_emit(s, end - ndigits, ndigits);
	if ((sp->flags & FL_LEFT) && sp->width > body)
		fmt_pad(s, fmt_spaces, sp->width - body);
}

static void fmt_text(struct fmt_sink *s, const struct fmt_spec *sp, const char *p, size_t n)
{
	if (!(sp->flags & FL_LEFT) && sp->width > n)
		fmt_pad(s, fmt_spaces, sp->width - n);
	fmt_emit(s, p, n);
	if ((sp->flags & FL_LEFT) && sp->width > n)
		fmt_pad(s, fmt_spaces, sp->width - n);
}

/* Reads a decimal number, saturating at __INT_MAX__ rather than wrapping. */
static int fmt_number(const char **pp)
{
	const char *p = *pp;
	int v = 0;

	while (*p >= '0' && *p <= '9') {
		int d = *p++ - '0';

		v = v > (__INT_MAX__ - d) / 10 ? __INT_MAX__ : v * 10 + d;
	}
	*pp = p;
	return v;
}

int fmt_vformat(fmt_out_fn out, void *ctx, const char *fmt, va_list ap)
{
	struct fmt_sink s = { .out = out, .ctx = ctx, .total = 0 };
	const char *p = fmt;

	for (;;) {
		const char *lit = p, *start;
		struct fmt_spec sp = { .prec = -1 };
		uintmax_t mag;
		intmax_t sv;

		while (*p != '\0' && *p != '%')
			p++;
		fmt_emit(&s, lit, (size_t)(p - lit));
		if (*p == '\0')
			break;
		start = p++;

		for (;; p++) {
			if (*p == '-')
				sp.flags |= FL_LEFT;
			else if (*p == '0')
				sp.flags |= FL_ZERO;
			else if (*p == '+')
				sp.flags |= FL_PLUS;
			else if (*p == ' ')
				sp.flags |= FL_SPACE;
			else if (*p == '#')
				sp.flags |= FL_ALT;
			else
				break;
		}

		if (*p == '*') {
			int w = va_arg(ap, int);

			p++;
			/* C11 7.21.6.1p5: a negative width is '-' plus the magnitude. */
			if (w < 0) {
				sp.flags |= FL_LEFT;
				sp.width = (size_t)0 - (size_t)(intmax_t)w;
			} else {
				sp.width = (size_t)w;
			}
		} else {
			sp.width = (size_t)fmt_number(&p);
		}

		if (*p == '.') {
			p++;
			if (*p == '*') {
				int pr = va_arg(ap, int);

				p++;
				/* A negative precision counts as none given. */
				sp.prec = pr < 0 ? -1 : pr;
			} else {
				sp.prec = fmt_number(&p);
			}
		}

		switch (*p) {
		case 'h':
			p++;
			sp.len = LEN_H;
			if (*p == 'h') {
				p++;
				sp.len = LEN_HH;
			}
			break;
		case 'l':
			p++;
			sp.len = LEN_L;
			if (*p == 'l') {
				p++;
				sp.len = LEN_LL;
			}
			break;
		case 'z':
			p++;
			sp.len = LEN_Z;
			break;
		case 't':
			p++;
			sp.len = LEN_T;
			break;
		case 'j':
			p++;
			sp.len = LEN_J;
			break;
		default:
			break;
		}

		sp.conv = *p;
		if (sp.conv == '\0') {
			/* A format ending inside a specification prints what is there. */
			fmt_emit(&s, start, (size_t)(p - start));
			break;
		}
		p++;

		switch (sp.conv) {
		case 'd':
		case 'i':
			switch (sp.len) {
			case LEN_HH:
				sv = (signed char)va_arg(ap, int);
				break;
			case LEN_H:
				sv = (short)va_arg(ap, int);
				break;
			case LEN_L:
				sv = va_arg(ap, long);
				break;
			case LEN_LL:
				sv = va_arg(ap, long long);
				break;
			case LEN_Z:
				/* The signed type of size_t's width (C11 7.21.6.1p7). */
				sv = (ptrdiff_t)va_arg(ap, size_t);
				break;
			case LEN_T:
				sv = va_arg(ap, ptrdiff_t);
				break;
			case LEN_J:
				sv = va_arg(ap, intmax_t);
				break;
			default:
				sv = va_arg(ap, int);
				break;
			}
			/* Negating in unsigned arithmetic keeps INTMAX_MIN defined. */
			mag = sv < 0 ? (uintmax_t)0 - (uintmax_t)sv : (uintmax_t)sv;
			fmt_int(&s, &sp, mag, sv < 0);
			break;
		case 'u':
		case 'x':
		case 'X':
		case 'o':
			switch (sp.len) {
			case LEN_HH:
				mag = (unsigned char)va_arg(ap, unsigned int);
				break;
			case LEN_H:
				mag = (unsigned short)va_arg(ap, unsigned int);
				break;
			case LEN_L:
				mag = va_arg(ap, unsigned long);
				break;
			case LEN_LL:
				mag = va_arg(ap, unsigned long long);
				break;
			case LEN_Z:
				mag = va_arg(ap, size_t);
				break;
			case LEN_T:
				mag = (size_t)va_arg(ap, ptrdiff_t);
				break;
			case LEN_J:
				mag = va_arg(ap, uintmax_t);
				break;
			default:
				mag = va_arg(ap, unsigned int);
				break;
			}
			fmt_int(&s, &sp, mag, false);
			break;
		case 'p':
			fmt_int(&s, &sp, (uintptr_t)va_arg(ap, void *), false);
			break;
		case 'c':
			/* Other lengths mean nothing for %c and %s and are ignored. */
			if (sp.len == LEN_L) {
				(void)va_arg(ap, unsigned int);	/* wint_t */
				fmt_emit(&s, start, (size_t)(p - start));
			} else {
				char c = (char)va_arg(ap, int);

				fmt_text(&s, &sp, &c, 1);
			}
			break;
		case 's':
			if (sp.len == LEN_L) {
				(void)va_arg(ap, void *);
				fmt_emit(&s, start, (size_t)(p - start));
			} else {
				const char *str = va_arg(ap, const char *);

				if (str == NULL)
					str = "(null)";
				/* Precision bounds the read: the string need not be terminated. */
				fmt_text(&s, &sp, str,
					 fmt_strnlen(str, sp.prec < 0 ? SIZE_MAX : (size_t)sp.prec));
			}
			break;
		case 'n':
			(void)va_arg(ap, void *);
			fmt_emit(&s, start, (size_t)(p - start));
			break;
		case '%':
			fmt_emit(&s, "%", 1);
			break;
		default:
			fmt_emit(&s, start, (size_t)(p - start));
			break;
		}
	}

	return s.total > __INT_MAX__ ? -EOVERFLOW : (int)s.total;
}

struct fmt_buf {
	char *buf;
	size_t room;		/* bytes still writable, keeping one for the NUL */
};

static void fmt_buf_out(void *ctx, const char *s, size_t n)
{
	struct fmt_buf *b = ctx;

	if (n > b->room)
		n = b->room;
	if (n == 0)
		return;		/* also keeps a NULL buffer untouched */
	for (size_t i = 0; i < n; i++)
		b->buf[i] = s[i];
	b->buf += n;
	b->room -= n;
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct fmt_buf b = { .buf = buf, .room = 0 };
	int r;

	if (buf == NULL)
		size = 0;
	if (size > 0)
		b.room = size - 1;
	r = fmt_vformat(fmt_buf_out, &b, fmt, ap);
	if (size > 0)
		*b.buf = '\0';
	return r;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return r;
}
