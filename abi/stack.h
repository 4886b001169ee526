/* SPDX-License-Identifier: BSD-2-Clause */
/* The initial process stack: argc, argv, envp and the auxiliary vector. */
#ifndef ABI_STACK_H
#define ABI_STACK_H

#include <mote/types.h>

/* Auxiliary vector types: x86_64 psABI §3.4.3 and Linux include/uapi/linux/auxvec.h. */
#define AT_NULL			0
#define AT_IGNORE		1
#define AT_EXECFD		2
#define AT_PHDR			3
#define AT_PHENT		4
#define AT_PHNUM		5
#define AT_PAGESZ		6
#define AT_BASE			7
#define AT_FLAGS		8
#define AT_ENTRY		9
#define AT_NOTELF		10
#define AT_UID			11
#define AT_EUID			12
#define AT_GID			13
#define AT_EGID			14
#define AT_PLATFORM		15
#define AT_HWCAP		16
#define AT_CLKTCK		17
#define AT_SECURE		23
#define AT_BASE_PLATFORM	24
#define AT_RANDOM		25
#define AT_HWCAP2		26
#define AT_EXECFN		31
#define AT_SYSINFO_EHDR		33
#define AT_MINSIGSTKSZ		51

/* Linux reports USER_HZ, which is 100 on x86_64, whatever the kernel's tick. */
#define STACK_CLKTCK		100

/* Most auxv entries a caller may add; room for every AT_* a loader computes. */
#define STACK_MAX_EXTRA_AUXV	32

struct stack_args {
	int argc;
	char *const *argv;		/* argc non-NULL strings */
	int envc;
	char *const *envp;		/* envc non-NULL strings */
	const char *execfn;		/* AT_EXECFN; NULL leaves the entry out */
	const char *platform;		/* AT_PLATFORM ("x86_64"); NULL leaves it out */
	uint8_t random[16];		/* bytes AT_RANDOM points to (libc's stack canary, pointer guard) */
	const uint64_t (*auxv)[2];	/* entries the caller computed: AT_PHDR, AT_ENTRY, AT_HWCAP ... */
	unsigned int nauxv;
};

/*
 * Build the initial stack in buf, which the application will see at
 * [user_top - size, user_top). Writes argc, argv[], NULL, envp[], NULL, the
 * auxiliary vector ending in AT_NULL (x86_64 psABI §3.4.1, figure 3.9), and
 * above them the strings and AT_RANDOM bytes. On success *sp_out is the
 * 16-byte aligned user address of argc, the rsp to enter the program with.
 * Besides the caller's entries the vector holds AT_PAGESZ, AT_CLKTCK,
 * AT_FLAGS, AT_UID, AT_EUID, AT_GID, AT_EGID, AT_SECURE (all zero ids: there
 * is one user), AT_RANDOM, AT_EXECFN and AT_PLATFORM.
 * Returns 0, -E2BIG when it does not fit, or -EINVAL for bad arguments.
 */
int stack_build(void *buf, size_t size, vaddr_t user_top,
		const struct stack_args *a, vaddr_t *sp_out);

#endif
