/* SPDX-License-Identifier: BSD-2-Clause */
/* Validation of an x86_64 Linux ELF executable before anything is loaded from it. */
#include <mote/compiler.h>
#include <mote/errno.h>
#include <mote/types.h>

#include "lib/elf.h"

/* Room for "ELF: program header 65535: " and the longest message below. */
static char elf_errbuf[128];

static void elf_fail(const char **err, const char *msg)
{
	if (err)
		*err = msg;
}

/* Prefix msg with the program header number, since a table may hold many. */
static void elf_fail_ph(const char **err, unsigned int i, const char *msg)
{
	static const char head[] = "ELF: program header ";
	char digits[8];
	size_t n = 0, len = 0;

	__builtin_memcpy(elf_errbuf, head, sizeof(head) - 1);
	len = sizeof(head) - 1;
	do {
		digits[n++] = (char)('0' + i % 10);
		i /= 10;
	} while (i && n < sizeof(digits));
	while (n)
		elf_errbuf[len++] = digits[--n];
	elf_errbuf[len++] = ':';
	elf_errbuf[len++] = ' ';
	while (*msg && len < sizeof(elf_errbuf) - 1)
		elf_errbuf[len++] = *msg++;
	elf_errbuf[len] = '\0';
	elf_fail(err, elf_errbuf);
}

static bool is_pow2(uint64_t x)
{
	return x && !(x & (x - 1));
}

/*
 * Copy rather than cast: an image inside a cpio archive is only 4-byte
 * aligned, and the table's position is attacker-chosen.
 */
static void elf_read_phdr(const void *image, uint64_t phoff, unsigned int i,
			  Elf64_Phdr *ph)
{
	__builtin_memcpy(ph, (const char *)image + phoff + (uint64_t)i * sizeof(*ph),
			 sizeof(*ph));
}

static int elf_check_ehdr(const void *image, size_t size, Elf64_Ehdr *eh,
			  const char **err)
{
	if (!image || size < sizeof(*eh)) {
		elf_fail(err, "ELF: file too short for an ELF header");
		return -ENOEXEC;
	}
	__builtin_memcpy(eh, image, sizeof(*eh));

	if (eh->e_ident[EI_MAG0] != ELFMAG0 || eh->e_ident[EI_MAG1] != ELFMAG1 ||
	    eh->e_ident[EI_MAG2] != ELFMAG2 || eh->e_ident[EI_MAG3] != ELFMAG3) {
		elf_fail(err, "ELF: not an ELF file (bad magic)");
		return -ENOEXEC;
	}
	if (eh->e_ident[EI_CLASS] != ELFCLASS64) {
		elf_fail(err, "ELF: not a 64-bit ELF file (EI_CLASS is not ELFCLASS64)");
		return -ENOEXEC;
	}
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB) {
		elf_fail(err, "ELF: not little-endian (EI_DATA is not ELFDATA2LSB)");
		return -ENOEXEC;
	}
	if (eh->e_ident[EI_VERSION] != EV_CURRENT) {
		elf_fail(err, "ELF: unknown ELF version in e_ident (EI_VERSION)");
		return -ENOEXEC;
	}
	if (eh->e_version != EV_CURRENT) {
		elf_fail(err, "ELF: unknown ELF version (e_version)");
		return -ENOEXEC;
	}
	if (eh->e_machine != EM_X86_64) {
		elf_fail(err, "ELF: not an x86_64 executable (e_machine is not EM_X86_64)");
		return -ENOEXEC;
	}
	if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN) {
		elf_fail(err, "ELF: not an executable (e_type is neither ET_EXEC nor ET_DYN)");
		return -ENOEXEC;
	}
	if (eh->e_phentsize != sizeof(Elf64_Phdr)) {
		elf_fail(err, "ELF: program header size (e_phentsize) is not 56");
		return -ENOEXEC;
	}
	if (eh->e_phnum == 0) {
		elf_fail(err, "ELF: no program headers (e_phnum is 0)");
		return -ENOEXEC;
	}
	/* gABI: PN_XNUM moves the real count to section header 0; executables never need it. */
	if (eh->e_phnum == PN_XNUM) {
		elf_fail(err, "ELF: too many program headers (e_phnum is PN_XNUM)");
		return -ENOEXEC;
	}
	/* e_phnum < 0xffff, so the product cannot overflow; only the sum can. */
	uint64_t tbl = (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr);
	if (eh->e_phoff > size || tbl > size - eh->e_phoff) {
		elf_fail(err, "ELF: program header table past end of file");
		return -ENOEXEC;
	}
	return 0;
}

