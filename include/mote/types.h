/* SPDX-License-Identifier: BSD-2-Clause */
/* Basic kernel types: physical and virtual addresses. */
#ifndef MOTE_TYPES_H
#define MOTE_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t paddr_t;	/* guest-physical address */
typedef uint64_t vaddr_t;	/* virtual address as an integer */
typedef int64_t ssize_t;

#define PAGE_SHIFT	12
#define PAGE_SIZE	((uint64_t)1 << PAGE_SHIFT)
#define LARGE_PAGE_SIZE	((uint64_t)1 << 21)

#endif
