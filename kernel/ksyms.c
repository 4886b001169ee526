/* SPDX-License-Identifier: BSD-2-Clause */
/* Symbol lookup over the table that tools/ksyms.sh generates between the two link passes. */
#include "kernel/ksyms.h"
#include "lib/format.h"
#include "lib/string.h"

/*
 * Table layout (section .ksyms, see tools/ksyms.sh): the count, then sorted
 * 32-bit offsets of each function from _text, then the names, NUL-
 * terminated, in the same order. A lookup walks the names to the one it
 * found: backtraces are rare, and an index would cost 4 bytes a symbol in
 * every image.
 */
extern const uint32_t ksyms_count;
extern const uint32_t ksyms_offsets[];
extern const char ksyms_names[];
extern const char _text[], _etext[];

const char *ksyms_lookup(uint64_t addr, uint64_t *offset)
{
	uint64_t text = (uint64_t)_text;
	uint32_t lo = 0, hi = ksyms_count;
	const char *name;

	if (addr < text || addr >= (uint64_t)_etext || hi == 0)
		return NULL;
	/* Last entry whose offset <= addr - text. */
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (ksyms_offsets[mid] <= addr - text)
			lo = mid;
		else
			hi = mid;
	}
	if (ksyms_offsets[lo] > addr - text)
		return NULL;
	*offset = addr - text - ksyms_offsets[lo];
	name = ksyms_names;
	while (lo--)
		name += strlen(name) + 1;
	return name;
}

void ksyms_format(char *buf, size_t size, uint64_t addr)
{
	uint64_t off;
	const char *name = ksyms_lookup(addr, &off);

	if (name)
		fmt_snprintf(buf, size, "%s+0x%lx", name, off);
	else
		fmt_snprintf(buf, size, "?");
}
