/* SPDX-License-Identifier: BSD-2-Clause */
/* Application memory on the page tables: eager zero-filled 4 KiB pages (demand paging comes with the VMA tree). */
#include <mote/compiler.h>
#include <mote/errno.h>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/paging.h"
#include "kernel/page_alloc.h"
#include "kernel/uvm.h"
#include "lib/string.h"

static uint64_t mapped_bytes;

static bool user_range_ok(vaddr_t va, size_t len)
{
	return IS_ALIGNED(va | len, PAGE_SIZE) && len && va >= PAGE_SIZE &&
	       va < USER_TOP && len <= USER_TOP - va;
}

static unsigned int prot_flags(int prot)
{
	unsigned int f = 0;

	if (prot & PROT_WRITE)
		f |= PG_WRITE;
	if (prot & PROT_EXEC)
		f |= PG_EXEC;
	return f;
}

static void release(paddr_t pa, uint64_t size)
{
	page_free(pa, size == PAGE_SIZE ? 0 : size == LARGE_PAGE_SIZE ? 9 : 18);
	mapped_bytes -= size;
}

int uvm_map(vaddr_t va, size_t len, int prot)
{
	if (!user_range_ok(va, len))
		return -EINVAL;
	for (size_t off = 0; off < len; off += PAGE_SIZE) {
		paddr_t pa;
		int r;

		pa = page_alloc(0);
		if (pa == PADDR_INVALID) {
			uvm_unmap(va, off);
			return -ENOMEM;
		}
		memset(phys_to_virt(pa), 0, PAGE_SIZE);
		r = pt_map(va + off, pa, PAGE_SIZE, prot_flags(prot) | PG_WRITE);	/* -EEXIST if mapped */
		if (r) {
			page_free(pa, 0);
			uvm_unmap(va, off);
			return r;
		}
		mapped_bytes += PAGE_SIZE;
	}
	return 0;
}

int uvm_protect(vaddr_t va, size_t len, int prot)
{
	if (!user_range_ok(va, len))
		return -EINVAL;
	return pt_protect(va, len, prot_flags(prot));
}

int uvm_unmap(vaddr_t va, size_t len)
{
	if (len == 0)
		return 0;
	if (!user_range_ok(va, len))
		return -EINVAL;
	return pt_unmap(va, len, release);
}

uint64_t uvm_mapped_bytes(void)
{
	return mapped_bytes;
}

#define MAX_RESERVATIONS 64

static struct reservation {
	vaddr_t start, end;
	int prot;
} res[MAX_RESERVATIONS];
static int nres;

int uvm_reserve(vaddr_t va, size_t len, int prot)
{
	if (!user_range_ok(va, len))
		return -EINVAL;
	if (uvm_reserved(va, len))
		return -EEXIST;
	if (nres == MAX_RESERVATIONS)
		return -ENOMEM;
	res[nres++] = (struct reservation){ va, va + len, prot };
	return 0;
}

bool uvm_reserved(vaddr_t va, size_t len)
{
	for (int i = 0; i < nres; i++)
		if (va < res[i].end && res[i].start < va + len)
			return true;
	return false;
}

int uvm_release(vaddr_t va, size_t len)
{
	vaddr_t end = va + len;

	if (!user_range_ok(va, len))
		return -EINVAL;
	for (int i = 0; i < nres; i++) {
		struct reservation *r = &res[i];

		if (end <= r->start || r->end <= va)
			continue;
		if (va > r->start && end < r->end) {
			/* A hole in the middle: split in two. */
			if (nres == MAX_RESERVATIONS)
				return -ENOMEM;
			res[nres++] = (struct reservation){ end, r->end, r->prot };
			r->end = va;
		} else if (va > r->start) {
			r->end = va;
		} else if (end < r->end) {
			r->start = end;
		} else {
			res[i--] = res[--nres];
		}
	}
	return uvm_unmap(va, len);
}

bool uvm_fault(vaddr_t addr, bool write)
{
	vaddr_t page = ALIGN_DOWN(addr, PAGE_SIZE);

	for (int i = 0; i < nres; i++) {
		if (addr < res[i].start || addr >= res[i].end)
			continue;
		if (write && !(res[i].prot & PROT_WRITE))
			return false;
		if (!(res[i].prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
			return false;
		if (uvm_map(page, PAGE_SIZE, res[i].prot))
			return false;
		return uvm_protect(page, PAGE_SIZE, res[i].prot) == 0;
	}
	return false;
}
