/* SPDX-License-Identifier: BSD-2-Clause */
/* Block devices: asynchronous requests with completion callbacks, and blocking helpers on top. */
#ifndef KERNEL_BLKDEV_H
#define KERNEL_BLKDEV_H

#include <mote/types.h>
#include "lib/list.h"

#define BLK_SECTOR 512

enum blk_op {
	BLK_READ,
	BLK_WRITE,
	BLK_FLUSH,
	BLK_DISCARD,
};

struct blk_request {
	enum blk_op op;
	uint64_t sector;		/* in 512-byte sectors */
	uint32_t count;			/* sectors (0 for FLUSH) */
	void *buf;			/* kernel memory, physically contiguous (kmalloc/page_alloc) */
	void (*done)(struct blk_request *r, int status);	/* may run in interrupt context */
	void *ctx;
	int status;
	struct list_node link;		/* the driver's, while in flight */
};

struct blkdev {
	char name[16];			/* "vda", "vdb", ... */
	uint64_t sectors;		/* capacity */
	uint32_t block_size;		/* logical block size in bytes (512, 4096) */
	unsigned int queue_depth;	/* requests the device takes at once */
	bool can_flush, can_discard, read_only;
	/* Starts r; the driver calls r->done later. Range and alignment were checked already. */
	int (*submit)(struct blkdev *b, struct blk_request *r);
	void *priv;
	struct list_node link;
};

/* Names the device (vda, vdb, ... in registration order) and makes it findable. */
void blkdev_register(struct blkdev *b);
struct blkdev *blkdev_find(const char *name);
struct blkdev *blkdev_next(struct blkdev *prev);

/*
 * Checks r against the device (range, block alignment, read-only, flush
 * and discard support) and hands it to the driver: 0, or -EINVAL, -ENOSPC
 * (past the end), -EROFS, -EOPNOTSUPP without reaching the device.
 */
int blkdev_submit(struct blkdev *b, struct blk_request *r);
/* Blocking forms: wait for the completion. */
int blkdev_read(struct blkdev *b, uint64_t sector, uint32_t count, void *buf);
int blkdev_write(struct blkdev *b, uint64_t sector, uint32_t count, const void *buf);
int blkdev_flush(struct blkdev *b);

#endif
