/* SPDX-License-Identifier: BSD-2-Clause */
/* Boot-time helpers the kernel core uses from arch/. */
#ifndef ARCH_X86_64_SETUP_H
#define ARCH_X86_64_SETUP_H

#include <mote/bootinfo.h>
#include <mote/compiler.h>

const char *arch_boot_protocol_name(const struct bootinfo *bi);
__noreturn void arch_run_on_stack(uint64_t top, void (*fn)(void *), void *arg);
__noreturn void arch_boot(uint32_t protocol, uint64_t info, uint32_t extra, uint64_t tsc);

#endif
