/* SPDX-License-Identifier: BSD-2-Clause */
/* mkmultiboot: turns the kernel ELF64 into a flat multiboot (v1) image using the a.out kludge. */

/*
 * QEMU treats any kernel with a multiboot header in its first 8 KiB as
 * multiboot and then refuses an ELF64, so the PVH kernel ELF carries only
 * an empty 48-byte slot (symbol multiboot_header_slot) and this tool writes
 * the real header into a flat copy of the physical image. Header flag bit
 * 16 makes the loader take the load addresses from the header instead of
 * parsing the file (Multiboot Specification 0.6.96 §3.1.1-§3.1.3).
 *
 * Usage: mkmultiboot KERNEL.elf OUT.mb. Exit status 0 on success, 1 on
 * bad input or I/O failure (with a message naming what is wrong).
 */

#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Multiboot 0.6.96 §3.1.1 "The layout of Multiboot header". */
#define MB_MAGIC		0x1BADB002u
#define MB_PAGE_ALIGN		(1u << 0)	/* modules on page boundaries */
#define MB_MEMORY_INFO		(1u << 1)	/* mem_* and mmap_* wanted */
#define MB_AOUT_KLUDGE		(1u << 16)	/* address fields are valid */
#define MB_FLAGS		(MB_PAGE_ALIGN | MB_MEMORY_INFO | MB_AOUT_KLUDGE)
#define MB_HEADER_SIZE		48	/* through the graphics fields */
#define MB_SEARCH_LIMIT		8192	/* §3.1.2: header within first 8 KiB */

#define SLOT_SYMBOL		"multiboot_header_slot"
#define ENTRY_SYMBOL		"multiboot_entry"

/* A sanity bound: more than this means segments far apart, not a kernel. */
#define MAX_IMAGE		(256u << 20)
#define MAX_SEGMENTS		64

static const char *in_path;

