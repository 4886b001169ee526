/* SPDX-License-Identifier: BSD-2-Clause */
/* Host test of the ELF validator: good images, and malformed ones each rejected by name. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/check.h"
#include "lib/elf.h"
#include <mote/errno.h>

#define IMG_SIZE	0x3000
#define NPH		6

/* Program header slots of the model image. */
enum { PH_PHDR, PH_TEXT_R, PH_TEXT_X, PH_DATA, PH_TLS, PH_STACK };

struct img {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[NPH];
	unsigned char *bytes;		/* IMG_SIZE bytes, headers written by img_flush */
	size_t size;
};

/*
 * A typical static executable: a read-only segment holding the headers, text,
 * then data with bss; PT_TLS inside the data, PT_GNU_STACK non-executable.
 * ET_DYN is the same at base 0.
 */
static void img_init(struct img *m, uint16_t type)
{
	vaddr_t b = type == ET_EXEC ? 0x400000 : 0;

	memset(m, 0, sizeof(*m));
	memcpy(m->eh.e_ident, "\177ELF", 4);
	m->eh.e_ident[EI_CLASS] = ELFCLASS64;
	m->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	m->eh.e_ident[EI_VERSION] = EV_CURRENT;
	m->eh.e_type = type;
	m->eh.e_machine = EM_X86_64;
	m->eh.e_version = EV_CURRENT;
	m->eh.e_entry = b + 0x1010;
	m->eh.e_phoff = sizeof(Elf64_Ehdr);
	m->eh.e_ehsize = sizeof(Elf64_Ehdr);
	m->eh.e_phentsize = sizeof(Elf64_Phdr);
	m->eh.e_phnum = NPH;

	m->ph[PH_PHDR] = (Elf64_Phdr){ PT_PHDR, PF_R, 64, b + 64, b + 64,
				       NPH * 56, NPH * 56, 8 };
	m->ph[PH_TEXT_R] = (Elf64_Phdr){ PT_LOAD, PF_R, 0, b, b, 0x800, 0x800, 0x1000 };
	m->ph[PH_TEXT_X] = (Elf64_Phdr){ PT_LOAD, PF_R | PF_X, 0x1000, b + 0x1000,
					 b + 0x1000, 0x800, 0x800, 0x1000 };
	m->ph[PH_DATA] = (Elf64_Phdr){ PT_LOAD, PF_R | PF_W, 0x2000, b + 0x2000,
				       b + 0x2000, 0x100, 0x3000, 0x1000 };
	m->ph[PH_TLS] = (Elf64_Phdr){ PT_TLS, PF_R, 0x2000, b + 0x2000, b + 0x2000,
				      0x10, 0x20, 8 };
	m->ph[PH_STACK] = (Elf64_Phdr){ PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 0, 16 };
	m->size = IMG_SIZE;
}

/* Serialise into a fresh heap buffer of exactly m->size bytes so ASan sees overreads. */
static unsigned char *img_bytes(const struct img *m)
{
	static unsigned char full[IMG_SIZE];
	unsigned char *p;

	memset(full, 0x90, sizeof(full));
	memcpy(full, &m->eh, sizeof(m->eh));
	if (m->eh.e_phoff == 64)
		memcpy(full + 64, m->ph, sizeof(m->ph));
	p = malloc(m->size ? m->size : 1);
	memcpy(p, full, m->size < IMG_SIZE ? m->size : IMG_SIZE);
	return p;
}

static int check_img(const struct img *m, struct elf_info *info, const char **err)
{
	unsigned char *p = img_bytes(m);
	int r;

	*err = NULL;
	r = elf_check(p, m->size, info, err);
	free(p);
	return r;
}

static int nfail;

/* Expect rejection with a message containing want. */
static void expect_bad(const struct img *m, const char *want, int line)
{
	struct elf_info info;
	const char *err;
	int r = check_img(m, &info, &err);

	check_count++;
	if (r != -ENOEXEC || !err || !strstr(err, want)) {
		check_failures++;
		fprintf(stderr, "line %d: want -ENOEXEC \"%s\", got %d \"%s\"\n",
			line, want, r, err ? err : "(null)");
	}
	nfail++;
}
#define BAD(m, want) expect_bad(m, want, __LINE__)

