/* SPDX-License-Identifier: BSD-2-Clause */
/* The one process: how it starts and ends (its memory is kernel/vm.c's). */
#ifndef ABI_PROCESS_H
#define ABI_PROCESS_H

#include <mote/compiler.h>
#include <mote/types.h>

struct process {
	uint64_t first_write_tsc;	/* ticks from boot to the first write(), 0 before */
};

extern struct process proc;

/* Loads the application from the image and jumps to it. */
__noreturn void process_start(int argc, char **argv);
/* exit_group(): the last console lines and power-off. */
__noreturn void process_exit(int status);

#endif