/* True when [va, va + len) lies inside the memory of one PT_LOAD. */
static bool elf_in_load(const struct elf_info *info, vaddr_t va, uint64_t len)
{
	unsigned int idx = 0;
	Elf64_Phdr ph;

	while (elf_next_load(info, &idx, &ph)) {
		if (va >= ph.p_vaddr && va - ph.p_vaddr <= ph.p_memsz &&
		    len <= ph.p_memsz - (va - ph.p_vaddr))
			return true;
	}
	return false;
}

/* Where the table at file offset phoff appears in memory, from the PT_LOAD holding it. */
static bool elf_phdr_from_load(const struct elf_info *info, vaddr_t *va)
{
	uint64_t len = (uint64_t)info->phnum * info->phentsize;
	unsigned int idx = 0;
	Elf64_Phdr ph;

	while (elf_next_load(info, &idx, &ph)) {
		if (info->phoff >= ph.p_offset &&
		    info->phoff - ph.p_offset <= ph.p_filesz &&
		    len <= ph.p_filesz - (info->phoff - ph.p_offset)) {
			*va = ph.p_vaddr + (info->phoff - ph.p_offset);
			return true;
		}
	}
	return false;
}

int elf_check(const void *image, size_t size, struct elf_info *info,
	      const char **err)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	int r;

	__builtin_memset(info, 0, sizeof(*info));
	r = elf_check_ehdr(image, size, &eh, err);
	if (r)
		return r;

	info->image = image;
	info->size = size;
	info->type = eh.e_type;
	info->entry = eh.e_entry;
	info->phoff = eh.e_phoff;
	info->phnum = eh.e_phnum;
	info->phentsize = eh.e_phentsize;
	info->max_align = 1;

	/* ET_DYN addresses are offsets from a base chosen later; only the top is bounded. */
	vaddr_t user_min = eh.e_type == ET_EXEC ? ELF_USER_MIN : 0;
	bool have_phdr = false, have_load = false;
	vaddr_t prev_vaddr = 0, prev_end = 0;

	for (unsigned int i = 0; i < eh.e_phnum; i++) {
		elf_read_phdr(image, eh.e_phoff, i, &ph);

		switch (ph.p_type) {
		case PT_INTERP:
			elf_fail(err, "ELF: dynamically linked executables are not supported yet (PT_INTERP)");
			return -ENOEXEC;
		case PT_PHDR:
			if (have_phdr) {
				elf_fail_ph(err, i, "more than one PT_PHDR");
				return -ENOEXEC;
			}
			have_phdr = true;
			info->phdr_vaddr = ph.p_vaddr;
			continue;
		case PT_TLS:
			if (info->has_tls) {
				elf_fail_ph(err, i, "more than one PT_TLS");
				return -ENOEXEC;
			}
			if (ph.p_filesz > ph.p_memsz) {
				elf_fail_ph(err, i, "TLS file size larger than memory size");
				return -ENOEXEC;
			}
			if (ph.p_vaddr > UINT64_MAX - ph.p_memsz) {
				elf_fail_ph(err, i, "TLS address range wraps around");
				return -ENOEXEC;
			}
			if (ph.p_align > 1 && !is_pow2(ph.p_align)) {
				elf_fail_ph(err, i, "TLS alignment is not a power of two");
				return -ENOEXEC;
			}
			info->has_tls = true;
			info->tls_vaddr = ph.p_vaddr;
			info->tls_filesz = ph.p_filesz;
			info->tls_memsz = ph.p_memsz;
			info->tls_align = ph.p_align ? ph.p_align : 1;
			continue;
		case PT_GNU_STACK:
			info->has_gnu_stack = true;
			info->stack_flags = ph.p_flags;
			info->stack_exec = (ph.p_flags & PF_X) != 0;
			continue;
		case PT_LOAD:
			break;
		default:
			continue;
		}

		if (ph.p_filesz > ph.p_memsz) {
			elf_fail_ph(err, i, "file size larger than memory size");
			return -ENOEXEC;
		}
		if (ph.p_offset > size || ph.p_filesz > size - ph.p_offset) {
			elf_fail_ph(err, i, "file range past end of file");
			return -ENOEXEC;
		}
		/* gABI: p_align is 0, 1 or a power of two, and p_vaddr == p_offset modulo it. */
		if (ph.p_align > 1 && !is_pow2(ph.p_align)) {
			elf_fail_ph(err, i, "alignment is not a power of two");
			return -ENOEXEC;
		}
		if (ph.p_align >= PAGE_SIZE &&
		    (ph.p_vaddr % PAGE_SIZE) != (ph.p_offset % PAGE_SIZE)) {
			elf_fail_ph(err, i, "address and file offset differ modulo the page size");
			return -ENOEXEC;
		}
		if (ph.p_vaddr > UINT64_MAX - ph.p_memsz) {
			elf_fail_ph(err, i, "address range wraps around");
			return -ENOEXEC;
		}
		/* An empty segment maps nothing; it only had to be well-formed. */
		if (ph.p_memsz == 0)
			continue;

		vaddr_t end = ph.p_vaddr + ph.p_memsz;
		if (ALIGN_DOWN(ph.p_vaddr, PAGE_SIZE) < user_min || end > ELF_USER_END) {
			elf_fail_ph(err, i, "segment outside the user address range");
			return -ENOEXEC;
		}
		/* gABI: loadable segments appear in ascending p_vaddr order. */
		if (have_load && ph.p_vaddr < prev_end) {
			elf_fail_ph(err, i, ph.p_vaddr < prev_vaddr ?
				    "PT_LOAD segments not sorted by address" :
				    "segment overlaps the previous PT_LOAD");
			return -ENOEXEC;
		}
		if (!have_load)
			info->lo = ALIGN_DOWN(ph.p_vaddr, PAGE_SIZE);
		have_load = true;
		prev_vaddr = ph.p_vaddr;
		prev_end = end;
		info->hi = ALIGN_UP(end, PAGE_SIZE);
		info->nload++;
		if (ph.p_align > info->max_align)
			info->max_align = ph.p_align;
	}

	if (!have_load) {
		elf_fail(err, "ELF: no loadable segment (PT_LOAD)");
		return -ENOEXEC;
	}

	/* Both musl's static TLS setup and static-pie self-relocation read the table through AT_PHDR. */
	if (have_phdr) {
		if (!elf_in_load(info, info->phdr_vaddr,
				 (uint64_t)info->phnum * info->phentsize)) {
			elf_fail(err, "ELF: PT_PHDR is not inside a loadable segment");
			return -ENOEXEC;
		}
	} else if (!elf_phdr_from_load(info, &info->phdr_vaddr)) {
		elf_fail(err, "ELF: program header table is not inside a loadable segment");
		return -ENOEXEC;
	}

	if (info->has_tls && !elf_in_load(info, info->tls_vaddr, info->tls_filesz)) {
		elf_fail(err, "ELF: TLS initialisation image (PT_TLS) is not inside a loadable segment");
		return -ENOEXEC;
	}

	/* The entry must be an executable byte that the image actually defines. */
	unsigned int idx = 0;
	bool entry_ok = false;
	while (elf_next_load(info, &idx, &ph)) {
		if ((ph.p_flags & PF_X) && info->entry >= ph.p_vaddr &&
		    info->entry - ph.p_vaddr < ph.p_memsz) {
			entry_ok = true;
			break;
		}
	}
	if (!entry_ok) {
		elf_fail(err, "ELF: entry point is not inside an executable PT_LOAD segment");
		return -ENOEXEC;
	}
	return 0;
}

bool elf_next_load(const struct elf_info *info, unsigned int *idx,
		   Elf64_Phdr *ph)
{
	while (*idx < info->phnum) {
		elf_read_phdr(info->image, info->phoff, (*idx)++, ph);
		if (ph->p_type == PT_LOAD && ph->p_memsz != 0)
			return true;
	}
	return false;
}