static void test_valid_exec(void)
{
	struct img m;
	struct elf_info info;
	const char *err;

	img_init(&m, ET_EXEC);
	CHECK_EQ(check_img(&m, &info, &err), 0);
	CHECK(err == NULL);
	CHECK_EQ(info.type, ET_EXEC);
	CHECK_EQ(info.entry, 0x401010);
	CHECK_EQ(info.lo, 0x400000);
	CHECK_EQ(info.hi, 0x405000);
	CHECK_EQ(info.phdr_vaddr, 0x400040);
	CHECK_EQ(info.phnum, NPH);
	CHECK_EQ(info.phentsize, 56);
	CHECK_EQ(info.nload, 3);
	CHECK_EQ(info.max_align, 0x1000);
	CHECK(info.has_tls);
	CHECK_EQ(info.tls_vaddr, 0x402000);
	CHECK_EQ(info.tls_filesz, 0x10);
	CHECK_EQ(info.tls_memsz, 0x20);
	CHECK_EQ(info.tls_align, 8);
	CHECK(info.has_gnu_stack);
	CHECK_EQ(info.stack_flags, PF_R | PF_W);
	CHECK(!info.stack_exec);

	/* Without PT_PHDR the table's address comes from the PT_LOAD that holds it. */
	m.ph[PH_PHDR].p_type = PT_NOTE;
	CHECK_EQ(check_img(&m, &info, &err), 0);
	CHECK_EQ(info.phdr_vaddr, 0x400040);

	/* Other types are ignored, an empty PT_LOAD is skipped, an executable stack noticed. */
	img_init(&m, ET_EXEC);
	m.ph[PH_PHDR].p_type = PT_GNU_PROPERTY;
	m.ph[PH_STACK].p_flags = PF_R | PF_W | PF_X;
	m.ph[PH_TLS] = (Elf64_Phdr){ PT_LOAD, PF_R, 0, 0x10000000, 0x10000000, 0, 0, 0x1000 };
	CHECK_EQ(check_img(&m, &info, &err), 0);
	CHECK_EQ(info.nload, 3);
	CHECK_EQ(info.hi, 0x405000);
	CHECK(!info.has_tls);
	CHECK(info.stack_exec);

	/* No PT_GNU_STACK: the stack is not executable (Linux >= 5.8 on x86_64). */
	img_init(&m, ET_EXEC);
	m.eh.e_phnum = NPH - 1;
	CHECK_EQ(check_img(&m, &info, &err), 0);
	CHECK(!info.has_gnu_stack);
	CHECK(!info.stack_exec);

	/* Segments sharing a page (not page-aligned boundaries) are legal. */
	img_init(&m, ET_EXEC);
	m.ph[PH_TEXT_X].p_offset = 0x900;
	m.ph[PH_TEXT_X].p_vaddr = 0x400900;
	m.eh.e_entry = 0x400900;
	m.ph[PH_DATA].p_offset = 0x1234;
	m.ph[PH_DATA].p_vaddr = 0x401234;
	m.ph[PH_TLS].p_vaddr = 0x401234;
	CHECK_EQ(check_img(&m, &info, &err), 0);
	CHECK_EQ(info.hi, 0x405000);

	/* Iteration returns the PT_LOADs in order. */
	img_init(&m, ET_EXEC);
	unsigned char *p = img_bytes(&m);
	CHECK_EQ(elf_check(p, m.size, &info, &err), 0);
	unsigned int idx = 0, n = 0;
	Elf64_Phdr ph;
	vaddr_t want[] = { 0x400000, 0x401000, 0x402000 };
	while (elf_next_load(&info, &idx, &ph)) {
		CHECK(n < 3);
		if (n < 3)
			CHECK_EQ(ph.p_vaddr, want[n]);
		n++;
	}
	CHECK_EQ(n, 3);
	CHECK(!elf_next_load(&info, &idx, &ph));

	/* The image need not be aligned (an initrd cpio entry is 4-byte aligned at best). */
	unsigned char *odd = malloc(m.size + 1);
	memcpy(odd + 1, p, m.size);
	CHECK_EQ(elf_check(odd + 1, m.size, &info, &err), 0);
	free(odd);
	free(p);
}

