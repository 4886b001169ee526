/* SPDX-License-Identifier: BSD-2-Clause */
/* ELF64 layouts and a validator for an x86_64 Linux executable held in memory. */
#ifndef LIB_ELF_H
#define LIB_ELF_H

#include <mote/types.h>

/* System V gABI, "ELF Header": e_ident indexes and values. */
#define EI_MAG0		0
#define EI_MAG1		1
#define EI_MAG2		2
#define EI_MAG3		3
#define EI_CLASS	4
#define EI_DATA		5
#define EI_VERSION	6
#define EI_OSABI	7
#define EI_ABIVERSION	8
#define EI_NIDENT	16

#define ELFMAG0		0x7f
#define ELFMAG1		'E'
#define ELFMAG2		'L'
#define ELFMAG3		'F'

#define ELFCLASS32	1
#define ELFCLASS64	2
#define ELFDATA2LSB	1
#define ELFDATA2MSB	2
#define EV_CURRENT	1

/* gABI e_type */
#define ET_NONE		0
#define ET_REL		1
#define ET_EXEC		2
#define ET_DYN		3
#define ET_CORE		4

/* gABI e_machine (x86_64 psABI §4.1.1) */
#define EM_X86_64	62

/* gABI "Program Header": with more headers than this, the count is elsewhere. */
#define PN_XNUM		0xffff

/* gABI p_type, plus the GNU extensions that matter to a loader. */
#define PT_NULL		0
#define PT_LOAD		1
#define PT_DYNAMIC	2
#define PT_INTERP	3
#define PT_NOTE		4
#define PT_SHLIB	5
#define PT_PHDR		6
#define PT_TLS		7
#define PT_GNU_EH_FRAME	0x6474e550
#define PT_GNU_STACK	0x6474e551
#define PT_GNU_RELRO	0x6474e552
#define PT_GNU_PROPERTY	0x6474e553

/* gABI p_flags */
#define PF_X		0x1
#define PF_W		0x2
#define PF_R		0x4

typedef uint64_t Elf64_Addr;
typedef uint64_t Elf64_Off;
typedef uint16_t Elf64_Half;
typedef uint32_t Elf64_Word;
typedef int32_t  Elf64_Sword;
typedef uint64_t Elf64_Xword;
typedef int64_t  Elf64_Sxword;

/* gABI "ELF Header" (64 bytes) */
typedef struct {
	unsigned char e_ident[EI_NIDENT];
	Elf64_Half e_type;
	Elf64_Half e_machine;
	Elf64_Word e_version;
	Elf64_Addr e_entry;
	Elf64_Off e_phoff;
	Elf64_Off e_shoff;
	Elf64_Word e_flags;
	Elf64_Half e_ehsize;
	Elf64_Half e_phentsize;
	Elf64_Half e_phnum;
	Elf64_Half e_shentsize;
	Elf64_Half e_shnum;
	Elf64_Half e_shstrndx;
} Elf64_Ehdr;

/* gABI "Program Header" (56 bytes) */
typedef struct {
	Elf64_Word p_type;
	Elf64_Word p_flags;
	Elf64_Off p_offset;
	Elf64_Addr p_vaddr;
	Elf64_Addr p_paddr;
	Elf64_Xword p_filesz;
	Elf64_Xword p_memsz;
	Elf64_Xword p_align;
} Elf64_Phdr;

_Static_assert(sizeof(Elf64_Ehdr) == 64, "gABI: Elf64_Ehdr is 64 bytes");
_Static_assert(sizeof(Elf64_Phdr) == 56, "gABI: Elf64_Phdr is 56 bytes");

/*
 * Where an application may live: the lower half (DESIGN.md, memory map),
 * above the first 64 KiB so that a NULL dereference with an offset still
 * faults (Linux's default vm.mmap_min_addr is 64 KiB).
 */
#define ELF_USER_MIN	((vaddr_t)0x10000)
#define ELF_USER_END	((vaddr_t)0x800000000000)

/* What elf_check learnt; addresses of an ET_DYN image are relative to base 0. */
struct elf_info {
	const void *image;		/* the checked image, for elf_next_load() */
	size_t size;
	uint16_t type;			/* ET_EXEC or ET_DYN */
	vaddr_t entry;
	vaddr_t lo;			/* lowest PT_LOAD address, page-aligned down */
	vaddr_t hi;			/* highest PT_LOAD end, page-aligned up */
	uint64_t max_align;		/* largest PT_LOAD p_align (power of two, >= 1) */
	vaddr_t phdr_vaddr;		/* where the program headers are in memory */
	uint64_t phoff;
	uint16_t phnum;
	uint16_t phentsize;
	unsigned int nload;		/* PT_LOAD entries with p_memsz != 0 */
	bool has_tls;
	vaddr_t tls_vaddr;
	uint64_t tls_filesz;
	uint64_t tls_memsz;
	uint64_t tls_align;
	bool has_gnu_stack;
	uint32_t stack_flags;		/* PT_GNU_STACK p_flags, 0 when absent */
	bool stack_exec;		/* PT_GNU_STACK asks for PF_X */
};

/*
 * Validate an x86_64 Linux executable (ET_EXEC, or ET_DYN as static-pie).
 * Returns 0 and fills *info, or a negative errno (-ENOEXEC for a malformed or
 * unsupported image) with *err naming the fault. Messages that name a program
 * header number live in a static buffer valid until the next failing call;
 * the rest are string literals.
 */
int elf_check(const void *image, size_t size, struct elf_info *info,
	      const char **err);

/*
 * Iterate the non-empty PT_LOAD entries of a checked image in address order:
 * start with *idx = 0; each call copies the next one into *ph and returns
 * true, or returns false at the end.
 */
bool elf_next_load(const struct elf_info *info, unsigned int *idx,
		   Elf64_Phdr *ph);

#endif
