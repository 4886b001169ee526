/* SPDX-License-Identifier: BSD-2-Clause */
/* The one process: its memory layout, its figures, and how it starts and ends. */
#ifndef ABI_PROCESS_H
#define ABI_PROCESS_H

#include <mote/compiler.h>
#include <mote/types.h>

struct process {
	vaddr_t brk_start, brk;		/* program break: [brk_start, brk) */
	vaddr_t mmap_top;		/* anonymous mmap goes down from here */
	vaddr_t mmap_floor;		/* ... not below this */
	uint64_t first_write_tsc;	/* ticks from boot to the first write(), 0 before */
};

extern struct process proc;

/* Loads the application from the image and jumps to it. */
__noreturn void process_start(int argc, char **argv);
/* exit_group(): the last console lines and power-off. */
__noreturn void process_exit(int status);

#endif