static void test_valid_dyn(void)
{
	struct img m;
	struct elf_info info;
	const char *err;

	img_init(&m, ET_DYN);
	CHECK_EQ(check_img(&m, &info, &err), 0);
	CHECK_EQ(info.type, ET_DYN);
	CHECK_EQ(info.entry, 0x1010);
	CHECK_EQ(info.lo, 0);
	CHECK_EQ(info.hi, 0x5000);
	CHECK_EQ(info.phdr_vaddr, 0x40);

	/* A large alignment is reported for the loader to honour. */
	m.ph[PH_DATA].p_align = 0x200000;
	CHECK_EQ(check_img(&m, &info, &err), 0);
	CHECK_EQ(info.max_align, 0x200000);
}

static void test_truncated(void)
{
	struct img m;

	img_init(&m, ET_EXEC);
	for (size_t s = 0; s < sizeof(Elf64_Ehdr); s++) {
		m.size = s;
		BAD(&m, "ELF: file too short for an ELF header");
	}
	for (size_t s = sizeof(Elf64_Ehdr); s < 64 + NPH * 56; s++) {
		m.size = s;
		BAD(&m, "ELF: program header table past end of file");
	}
	/* Cut inside the text, then inside the data segment's file bytes. */
	m.size = 0x1400;
	BAD(&m, "ELF: program header 2: file range past end of file");
	m.size = 0x2080;
	BAD(&m, "ELF: program header 3: file range past end of file");
	CHECK(elf_check(NULL, 100, &(struct elf_info){ 0 }, &(const char *){ NULL }) == -ENOEXEC);
}

static void test_header(void)
{
	struct img m;

	for (int i = 0; i < 4; i++) {
		img_init(&m, ET_EXEC);
		m.eh.e_ident[i] ^= 0x20;
		BAD(&m, "ELF: not an ELF file (bad magic)");
	}
	img_init(&m, ET_EXEC);
	m.eh.e_ident[EI_CLASS] = ELFCLASS32;
	BAD(&m, "not a 64-bit ELF file");
	img_init(&m, ET_EXEC);
	m.eh.e_ident[EI_DATA] = ELFDATA2MSB;
	BAD(&m, "not little-endian");
	img_init(&m, ET_EXEC);
	m.eh.e_ident[EI_VERSION] = 0;
	BAD(&m, "(EI_VERSION)");
	img_init(&m, ET_EXEC);
	m.eh.e_version = 2;
	BAD(&m, "(e_version)");
	img_init(&m, ET_EXEC);
	m.eh.e_machine = 3;	/* EM_386 */
	BAD(&m, "not an x86_64 executable");
	img_init(&m, ET_EXEC);
	m.eh.e_type = ET_REL;
	BAD(&m, "not an executable (e_type");
	m.eh.e_type = ET_CORE;
	BAD(&m, "not an executable (e_type");
	img_init(&m, ET_EXEC);
	m.eh.e_phentsize = 32;
	BAD(&m, "e_phentsize");
	img_init(&m, ET_EXEC);
	m.eh.e_phnum = 0;
	BAD(&m, "no program headers");
	m.eh.e_phnum = PN_XNUM;
	BAD(&m, "PN_XNUM");
	img_init(&m, ET_EXEC);
	m.eh.e_phoff = IMG_SIZE - 100;
	BAD(&m, "ELF: program header table past end of file");
	m.eh.e_phoff = IMG_SIZE + 1;
	BAD(&m, "ELF: program header table past end of file");
	m.eh.e_phoff = UINT64_MAX - 63;	/* phoff + table wraps to a small number */
	BAD(&m, "ELF: program header table past end of file");
}