static void die(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mkmultiboot: %s: ", in_path ? in_path : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static uint8_t *file;
static size_t file_size;

/* True when [off, off + len) lies inside the input file (overflow-safe). */
static bool in_file(uint64_t off, uint64_t len)
{
	return off <= file_size && len <= file_size - off;
}

static void read_input(void)
{
	struct stat st;
	int fd = open(in_path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0)
		die("%s", strerror(errno));
	if (!S_ISREG(st.st_mode))
		die("not a regular file");
	if ((uint64_t)st.st_size > 1024ULL << 20)
		die("too large (%lld bytes) for a kernel", (long long)st.st_size);
	file_size = (size_t)st.st_size;
	file = malloc(file_size ? file_size : 1);
	if (!file)
		die("out of memory");
	for (size_t done = 0; done < file_size;) {
		ssize_t n = read(fd, file + done, file_size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("read: %s", n < 0 ? strerror(errno) : "file shrank");
		done += (size_t)n;
	}
	close(fd);
}

struct segment {
	uint64_t vaddr, paddr, filesz, memsz, offset;
};

static struct segment seg[MAX_SEGMENTS];
static size_t nseg;
static Elf64_Ehdr eh;

/* ELF-64 Object File Format 1.5, "File Header" and "Program Header". */
static void parse_headers(void)
{
	if (file_size < sizeof(eh))
		die("not an ELF file (only %zu bytes)", file_size);
	memcpy(&eh, file, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
		die("not an ELF file (bad magic)");
	if (eh.e_ident[EI_CLASS] != ELFCLASS64)
		die("not a 64-bit ELF (EI_CLASS %u)", eh.e_ident[EI_CLASS]);
	if (eh.e_ident[EI_DATA] != ELFDATA2LSB)
		die("not a little-endian ELF");
	if (eh.e_machine != EM_X86_64)
		die("not an x86_64 ELF (e_machine %u)", eh.e_machine);
	if (eh.e_type != ET_EXEC)
		die("not an executable ELF (e_type %u)", eh.e_type);
	if (eh.e_phentsize != sizeof(Elf64_Phdr))
		die("bad e_phentsize %u", eh.e_phentsize);
	if (eh.e_phnum == 0 || eh.e_phnum == PN_XNUM)
		die("unsupported e_phnum %u", eh.e_phnum);
	if (!in_file(eh.e_phoff, (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr)))
		die("program headers lie outside the file");

	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, file + eh.e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		if (ph.p_filesz > ph.p_memsz)
			die("segment %u: p_filesz 0x%" PRIx64 " > p_memsz 0x%" PRIx64,
			    i, (uint64_t)ph.p_filesz, (uint64_t)ph.p_memsz);
		if (!in_file(ph.p_offset, ph.p_filesz))
			die("segment %u: file data at 0x%" PRIx64 "+0x%" PRIx64
			    " lies outside the file (%zu bytes)", i,
			    (uint64_t)ph.p_offset, (uint64_t)ph.p_filesz, file_size);
		/* Multiboot loads in 32-bit protected mode: everything below 4 GiB. */
		if (ph.p_paddr > UINT32_MAX || ph.p_memsz > UINT32_MAX - ph.p_paddr)
			die("segment %u: physical range [0x%" PRIx64 ", +0x%" PRIx64
			    ") does not fit in 32 bits", i, (uint64_t)ph.p_paddr,
			    (uint64_t)ph.p_memsz);
		if (ph.p_memsz > UINT64_MAX - ph.p_vaddr)
			die("segment %u: virtual range wraps around", i);
		if (nseg == MAX_SEGMENTS)
			die("more than %d PT_LOAD segments", MAX_SEGMENTS);
		for (size_t j = 0; j < nseg; j++)
			if (ph.p_paddr < seg[j].paddr + seg[j].memsz &&
			    seg[j].paddr < ph.p_paddr + ph.p_memsz)
				die("segment %u [0x%" PRIx64 ", +0x%" PRIx64 ") overlaps"
				    " another PT_LOAD segment [0x%" PRIx64 ", +0x%"
				    PRIx64 ") in physical memory", i,
				    (uint64_t)ph.p_paddr, (uint64_t)ph.p_memsz,
				    seg[j].paddr, seg[j].memsz);
		seg[nseg++] = (struct segment){ ph.p_vaddr, ph.p_paddr, ph.p_filesz,
						ph.p_memsz, ph.p_offset };
	}
	if (nseg == 0)
		die("no loadable (PT_LOAD) segments");
}

/*
 * Looks a symbol up in .symtab (the SHT_SYMTAB section; its sh_link names
 * the string table). Returns false when absent; dies on a malformed table.
 */
static bool find_symbol(const char *name, Elf64_Sym *out)
{
	Elf64_Shdr sh, strsh;
	bool have_symtab = false;

	if (eh.e_shnum == 0)
		die("no section headers, so no symbol table (was it stripped?)");
	if (eh.e_shentsize != sizeof(Elf64_Shdr))
		die("bad e_shentsize %u", eh.e_shentsize);
	if (!in_file(eh.e_shoff, (uint64_t)eh.e_shnum * sizeof(Elf64_Shdr)))
		die("section headers lie outside the file");
	for (unsigned i = 0; i < eh.e_shnum; i++) {
		memcpy(&sh, file + eh.e_shoff + (uint64_t)i * sizeof(sh), sizeof(sh));
		if (sh.sh_type == SHT_SYMTAB) {
			have_symtab = true;
			break;
		}
	}
	if (!have_symtab)
		die("no symbol table (.symtab); the kernel must not be stripped");
	if (sh.sh_entsize != sizeof(Elf64_Sym))
		die(".symtab: bad sh_entsize %" PRIu64, (uint64_t)sh.sh_entsize);
	if (!in_file(sh.sh_offset, sh.sh_size))
		die(".symtab lies outside the file");
	if (sh.sh_link == 0 || sh.sh_link >= eh.e_shnum)
		die(".symtab: bad string table index %u", sh.sh_link);
	memcpy(&strsh, file + eh.e_shoff + (uint64_t)sh.sh_link * sizeof(strsh),
	       sizeof(strsh));
	if (strsh.sh_type != SHT_STRTAB)
		die(".symtab: section %u is not a string table", sh.sh_link);
	if (!in_file(strsh.sh_offset, strsh.sh_size) || strsh.sh_size == 0)
		die(".strtab lies outside the file or is empty");

	const char *strtab = (const char *)file + strsh.sh_offset;
	size_t namelen = strlen(name);

	for (uint64_t off = 0; off + sizeof(Elf64_Sym) <= sh.sh_size;
	     off += sizeof(Elf64_Sym)) {
		Elf64_Sym sym;

		memcpy(&sym, file + sh.sh_offset + off, sizeof(sym));
		if (sym.st_name >= strsh.sh_size)
			die(".symtab: symbol at index %" PRIu64 " has a name outside"
			    " .strtab", off / sizeof(Elf64_Sym));
		/* Compare within the table: the last string may lack its NUL. */
		if (strsh.sh_size - sym.st_name > namelen &&
		    memcmp(strtab + sym.st_name, name, namelen + 1) == 0 &&
		    sym.st_shndx != SHN_UNDEF) {
			*out = sym;
			return true;
		}
	}
	return false;
}

/*
 * Translates a symbol's link-time (virtual) address to the physical
 * address it is loaded at, requiring len bytes of file data there.
 */
static uint64_t sym_to_paddr(const char *name, uint64_t vaddr, uint64_t len)
{
	for (size_t j = 0; j < nseg; j++) {
		if (vaddr >= seg[j].vaddr && vaddr - seg[j].vaddr < seg[j].memsz) {
			uint64_t off = vaddr - seg[j].vaddr;

			if (off > seg[j].filesz || len > seg[j].filesz - off)
				die("symbol %s (0x%" PRIx64 ") is not backed by file"
				    " data (it is in a bss area)", name, vaddr);
			return seg[j].paddr + off;
		}
	}
	die("symbol %s (0x%" PRIx64 ") is not inside any PT_LOAD segment",
	    name, vaddr);
}

static void put32(uint8_t *p, uint32_t v)
{
	/* The header is little-endian like the CPU that reads it. */
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void write_output(const char *out_path, const uint8_t *img, size_t size)
{
	char *tmp;
	int fd;

	/* Write beside the target and rename, so a failure leaves no half image. */
	if (asprintf(&tmp, "%s.tmp.%ld", out_path, (long)getpid()) < 0)
		die("out of memory");
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		in_path = tmp;
		die("%s", strerror(errno));
	}
	for (size_t done = 0; done < size;) {
		ssize_t n = write(fd, img + done, size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			unlink(tmp);
			in_path = tmp;
			die("write: %s", strerror(errno));
		}
		done += (size_t)n;
	}
	if (close(fd) < 0 || rename(tmp, out_path) < 0) {
		unlink(tmp);
		in_path = out_path;
		die("%s", strerror(errno));
	}
	free(tmp);
}

int main(int argc, char **argv)
{
	Elf64_Sym slot_sym, entry_sym;
	uint64_t load = UINT64_MAX, load_end = 0, bss_end = 0;
	uint64_t slot, entry, hdr_off;
	uint8_t *img;
	size_t size;

	if (argc != 3) {
		fprintf(stderr, "usage: mkmultiboot KERNEL.elf OUT.mb\n");
		return 1;
	}
	in_path = argv[1];
	read_input();
	parse_headers();

	for (size_t j = 0; j < nseg; j++) {
		if (seg[j].paddr < load)
			load = seg[j].paddr;
		if (seg[j].filesz && seg[j].paddr + seg[j].filesz > load_end)
			load_end = seg[j].paddr + seg[j].filesz;
		if (seg[j].paddr + seg[j].memsz > bss_end)
			bss_end = seg[j].paddr + seg[j].memsz;
	}
	if (load_end == 0)
		die("no PT_LOAD segment has file data");
	if (load_end - load > MAX_IMAGE)
		die("the flat image would be %" PRIu64 " bytes (segments from 0x%"
		    PRIx64 " to 0x%" PRIx64 "); more than %u MiB", load_end - load,
		    load, load_end, MAX_IMAGE >> 20);

	if (!find_symbol(SLOT_SYMBOL, &slot_sym))
		die("no symbol %s (the 48-byte multiboot header slot)", SLOT_SYMBOL);
	if (!find_symbol(ENTRY_SYMBOL, &entry_sym))
		die("no symbol %s (the 32-bit multiboot entry)", ENTRY_SYMBOL);
	if (slot_sym.st_size != 0 && slot_sym.st_size != MB_HEADER_SIZE)
		die("symbol %s is %" PRIu64 " bytes, expected %d", SLOT_SYMBOL,
		    (uint64_t)slot_sym.st_size, MB_HEADER_SIZE);
	slot = sym_to_paddr(SLOT_SYMBOL, slot_sym.st_value, MB_HEADER_SIZE);
	entry = sym_to_paddr(ENTRY_SYMBOL, entry_sym.st_value, 1);
	if (slot % 4)
		die("%s at physical 0x%" PRIx64 " is not 4-byte aligned"
		    " (Multiboot 0.6.96 §3.1.2)", SLOT_SYMBOL, slot);
	hdr_off = slot - load;
	if (hdr_off + MB_HEADER_SIZE > MB_SEARCH_LIMIT)
		die("%s at physical 0x%" PRIx64 " is at offset 0x%" PRIx64 " of the"
		    " flat image; the header must lie within its first %d bytes"
		    " (Multiboot 0.6.96 §3.1.2)", SLOT_SYMBOL, slot, hdr_off,
		    MB_SEARCH_LIMIT);
	if (entry < load || entry >= load_end)
		die("%s (physical 0x%" PRIx64 ") is outside the loaded image",
		    ENTRY_SYMBOL, entry);

	size = (size_t)(load_end - load);
	img = calloc(1, size);
	if (!img)
		die("out of memory for a %zu-byte image", size);
	/* Gaps between segments and bss inside the image stay zero. */
	for (size_t j = 0; j < nseg; j++)
		memcpy(img + (seg[j].paddr - load), file + seg[j].offset,
		       seg[j].filesz);

	for (unsigned i = 0; i < MB_HEADER_SIZE; i++)
		if (img[hdr_off + i]) {
			free(img);
			die("%s is not zero-filled (does the ELF already carry a"
			    " multiboot header?)", SLOT_SYMBOL);
		}
	/*
	 * A loader takes the first aligned magic with a valid checksum, so
	 * nothing earlier in the image may look like a header.
	 */
	for (uint64_t off = 0; off + 12 <= hdr_off; off += 4)
		if (get32(img + off) == MB_MAGIC &&
		    get32(img + off) + get32(img + off + 4) + get32(img + off + 8) == 0) {
			free(img);
			die("the image already has a multiboot header at offset 0x%"
			    PRIx64, off);
		}

	uint8_t *h = img + hdr_off;

	/* Multiboot 0.6.96 §3.1.1 (offsets 0-8) and §3.1.3 (12-28). */
	put32(h + 0, MB_MAGIC);
	put32(h + 4, MB_FLAGS);
	put32(h + 8, (uint32_t)-(MB_MAGIC + MB_FLAGS));
	put32(h + 12, (uint32_t)slot);		/* header_addr */
	put32(h + 16, (uint32_t)load);		/* load_addr */
	put32(h + 20, (uint32_t)load_end);	/* load_end_addr */
	put32(h + 24, (uint32_t)bss_end);	/* bss_end_addr */
	put32(h + 28, (uint32_t)entry);		/* entry_addr */
	/* 32-47: graphics fields, unused since flag bit 2 is clear. */

	write_output(argv[2], img, size);
	free(img);
	printf("mkmultiboot: %s: load 0x%" PRIx64 "-0x%" PRIx64 ", bss end 0x%"
	       PRIx64 ", entry 0x%" PRIx64 ", header at 0x%" PRIx64 "\n",
	       argv[2], load, load_end, bss_end, entry, slot);
	return 0;
}
