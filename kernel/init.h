/* SPDX-License-Identifier: BSD-2-Clause */
/* The kernel's boot order, entered from arch_boot(). */
#ifndef KERNEL_INIT_H
#define KERNEL_INIT_H

#include <mote/bootinfo.h>
#include <mote/compiler.h>
#include "lib/cmdline.h"

__noreturn void kernel_main(struct bootinfo *bi);

/* The parsed kernel command line. */
extern struct cmdline kernel_cmdline;

#endif