static void test_segments(void)
{
	struct img m;

	img_init(&m, ET_EXEC);
	m.ph[PH_TEXT_X].p_filesz = 0x801;
	BAD(&m, "ELF: program header 2: file size larger than memory size");

	img_init(&m, ET_EXEC);
	m.ph[PH_DATA].p_offset = UINT64_MAX - 0x10;	/* offset + filesz wraps */
	BAD(&m, "ELF: program header 3: file range past end of file");
	img_init(&m, ET_EXEC);
	m.ph[PH_DATA].p_offset = IMG_SIZE + 0x1000;
	m.ph[PH_DATA].p_filesz = 0;
	BAD(&m, "ELF: program header 3: file range past end of file");

	img_init(&m, ET_EXEC);
	m.ph[PH_TEXT_X].p_offset = 0x1008;
	BAD(&m, "ELF: program header 2: address and file offset differ modulo the page size");
	/* With p_align below a page only the gABI's own rule applies, and we copy anyway. */
	m.ph[PH_TEXT_X].p_align = 8;
	struct elf_info info;
	const char *err;
	CHECK_EQ(check_img(&m, &info, &err), 0);

	img_init(&m, ET_EXEC);
	m.ph[PH_TEXT_X].p_align = 0x3000;
	BAD(&m, "ELF: program header 2: alignment is not a power of two");

	img_init(&m, ET_EXEC);
	m.ph[PH_DATA].p_vaddr = UINT64_MAX & ~0xfffULL;
	m.ph[PH_DATA].p_offset = 0x2000;
	BAD(&m, "ELF: program header 3: address range wraps around");

	img_init(&m, ET_EXEC);
	m.ph[PH_DATA].p_vaddr = 0xffffffff80002000ULL;
	BAD(&m, "ELF: program header 3: segment outside the user address range");
	img_init(&m, ET_EXEC);
	m.ph[PH_DATA].p_vaddr = 0x7ffffffff000ULL;	/* ends past the lower half */
	BAD(&m, "ELF: program header 3: segment outside the user address range");
	img_init(&m, ET_EXEC);
	m.ph[PH_TEXT_R].p_vaddr = 0x1000;		/* the NULL guard region */
	BAD(&m, "ELF: program header 1: segment outside the user address range");
	img_init(&m, ET_DYN);
	m.ph[PH_DATA].p_vaddr = 0x800000000000ULL;
	BAD(&m, "ELF: program header 3: segment outside the user address range");

	img_init(&m, ET_EXEC);
	m.ph[PH_TEXT_X].p_vaddr = 0x400400;
	m.ph[PH_TEXT_X].p_offset = 0x400;
	BAD(&m, "ELF: program header 2: segment overlaps the previous PT_LOAD");
	img_init(&m, ET_EXEC);
	m.ph[PH_DATA].p_vaddr = 0x3000;
	m.ph[PH_DATA].p_vaddr = 0x300000;
	BAD(&m, "ELF: program header 3: PT_LOAD segments not sorted by address");

	img_init(&m, ET_EXEC);
	m.eh.e_entry = 0x402000;	/* data, not executable */
	BAD(&m, "ELF: entry point is not inside an executable PT_LOAD segment");
	m.eh.e_entry = 0x400100;	/* readable only */
	BAD(&m, "ELF: entry point is not inside an executable PT_LOAD segment");
	m.eh.e_entry = 0x401800;	/* one past the end of text */
	BAD(&m, "ELF: entry point is not inside an executable PT_LOAD segment");
	m.eh.e_entry = 0;
	BAD(&m, "ELF: entry point is not inside an executable PT_LOAD segment");

	img_init(&m, ET_EXEC);
	m.ph[PH_STACK].p_type = PT_INTERP;
	BAD(&m, "ELF: dynamically linked executables are not supported yet (PT_INTERP)");
	img_init(&m, ET_DYN);
	m.ph[PH_TLS].p_type = PT_INTERP;
	BAD(&m, "ELF: dynamically linked executables are not supported yet (PT_INTERP)");

	img_init(&m, ET_EXEC);
	m.ph[PH_TEXT_R].p_type = PT_NOTE;
	m.ph[PH_TEXT_X].p_type = PT_NOTE;
	m.ph[PH_DATA].p_type = PT_NOTE;
	BAD(&m, "ELF: no loadable segment (PT_LOAD)");
	img_init(&m, ET_EXEC);
	m.ph[PH_TEXT_R].p_memsz = m.ph[PH_TEXT_R].p_filesz = 0;
	m.ph[PH_TEXT_X].p_memsz = m.ph[PH_TEXT_X].p_filesz = 0;
	m.ph[PH_DATA].p_memsz = m.ph[PH_DATA].p_filesz = 0;
	BAD(&m, "ELF: no loadable segment (PT_LOAD)");

	img_init(&m, ET_EXEC);
	m.ph[PH_PHDR].p_vaddr = 0x500000;
	BAD(&m, "ELF: PT_PHDR is not inside a loadable segment");
	img_init(&m, ET_EXEC);
	m.ph[PH_PHDR].p_type = PT_NOTE;
	m.ph[PH_TEXT_R].p_filesz = 64;	/* headers in the file but not loaded */
	BAD(&m, "ELF: program header table is not inside a loadable segment");
	img_init(&m, ET_EXEC);
	m.ph[PH_STACK] = m.ph[PH_PHDR];
	BAD(&m, "ELF: program header 5: more than one PT_PHDR");

	img_init(&m, ET_EXEC);
	m.ph[PH_STACK] = m.ph[PH_TLS];
	BAD(&m, "ELF: program header 5: more than one PT_TLS");
	img_init(&m, ET_EXEC);
	m.ph[PH_TLS].p_filesz = 0x21;
	BAD(&m, "ELF: program header 4: TLS file size larger than memory size");
	img_init(&m, ET_EXEC);
	m.ph[PH_TLS].p_align = 12;
	BAD(&m, "ELF: program header 4: TLS alignment is not a power of two");
	img_init(&m, ET_EXEC);
	m.ph[PH_TLS].p_vaddr = UINT64_MAX - 4;
	BAD(&m, "ELF: program header 4: TLS address range wraps around");
	img_init(&m, ET_EXEC);
	m.ph[PH_TLS].p_vaddr = 0x600000;
	BAD(&m, "ELF: TLS initialisation image (PT_TLS) is not inside a loadable segment");
}

