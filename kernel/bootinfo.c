/* SPDX-License-Identifier: BSD-2-Clause */
/* Boot information helpers: memory map normalisation, command line copy, final checks. */
#include <mote/errno.h>

#include "kernel/bootinfo.h"

void bootinfo_init(struct bootinfo *bi, enum bootinfo_protocol protocol)
{
	uint64_t tsc = bi->tsc_entry;

	__builtin_memset(bi, 0, sizeof(*bi));
	bi->protocol = protocol;
	bi->tsc_entry = tsc;
}

int bootinfo_fail(struct bootinfo *bi, const char *msg)
{
	bi->error = msg;
	return -EINVAL;
}

/* Tiny formatter for the few errors worth naming addresses in; no printf here yet. */
static void err_puts(struct bootinfo *bi, size_t *pos, const char *s)
{
	while (*s && *pos + 1 < sizeof(bi->errbuf))
		bi->errbuf[(*pos)++] = *s++;
	bi->errbuf[*pos] = '\0';
}

static void err_puthex(struct bootinfo *bi, size_t *pos, uint64_t v)
{
	char tmp[19];
	int i = (int)sizeof(tmp) - 1;

	tmp[i] = '\0';
	do {
		tmp[--i] = "0123456789abcdef"[v & 0xf];
		v >>= 4;
	} while (v);
	tmp[--i] = 'x';
	tmp[--i] = '0';
	err_puts(bi, pos, &tmp[i]);
}

static void err_putdec(struct bootinfo *bi, size_t *pos, uint64_t v)
{
	char tmp[21];
	int i = (int)sizeof(tmp) - 1;

	tmp[i] = '\0';
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	err_puts(bi, pos, &tmp[i]);
}

/* Which type owns bytes that several ranges claim: RAM loses to everything. */
static int mem_rank(uint32_t type)
{
	switch (type) {
	case BOOTINFO_MEM_RAM:		return 0;
	case BOOTINFO_MEM_ACPI:		return 1;
	case BOOTINFO_MEM_NVS:		return 2;
	case BOOTINFO_MEM_RESERVED:	return 3;
	default:			return 4;	/* unusable */
	}
}

static uint64_t mem_end(const struct bootinfo_mem *m)
{
	return m->base + m->len;
}

/*
 * Sweep over every boundary any range has: each piece between two
 * neighbouring boundaries gets the strongest type covering it. That sorts,
 * resolves overlaps and merges neighbours in one pass, at O(n^2) for n <= 64.
 */
static int mem_normalise(struct bootinfo *bi)
{
	paddr_t pt[2 * BOOTINFO_MAX_MEM];
	struct bootinfo_mem out[BOOTINFO_MAX_MEM];
	unsigned int npt = 0, nout = 0;

	for (unsigned int i = 0; i < bi->nmem; i++) {
		paddr_t v[2] = { bi->mem[i].base, mem_end(&bi->mem[i]) };

		for (int k = 0; k < 2; k++) {
			unsigned int j;
			bool seen = false;

			for (j = 0; j < npt; j++)
				if (pt[j] == v[k])
					seen = true;
			if (seen)
				continue;
			for (j = npt; j > 0 && pt[j - 1] > v[k]; j--)
				pt[j] = pt[j - 1];
			pt[j] = v[k];
			npt++;
		}
	}

	for (unsigned int p = 0; p + 1 < npt; p++) {
		paddr_t a = pt[p], b = pt[p + 1];
		int best = -1;
		uint32_t type = 0;

		for (unsigned int i = 0; i < bi->nmem; i++) {
			const struct bootinfo_mem *m = &bi->mem[i];

			if (m->base <= a && mem_end(m) >= b && mem_rank(m->type) > best) {
				best = mem_rank(m->type);
				type = m->type;
			}
		}
		if (best < 0)
			continue;	/* a hole between ranges */
		if (nout > 0 && out[nout - 1].type == type && mem_end(&out[nout - 1]) == a) {
			out[nout - 1].len += b - a;
			continue;
		}
		if (nout == BOOTINFO_MAX_MEM)
			return bootinfo_fail(bi, "memory map has more than 64 distinct ranges");
		out[nout].base = a;
		out[nout].len = b - a;
		out[nout].type = type;
		nout++;
	}

	__builtin_memcpy(bi->mem, out, nout * sizeof(out[0]));
	bi->nmem = nout;
	return 0;
}

int bootinfo_add_mem(struct bootinfo *bi, paddr_t base, uint64_t len, uint32_t type)
{
	if (len == 0)
		return 0;
	/* Keep base + len representable: the last byte of the address space is lost. */
	if (base + len < base || base + len == 0)
		len = UINT64_MAX - base;
	if (len == 0)
		return 0;
	if (type < BOOTINFO_MEM_RAM || type > BOOTINFO_MEM_UNUSABLE)
		type = BOOTINFO_MEM_RESERVED;

	if (bi->nmem == BOOTINFO_MAX_MEM) {
		/* Firmware maps often repeat or split ranges: compacting may make room. */
		int err = mem_normalise(bi);

		if (err)
			return err;
		if (bi->nmem == BOOTINFO_MAX_MEM)
			return bootinfo_fail(bi, "memory map has more than 64 distinct ranges");
	}
	bi->mem[bi->nmem].base = base;
	bi->mem[bi->nmem].len = len;
	bi->mem[bi->nmem].type = type;
	bi->nmem++;
	return 0;
}

