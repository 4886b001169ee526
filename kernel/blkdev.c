/* SPDX-License-Identifier: BSD-2-Clause */
/* The block-device registry, request checks before a driver sees them, and blocking helpers. */
#include <mote/errno.h>
#include "kernel/blkdev.h"
#include "kernel/completion.h"
#include "lib/format.h"
#include "lib/string.h"

static struct list_node blkdevs = LIST_INIT(blkdevs);
static unsigned int nblkdevs;

void blkdev_register(struct blkdev *b)
{
	/* Linux's virtio names: vda .. vdz. */
	fmt_snprintf(b->name, sizeof(b->name), "vd%c", 'a' + (int)(nblkdevs % 26));
	nblkdevs++;
	list_push_back(&blkdevs, &b->link);
}

struct blkdev *blkdev_next(struct blkdev *prev)
{
	struct list_node *n = prev ? prev->link.next : blkdevs.next;

	return n == &blkdevs ? NULL : list_entry(n, struct blkdev, link);
}

struct blkdev *blkdev_find(const char *name)
{
	for (struct blkdev *b = blkdev_next(NULL); b; b = blkdev_next(b))
		if (strcmp(b->name, name) == 0)
			return b;
	return NULL;
}

int blkdev_submit(struct blkdev *b, struct blk_request *r)
{
	uint32_t per_block = b->block_size / BLK_SECTOR;

	switch (r->op) {
	case BLK_FLUSH:
		if (!b->can_flush)
			return -EOPNOTSUPP;
		break;
	case BLK_DISCARD:
		if (!b->can_discard)
			return -EOPNOTSUPP;
		__attribute__((fallthrough));	/* a range, like reads and writes */
	case BLK_READ:
	case BLK_WRITE:
		if (r->op != BLK_READ && b->read_only)
			return -EROFS;
		if (!r->count || (r->op != BLK_DISCARD && !r->buf))
			return -EINVAL;
		if (per_block > 1 && (r->sector % per_block || r->count % per_block))
			return -EINVAL;
		/* Out of range never reaches the device. */
		if (r->sector >= b->sectors || r->count > b->sectors - r->sector)
			return -ENOSPC;
		break;
	default:
		return -EINVAL;
	}
	return b->submit(b, r);
}

static void done_wake(struct blk_request *r, int status)
{
	r->status = status;
	complete(r->ctx);
}

static int blocking(struct blkdev *b, enum blk_op op, uint64_t sector, uint32_t count, void *buf)
{
	struct completion c;
	struct blk_request r = { .op = op, .sector = sector, .count = count, .buf = buf,
				 .done = done_wake, .ctx = &c };
	int e;

	completion_init(&c);
	e = blkdev_submit(b, &r);
	if (e)
		return e;
	wait_for_completion(&c);
	return r.status;
}

int blkdev_read(struct blkdev *b, uint64_t sector, uint32_t count, void *buf)
{
	return blocking(b, BLK_READ, sector, count, buf);
}

int blkdev_write(struct blkdev *b, uint64_t sector, uint32_t count, const void *buf)
{
	return blocking(b, BLK_WRITE, sector, count, (void *)buf);
}

int blkdev_flush(struct blkdev *b)
{
	return blocking(b, BLK_FLUSH, 0, 0, NULL);
}