/* Flip every byte of the headers to every value that matters: no crash, no overread. */
static void test_fuzz(void)
{
	static const uint8_t vals[] = { 0, 1, 2, 3, 6, 7, 0x38, 0x40, 0x7f, 0x80, 0xfe, 0xff };
	struct img m;
	struct elf_info info;
	const char *err;

	img_init(&m, ET_EXEC);
	unsigned char *p = img_bytes(&m);
	for (size_t off = 0; off < 64 + NPH * 56; off++) {
		unsigned char save = p[off];
		for (size_t v = 0; v < sizeof(vals); v++) {
			p[off] = vals[v];
			err = NULL;
			int r = elf_check(p, m.size, &info, &err);
			CHECK(r == 0 || (r == -ENOEXEC && err && strncmp(err, "ELF: ", 5) == 0));
		}
		p[off] = save;
	}
	free(p);
}

/* Optional: elf_check real executables named on the command line (musl static, static-pie). */
static void test_files(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		struct elf_info info;
		const char *err = NULL;

		CHECK(f != NULL);
		if (!f)
			continue;
		fseek(f, 0, SEEK_END);
		long n = ftell(f);
		fseek(f, 0, SEEK_SET);
		unsigned char *p = malloc((size_t)n);
		CHECK_EQ(fread(p, 1, (size_t)n, f), n);
		fclose(f);
		int r = elf_check(p, (size_t)n, &info, &err);
		if (r)
			fprintf(stderr, "%s: %s\n", argv[i], err);
		CHECK_EQ(r, 0);
		printf("%s: type %u entry %#llx [%#llx, %#llx) phdr %#llx phnum %u tls %d stack_exec %d\n",
		       argv[i], info.type, (unsigned long long)info.entry,
		       (unsigned long long)info.lo, (unsigned long long)info.hi,
		       (unsigned long long)info.phdr_vaddr, info.phnum,
		       info.has_tls, info.stack_exec);
		free(p);
	}
}

int main(int argc, char **argv)
{
	test_valid_exec();
	test_valid_dyn();
	test_truncated();
	test_header();
	test_segments();
	test_fuzz();
	test_files(argc, argv);
	printf("elf: %d malformed images rejected as expected\n", nfail);
	return check_done("elf");
}