int bootinfo_finish(struct bootinfo *bi)
{
	bool have_ram = false;
	int err = mem_normalise(bi);

	if (err)
		return err;
	for (unsigned int i = 0; i < bi->nmem; i++)
		if (bi->mem[i].type == BOOTINFO_MEM_RAM)
			have_ram = true;
	if (!have_ram)
		return bootinfo_fail(bi, "memory map has no usable RAM");

	if (bi->initrd_size == 0) {
		bi->initrd_base = 0;
		return 0;
	}

	paddr_t ib = bi->initrd_base;
	uint64_t ie = ib + bi->initrd_size;
	bool inside = false;

	/* Address 0 means "no initrd" to every consumer: a size there is a lie. */
	if (ib != 0 && ie > ib) {
		/* Neighbouring RAM ranges were merged, so one range must hold it all. */
		for (unsigned int i = 0; i < bi->nmem; i++) {
			const struct bootinfo_mem *m = &bi->mem[i];

			if (m->type == BOOTINFO_MEM_RAM && m->base <= ib && mem_end(m) >= ie)
				inside = true;
		}
	}
	if (!inside) {
		size_t pos = 0;

		err_puts(bi, &pos, "initrd [");
		err_puthex(bi, &pos, ib);
		err_puts(bi, &pos, ", ");
		err_puthex(bi, &pos, ie);
		err_puts(bi, &pos, ie > ib ? ") lies outside RAM" : ") wraps around");
		return bootinfo_fail(bi, bi->errbuf);
	}
	return 0;
}

int bootinfo_set_cmdline(struct bootinfo *bi, bootinfo_phys_fn phys, void *ctx,
			 paddr_t addr, uint64_t maxlen)
{
	uint64_t window = maxlen < BOOTINFO_CMDLINE_MAX ? maxlen : BOOTINFO_CMDLINE_MAX;
	bool map_limited = false;
	const uint8_t *p;

	bi->cmdline[0] = '\0';
	if (addr == 0)
		return 0;
	if (window == 0)
		return bootinfo_fail(bi, "command line given but the boot protocol allows none");

	/*
	 * Below the boot mapping limit every address is "readable", memory or
	 * not: a pointer past the end of RAM reads bus float (0xff) or device
	 * registers. So once the memory map is known, the line must lie in it.
	 * Any type will do: loaders put boot data in reserved or NVS memory
	 * too (QEMU microvm's qboot passes the PVH command line in NVS).
	 */
	if (bi->nmem > 0) {
		uint64_t room = 0;
		paddr_t at = addr;
		int err = mem_normalise(bi);

		if (err)
			return err;
		/* Sorted and overlap-free: walk the run of touching ranges. */
		for (unsigned int i = 0; i < bi->nmem; i++) {
			const struct bootinfo_mem *m = &bi->mem[i];

			if (m->base <= at && at < mem_end(m)) {
				room += mem_end(m) - at;
				at = mem_end(m);
			}
		}
		if (room == 0) {
			size_t pos = 0;

			err_puts(bi, &pos, "command line at ");
			err_puthex(bi, &pos, addr);
			err_puts(bi, &pos, " lies outside the memory map");
			return bootinfo_fail(bi, bi->errbuf);
		}
		if (room < window) {
			window = room;
			map_limited = true;
		}
	}

	/* Usually the whole window is readable: one accessor call then. */
	p = bootinfo_map(phys, ctx, addr, window);
	for (uint64_t i = 0; i < window; i++) {
		uint8_t c;

		if (p) {
			c = p[i];
		} else {
			/* Near the end of readable memory: go a byte at a time. */
			const uint8_t *b = bootinfo_map(phys, ctx, addr + i, 1);

			if (!b) {
				size_t pos = 0;

				err_puts(bi, &pos, "command line at ");
				err_puthex(bi, &pos, addr);
				err_puts(bi, &pos, " runs off readable memory");
				bi->cmdline[0] = '\0';
				return bootinfo_fail(bi, bi->errbuf);
			}
			c = *b;
		}
		bi->cmdline[i] = (char)c;
		if (c == '\0')
			return 0;
	}

	size_t pos = 0;

	bi->cmdline[0] = '\0';
	if (map_limited) {
		err_puts(bi, &pos, "command line at ");
		err_puthex(bi, &pos, addr);
		err_puts(bi, &pos, " runs off the end of the memory map");
		return bootinfo_fail(bi, bi->errbuf);
	}
	err_puts(bi, &pos, "command line not NUL-terminated within ");
	err_putdec(bi, &pos, window);
	err_puts(bi, &pos, " bytes");
	return bootinfo_fail(bi, bi->errbuf);
}

uint64_t bootinfo_ram_top(const struct bootinfo *bi)
{
	uint64_t top = 0;

	for (unsigned int i = 0; i < bi->nmem; i++)
		if (bi->mem[i].type == BOOTINFO_MEM_RAM && mem_end(&bi->mem[i]) > top)
			top = mem_end(&bi->mem[i]);
	return top;
}
