/* SPDX-License-Identifier: BSD-2-Clause */
/* Host test of the ELF loader with uvm_map faked by mmap at the very addresses asked for. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/unit/check.h"
#include "abi/exec.h"
#include "abi/stack.h"
#include "lib/elf.h"
#include <mote/errno.h>

/*
 * The loader writes through user addresses, so the fakes map real memory
 * there. Addresses stay below 2 GiB (ASan's low application range) except
 * for static-pie bases, which are probed first.
 */
#define EXEC_BASE	((vaddr_t)0x10000000)
#define STACK_TOP	((vaddr_t)0x70000000)
#define STACK_SIZE	((size_t)0x20000)

struct call {
	vaddr_t va;
	size_t len;
	int prot;
};

static struct call maps[64];
static unsigned int nmaps;
static uint64_t rnd_queue[8];
static unsigned int rnd_n, rnd_i;

int uvm_map(vaddr_t va, size_t len, int prot);
uint64_t random_u64(void);

int uvm_map(vaddr_t va, size_t len, int prot)
{
	CHECK(va % 4096 == 0 && len % 4096 == 0 && len);
	CHECK(nmaps < 64);
	if (nmaps < 64)
		maps[nmaps++] = (struct call){ va, len, prot };
	void *p = mmap((void *)va, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	/* The only way this fails here is an existing mapping, like the real uvm_map. */
	if (p == MAP_FAILED)
		return -EEXIST;
	if (p != (void *)va) {
		munmap(p, len);
		return -EEXIST;
	}
	return 0;
}

/*
 * The fake maps pages writable on the host and applies the recorded
 * protections when the loader's write window closes, as CR0.WP would.
 */
static unsigned int write_windows;
static bool write_open;

uint64_t uvm_write_begin(void);
void uvm_write_end(uint64_t flags);

uint64_t uvm_write_begin(void)
{
	CHECK(!write_open);
	write_open = true;
	write_windows++;
	return 0x200;
}

void uvm_write_end(uint64_t flags)
{
	CHECK(write_open && flags == 0x200);
	write_open = false;
	for (unsigned int i = 0; i < nmaps; i++)
		mprotect((void *)maps[i].va, maps[i].len, maps[i].prot | PROT_READ);
}

uint64_t random_u64(void)
{
	if (rnd_i < rnd_n)
		return rnd_queue[rnd_i++];
	return 0x0123456789abcdefULL * ++rnd_i;
}

static void reset(void)
{
	for (unsigned int i = 0; i < nmaps; i++)
		munmap((void *)maps[i].va, maps[i].len);
	nmaps = 0;
	write_windows = 0;
	write_open = false;
	rnd_n = rnd_i = 0;
}

static bool range_free(vaddr_t va, size_t len)
{
	void *p = mmap((void *)va, len, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p == MAP_FAILED)
		return false;
	munmap(p, len);
	return p == (void *)va;
}

/* Model image; segment layout is set per test. */
#define IMG_SIZE	0x4000
static unsigned char img[IMG_SIZE];

static void img_make(uint16_t type, vaddr_t entry, const Elf64_Phdr *ph, unsigned int n)
{
	Elf64_Ehdr eh = { 0 };

	for (size_t i = 0; i < IMG_SIZE; i++)
		img[i] = (unsigned char)(i * 7 + 1);
	memcpy(eh.e_ident, "\177ELF", 4);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = type;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_entry = entry;
	eh.e_phoff = 64;
	eh.e_ehsize = 64;
	eh.e_phentsize = 56;
	eh.e_phnum = (uint16_t)n;
	memcpy(img, &eh, sizeof(eh));
	memcpy(img + 64, ph, n * sizeof(*ph));
}

static char *argv0[] = { "/app", "arg1", NULL };
static char *envp0[] = { "HOME=/", NULL };

static struct exec_image_args args(void)
{
	return (struct exec_image_args){
		.image = img, .size = IMG_SIZE, .execfn = "/app",
		.argc = 2, .argv = argv0, .envc = 1, .envp = envp0,
		.hwcap = 0x178bfbff, .hwcap2 = 2, .platform = "x86_64",
		.stack_top = STACK_TOP, .stack_size = STACK_SIZE,
	};
}

static bool has_call(const struct call *c, unsigned int n, vaddr_t va, size_t len, int prot)
{
	for (unsigned int i = 0; i < n; i++)
		if (c[i].va == va && c[i].len == len && c[i].prot == prot)
			return true;
	return false;
}

static uint64_t rd(vaddr_t va)
{
	uint64_t v;

	memcpy(&v, (const void *)va, 8);
	return v;
}

/* Walks the stack like libc's start code and returns the value of auxv type t. */
static uint64_t auxv_get(vaddr_t sp, uint64_t t)
{
	vaddr_t p = sp + 8 * (rd(sp) + 2);

	while (rd(p))
		p += 8;
	for (p += 8; rd(p) != AT_NULL; p += 16)
		if (rd(p) == t)
			return rd(p + 8);
	return 0xdeadbeef;
}

static void check_stack(const struct exec_start *st, vaddr_t base, vaddr_t phdr)
{
	vaddr_t sp = st->sp;

	CHECK_EQ(sp % 16, 0);
	CHECK(sp < STACK_TOP && sp >= STACK_TOP - STACK_SIZE);
	CHECK_EQ(rd(sp), 2);
	CHECK_STR((const char *)rd(sp + 8), "/app");
	CHECK_STR((const char *)rd(sp + 16), "arg1");
	CHECK_EQ(rd(sp + 24), 0);
	CHECK_STR((const char *)rd(sp + 32), "HOME=/");
	CHECK_EQ(rd(sp + 40), 0);
	CHECK_EQ(auxv_get(sp, AT_PHDR), base + phdr);
	CHECK_EQ(auxv_get(sp, AT_PHENT), 56);
	CHECK_EQ(auxv_get(sp, AT_BASE), 0);
	CHECK_EQ(auxv_get(sp, AT_ENTRY), st->entry);
	CHECK_EQ(auxv_get(sp, AT_HWCAP), 0x178bfbff);
	CHECK_EQ(auxv_get(sp, AT_HWCAP2), 2);
	CHECK_EQ(auxv_get(sp, AT_PAGESZ), 4096);
	CHECK_STR((const char *)auxv_get(sp, AT_PLATFORM), "x86_64");
	CHECK_STR((const char *)auxv_get(sp, AT_EXECFN), "/app");
	/* AT_RANDOM holds the two random_u64 values drawn after the base. */
	uint64_t r[2];
	memcpy(r, (const void *)auxv_get(sp, AT_RANDOM), 16);
	CHECK_EQ(r[0], rnd_queue[rnd_n - 2]);
	CHECK_EQ(r[1], rnd_queue[rnd_n - 1]);
}

static void test_exec_segments(void)
{
	vaddr_t b = EXEC_BASE;
	const Elf64_Phdr ph[] = {
		{ PT_LOAD, PF_R, 0, b, b, 0x800, 0x800, 0x1000 },
		{ PT_LOAD, PF_R | PF_X, 0x1000, b + 0x1000, b + 0x1000, 0x800, 0x800, 0x1000 },
		{ PT_LOAD, PF_R | PF_W, 0x2000, b + 0x2000, b + 0x2000, 0x1100, 0x3000, 0x1000 },
		{ PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 0, 16 },
	};
	struct exec_image_args a = args();
	struct exec_start st;
	const char *err = NULL;

	img_make(ET_EXEC, b + 0x1010, ph, 4);
	rnd_queue[0] = 0x1111111111111111ULL;
	rnd_queue[1] = 0x2222222222222222ULL;
	rnd_n = 2;
	CHECK_EQ(exec_load(&a, &st, &err), 0);
	if (err)
		fprintf(stderr, "%s\n", err);
	CHECK_EQ(st.entry, b + 0x1010);
	CHECK_EQ(st.base, 0);
	CHECK_EQ(st.brk_start, b + 0x5000);

	/* One call per run of equal protection, bss included. */
	CHECK_EQ(nmaps, 4);
	CHECK(has_call(maps, nmaps, b, 0x1000, PROT_READ));
	CHECK(has_call(maps, nmaps, b + 0x1000, 0x1000, PROT_READ | PROT_EXEC));
	CHECK(has_call(maps, nmaps, b + 0x2000, 0x3000, PROT_READ | PROT_WRITE));
	CHECK(has_call(maps, nmaps, STACK_TOP - STACK_SIZE, STACK_SIZE, PROT_READ | PROT_WRITE));
	/* Final protections come with the mapping; the loader writes in one window. */
	CHECK_EQ(write_windows, 1);
	CHECK(!write_open);

	CHECK(memcmp((void *)b, img, 0x800) == 0);
	CHECK(memcmp((void *)(b + 0x1000), img + 0x1000, 0x800) == 0);
	CHECK(memcmp((void *)(b + 0x2000), img + 0x2000, 0x1100) == 0);
	const unsigned char *bss = (const unsigned char *)(b + 0x3100);
	bool zero = true;
	for (size_t i = 0; i < 0x1f00; i++)
		zero &= bss[i] == 0;
	CHECK(zero);
	/* Past the file bytes of a segment the page is zero too. */
	CHECK_EQ(*(const unsigned char *)(b + 0x800), 0);
	check_stack(&st, 0, b + 0x40);
	reset();
}

/* Boundaries inside pages: shared pages get the union of the rights. */
static void test_shared_pages(void)
{
	vaddr_t b = EXEC_BASE;
	const Elf64_Phdr ph[] = {
		{ PT_LOAD, PF_R, 0, b, b, 0x900, 0x900, 0x1000 },
		{ PT_LOAD, PF_R | PF_X, 0x900, b + 0x900, b + 0x900, 0x900, 0x900, 0x1000 },
		{ PT_LOAD, PF_R | PF_W, 0x1200, b + 0x1200, b + 0x1200, 0x10, 0x20, 0x1000 },
		{ PT_LOAD, PF_R, 0x1240, b + 0x1240, b + 0x1240, 0x10, 0x10, 0x1000 },
		{ PT_LOAD, PF_R | PF_W, 0x2ff0, b + 0x2ff0, b + 0x2ff0, 0x20, 0x2000, 0x1000 },
		{ PT_GNU_STACK, PF_R | PF_W | PF_X, 0, 0, 0, 0, 0, 16 },
	};
	struct exec_image_args a = args();
	struct exec_start st;
	const char *err = NULL;

	img_make(ET_EXEC, b + 0x900, ph, 6);
	CHECK_EQ(exec_load(&a, &st, &err), 0);
	/* page 0: R + RX; page 1: RX + RW + R; page 2: RW alone; pages 3-4: RW. */
	CHECK(has_call(maps, nmaps, b, 0x1000, PROT_READ | PROT_EXEC));
	CHECK(has_call(maps, nmaps, b + 0x1000, 0x1000,
		       PROT_READ | PROT_WRITE | PROT_EXEC));
	CHECK(has_call(maps, nmaps, b + 0x2000, 0x3000, PROT_READ | PROT_WRITE));
	/* Each page mapped exactly once, the stack executable as PT_GNU_STACK asks. */
	CHECK_EQ(nmaps, 4);
	CHECK(has_call(maps, nmaps, STACK_TOP - STACK_SIZE, STACK_SIZE,
		       PROT_READ | PROT_WRITE | PROT_EXEC));
	CHECK(memcmp((void *)b, img, 0x1200) == 0);
	CHECK(memcmp((void *)(b + 0x1200), img + 0x1200, 0x10) == 0);
	CHECK_EQ(*(const unsigned char *)(b + 0x1210), 0);	/* bss of segment 2 */
	CHECK(memcmp((void *)(b + 0x1240), img + 0x1240, 0x10) == 0);
	CHECK(memcmp((void *)(b + 0x2ff0), img + 0x2ff0, 0x20) == 0);
	CHECK_EQ(st.brk_start, b + 0x5000);
	reset();
}

static void test_dyn_base(void)
{
	/* Spread, alignment and range, for any random value. */
	CHECK_EQ(exec_dyn_base(0, 0x1000), EXEC_DYN_BASE_MIN);
	CHECK_EQ(exec_dyn_base(1, 0x1000), EXEC_DYN_BASE_MIN + 0x200000);
	CHECK(exec_dyn_base(1, 0) != exec_dyn_base(2, 0));
	vaddr_t top = exec_dyn_base(UINT64_MAX, 0x1000);
	CHECK_EQ(top, EXEC_DYN_BASE_MIN + EXEC_DYN_BASE_SPAN - 0x200000);
	vaddr_t g = exec_dyn_base(0x12345, 1ULL << 30);
	CHECK_EQ(g % (1ULL << 30), 0);
	CHECK(g >= EXEC_DYN_BASE_MIN && g < EXEC_DYN_BASE_MIN + EXEC_DYN_BASE_SPAN);
	CHECK_EQ(exec_dyn_base(5, 1ULL << 41), 0);

	const Elf64_Phdr ph[] = {
		{ PT_LOAD, PF_R, 0, 0, 0, 0x800, 0x800, 0x1000 },
		{ PT_LOAD, PF_R | PF_X, 0x1000, 0x1000, 0x1000, 0x800, 0x800, 0x1000 },
		{ PT_LOAD, PF_R | PF_W, 0x2000, 0x2000, 0x2000, 0x100, 0x1100, 0x1000 },
		{ PT_DYNAMIC, PF_R | PF_W, 0x2000, 0x2000, 0x2000, 0x100, 0x100, 8 },
	};
	struct exec_image_args a = args();
	struct exec_start st;
	const char *err = NULL;
	uint64_t r = 0x9e3779b97f4a7c15ULL;

	img_make(ET_DYN, 0x1234, ph, 4);
	/* The test process itself lives in this region; pick a free slot. */
	while (!range_free(exec_dyn_base(r, 0x1000), 0x4000))
		r = r * 6364136223846793005ULL + 1;
	rnd_queue[0] = r;
	rnd_queue[1] = 0xaaaa;
	rnd_queue[2] = 0xbbbb;
	rnd_n = 3;
	vaddr_t base = exec_dyn_base(r, 0x1000);
	CHECK_EQ(exec_load(&a, &st, &err), 0);
	CHECK_EQ(st.base, base);
	CHECK_EQ(st.base % 0x200000, 0);
	CHECK(st.base >= EXEC_DYN_BASE_MIN);
	CHECK(st.base < EXEC_DYN_BASE_MIN + EXEC_DYN_BASE_SPAN);
	CHECK_EQ(st.entry, base + 0x1234);
	CHECK_EQ(st.brk_start, base + 0x4000);
	CHECK(memcmp((void *)(base + 0x1000), img + 0x1000, 0x800) == 0);
	check_stack(&st, base, 0x40);
	reset();
}

static void test_errors(void)
{
	vaddr_t b = EXEC_BASE;
	const Elf64_Phdr ph[] = {
		{ PT_LOAD, PF_R | PF_X, 0, b, b, 0x800, 0x800, 0x1000 },
	};
	struct exec_image_args a = args();
	struct exec_start st;
	const char *err = NULL;

	img_make(ET_EXEC, b + 0x100, ph, 1);
	img[0] = 0;
	CHECK_EQ(exec_load(&a, &st, &err), -ENOEXEC);
	CHECK(err && strstr(err, "bad magic"));
	CHECK_EQ(nmaps, 0);

	img_make(ET_EXEC, b + 0x100, ph, 1);
	a.stack_top = STACK_TOP + 8;
	CHECK_EQ(exec_load(&a, &st, &err), -EINVAL);
	CHECK(err && strstr(err, "stack range"));
	CHECK_EQ(nmaps, 0);
	a.stack_top = STACK_TOP;
	a.stack_size = 0;
	CHECK_EQ(exec_load(&a, &st, &err), -EINVAL);
	CHECK_EQ(nmaps, 0);
	reset();

	/* The stack lands on the image. */
	a = args();
	a.stack_top = b + 0x1000;
	a.stack_size = 0x1000;
	CHECK_EQ(exec_load(&a, &st, &err), -EEXIST);
	CHECK(err && strstr(err, "cannot map the stack"));
	reset();

	/* The image lands on something already there. */
	CHECK_EQ(uvm_map(b, 0x1000, PROT_READ), 0);
	a = args();
	CHECK_EQ(exec_load(&a, &st, &err), -EEXIST);
	CHECK(err && strstr(err, "cannot map a PT_LOAD segment"));
	reset();

	/* Arguments larger than the stack. */
	static char big[0x3000];
	memset(big, 'x', sizeof(big) - 1);
	char *bigv[] = { big, NULL };
	a = args();
	a.argc = 1;
	a.argv = bigv;
	a.stack_size = 0x2000;
	CHECK_EQ(exec_load(&a, &st, &err), -E2BIG);
	CHECK(err && strstr(err, "do not fit"));
	reset();
}

/*
 * Optional end-to-end check: load a real musl static or static-pie binary
 * given on the command line into a child process and run it there. The
 * host kernel serves its syscalls, so a wrong stack or auxv shows up as a
 * crash or wrong output. The program must print its argv[0] and exit 0.
 */
static void test_run(const char *path)
{
	FILE *f = fopen(path, "rb");
	CHECK(f != NULL);
	if (!f)
		return;
	static unsigned char file[1 << 22];
	size_t n = fread(file, 1, sizeof(file), f);
	fclose(f);

	int pfd[2];
	CHECK_EQ(pipe(pfd), 0);
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		struct exec_image_args a = args();
		struct exec_start st;
		const char *err = NULL;
		struct elf_info info;

		a.image = file;
		a.size = n;
		if (elf_check(file, n, &info, &err) == 0 && info.type == ET_DYN) {
			uint64_t r = 12345;
			while (!range_free(exec_dyn_base(r, info.max_align), info.hi))
				r = r * 6364136223846793005ULL + 1;
			rnd_queue[0] = r;
			rnd_n = 1;
		}
		if (exec_load(&a, &st, &err)) {
			fprintf(stderr, "%s: %s\n", path, err);
			_exit(99);
		}
		dup2(pfd[1], 1);
		/* psABI §3.4.1: rdx 0 (no atexit hook), rsp at argc. */
		__asm__ volatile("mov %0, %%rsp\n\t"
				 "xor %%edx, %%edx\n\t"
				 "xor %%ebp, %%ebp\n\t"
				 "jmp *%1"
				 :: "r"(st.sp), "r"(st.entry) : "memory", "rdx");
		__builtin_unreachable();
	}
	close(pfd[1]);
	char out[256] = { 0 };
	size_t got = 0;
	ssize_t k;
	while (got < sizeof(out) - 1 &&
	       (k = read(pfd[0], out + got, sizeof(out) - 1 - got)) > 0)
		got += (size_t)k;
	close(pfd[0]);
	int status = 0;
	waitpid(pid, &status, 0);
	printf("%s: exit status %#x, output: %s", path, status, out);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK(strstr(out, "/app") != NULL);
}

int main(int argc, char **argv)
{
	test_exec_segments();
	test_shared_pages();
	test_dyn_base();
	test_errors();
	for (int i = 1; i < argc; i++)
		test_run(argv[i]);
	return check_done("exec");
}
