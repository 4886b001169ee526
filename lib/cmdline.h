/* SPDX-License-Identifier: BSD-2-Clause */
/* Kernel command line: kernel parameters before "--", the application's argv after it. */
#ifndef LIB_CMDLINE_H
#define LIB_CMDLINE_H

#include <stdint.h>
#include <mote/types.h>

#define CMDLINE_MAX_PARAMS	64
#define CMDLINE_MAX_ARGS	64

struct cmdline_param {
	const char *key;
	const char *value;	/* NULL for a bare "key" */
};

struct cmdline {
	struct cmdline_param params[CMDLINE_MAX_PARAMS];
	unsigned nparams;
	char *argv[CMDLINE_MAX_ARGS + 1];	/* NULL-terminated */
	unsigned argc;
};

/*
 * Splits buf in place (it is modified and must outlive cl) into tokens
 * separated by spaces, tabs or newlines. Double quotes group and are removed
 * wherever they appear (key="a b" gives value "a b"; "" is an empty word).
 * Tokens before the first "--" (compared after quote removal, as Linux does)
 * are key=value or bare key parameters, split at the first '='; tokens after
 * it are argv words, later "--" included, except that a token starting
 * with "virtio_mmio.device=" is still a parameter, because QEMU's microvm
 * appends those to the end of the command line.
 *
 * Returns 0, or -EINVAL / -E2BIG with *err (if err is not NULL) naming the
 * problem; on error cl holds what was parsed before it.
 */
int cmdline_parse(char *buf, struct cmdline *cl, const char **err);

/* The value of the last occurrence of key; "" for a bare key; NULL if absent. */
const char *cmdline_get(const struct cmdline *cl, const char *key);

/*
 * Parses key's value as a decimal or 0x-prefixed hex number with an optional
 * K, M or G suffix (binary multiples, either case). Returns 0, -ENOENT when
 * key is absent, -EINVAL when the value is not such a number, or -ERANGE when
 * it does not fit in 64 bits; *out is written only on success.
 */
int cmdline_get_u64(const struct cmdline *cl, const char *key, uint64_t *out);

#endif
