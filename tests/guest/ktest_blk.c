/* SPDX-License-Identifier: BSD-2-Clause */
/* Block devices in a booted guest: a pattern the host checks byte by byte, a host-written image read back, the sequential benchmark. */
#include <mote/compiler.h>
#include <mote/errno.h>
#include "arch/x86_64/cpu.h"
#include "kernel/blkdev.h"
#include "kernel/completion.h"
#include "kernel/heap.h"
#include "kernel/ktest.h"
#include "kernel/log.h"
#include "kernel/time.h"
#include "lib/string.h"

/*
 * The patterns, also computed by tests/guest/blk.sh's checker. Sector s
 * (512 bytes) holds 64 little-endian 64-bit words; word i is
 *   written by the guest:  ((s << 32) | i) ^ 0x6d6f7465   ("mote")
 *   written by the host:   ~((s << 32) | i)
 * so every word of the disk differs from every other, and from the other pattern.
 */
#define WORDS_PER_SECTOR	(BLK_SECTOR / 8)
#define GUEST_XOR		0x6d6f7465ull
/* The pattern covers at most this many sectors (8 MiB): the test images are that size. */
#define PATTERN_MAX_SECTORS	16384u

static uint64_t guest_word(uint64_t s, unsigned int i)
{
	return ((s << 32) | i) ^ GUEST_XOR;
}

static uint64_t host_word(uint64_t s, unsigned int i)
{
	return ~((s << 32) | i);
}

static void fill(uint64_t *w, uint64_t first, uint32_t count)
{
	for (uint64_t s = 0; s < count; s++)
		for (unsigned int i = 0; i < WORDS_PER_SECTOR; i++)
			w[s * WORDS_PER_SECTOR + i] = guest_word(first + s, i);
}

/* Sectors of buf [first, first + count) not holding word(); reports the first one. */
static unsigned int mismatches(const uint64_t *w, uint64_t first, uint32_t count,
			       uint64_t (*word)(uint64_t, unsigned int))
{
	unsigned int bad = 0;

	for (uint64_t s = 0; s < count; s++) {
		for (unsigned int i = 0; i < WORDS_PER_SECTOR; i++) {
			uint64_t got = w[s * WORDS_PER_SECTOR + i], want = word(first + s, i);

			if (got != want) {
				if (!bad)
					printk("ktest: blk: sector %lu word %u: %#lx, want %#lx\n",
					       first + s, i, got, want);
				bad++;
				break;
			}
		}
	}
	return bad;
}

/* Counts what reaches the driver: blkdev_submit must stop bad requests before it. */
static int (*driver_submit)(struct blkdev *b, struct blk_request *r);
static unsigned int driver_requests;

static int counting_submit(struct blkdev *b, struct blk_request *r)
{
	__atomic_add_fetch(&driver_requests, 1, __ATOMIC_RELAXED);
	return driver_submit(b, r);
}

/* A batch of asynchronous requests: the last completion wakes the waiter. */
struct batch {
	struct completion all;
	unsigned int left;
	unsigned int errors;
	int first_error;
};

static void batch_done(struct blk_request *r, int status)
{
	struct batch *bt = r->ctx;

	r->status = status;
	if (status) {
		if (!bt->errors)
			bt->first_error = status;
		bt->errors++;	/* completions run one at a time: interrupts are off in the callback */
	}
	if (__atomic_sub_fetch(&bt->left, 1, __ATOMIC_ACQ_REL) == 0)
		complete(&bt->all);
}

/*
 * Reads or writes [0, n) of b at once, in requests of varying sizes (in
 * whole blocks; more
 * than the device's queue depth: the driver keeps the rest pending), and
 * waits for all of them. Returns the failed requests.
 */
static unsigned int transfer_all(struct blkdev *b, enum blk_op op, uint8_t *buf, uint32_t n)
{
	/* Sizes in sectors, cycled: single sectors, odd sizes, page and 64 KiB multiples. */
	static const uint32_t sizes[] = { 1, 7, 8, 128, 3, 255, 16, 64, 1, 129 };
	struct blk_request *reqs;
	unsigned int nreq = 0, k = 0, bad = 0;
	struct batch bt = { .errors = 0 };
	uint32_t s = 0, per_block = b->block_size / BLK_SECTOR;

	for (s = 0; s < n; nreq++)
		s += MIN(sizes[nreq % ARRAY_SIZE(sizes)] * per_block, n - s);
	reqs = kcalloc(nreq, sizeof(*reqs));
	if (!reqs)
		return 1;
	completion_init(&bt.all);
	bt.left = nreq;
	for (s = 0; s < n; k++) {
		uint32_t c = MIN(sizes[k % ARRAY_SIZE(sizes)] * per_block, n - s);

		reqs[k] = (struct blk_request){ .op = op, .sector = s, .count = c,
						.buf = buf + (size_t)s * BLK_SECTOR,
						.done = batch_done, .ctx = &bt };
		s += c;
	}
	for (k = 0; k < nreq; k++) {
		int e = blkdev_submit(b, &reqs[k]);

		if (e) {
			/* Not started: no completion will come for it. */
			printk("ktest: blk: request %u not submitted (%d)\n", k, e);
			bad++;
			if (__atomic_sub_fetch(&bt.left, 1, __ATOMIC_ACQ_REL) == 0)
				complete(&bt.all);
		}
	}
	wait_for_completion(&bt.all);
	if (bt.errors)
		printk("ktest: blk: %u of %u requests failed, first with %d\n", bt.errors, nreq,
		       bt.first_error);
	kfree(reqs);
	return bad + bt.errors;
}

static struct blkdev *first_disk(void)
{
	struct blkdev *b = blkdev_next(NULL);

	if (b)
		printk("ktest: blk: %s: %lu sectors, block %u, depth %u%s%s%s\n", b->name, b->sectors,
		       b->block_size, b->queue_depth, b->can_flush ? ", flush" : "",
		       b->can_discard ? ", discard" : "", b->read_only ? ", read-only" : "");
	else
		printk("ktest: blk: no block device\n");
	return b;
}

KTEST(blk_pattern)
{
	int failures = 0;
	struct blkdev *b = first_disk();
	uint8_t *wbuf, *rbuf;
	uint32_t n, per_block;
	unsigned int before;

	KCHECK(b != NULL);
	if (!b)
		return failures;
	n = (uint32_t)MIN(b->sectors, (uint64_t)PATTERN_MAX_SECTORS);
	per_block = b->block_size / BLK_SECTOR;
	n = ALIGN_DOWN(n, per_block);
	wbuf = kmalloc((size_t)n * BLK_SECTOR);
	rbuf = kmalloc((size_t)n * BLK_SECTOR);
	KCHECK(wbuf && rbuf);
	if (!wbuf || !rbuf)
		goto out;
	driver_submit = b->submit;
	b->submit = counting_submit;

	/* Write everything at once, flush, read it all back the same way. */
	fill((uint64_t *)wbuf, 0, n);
	KCHECK(transfer_all(b, BLK_WRITE, wbuf, n) == 0);
	KCHECK(b->can_flush);
	KCHECK(blkdev_flush(b) == 0);
	memset(rbuf, 0, (size_t)n * BLK_SECTOR);
	KCHECK(transfer_all(b, BLK_READ, rbuf, n) == 0);
	KCHECK(mismatches((const uint64_t *)rbuf, 0, n, guest_word) == 0);
	/* And once with the blocking helper, one 64 KiB request. */
	memset(rbuf, 0, 65536);
	KCHECK(blkdev_read(b, 0, (uint32_t)MIN(n, 128u), rbuf) == 0);
	KCHECK(mismatches((const uint64_t *)rbuf, 0, MIN(n, 128u), guest_word) == 0);

	/* Past the end: refused before the driver (and so the device) sees anything. */
	before = driver_requests;
	KCHECK(blkdev_read(b, b->sectors, per_block, rbuf) == -ENOSPC);
	KCHECK(blkdev_read(b, b->sectors - per_block, 2 * per_block, rbuf) == -ENOSPC);
	KCHECK(blkdev_write(b, b->sectors, per_block, wbuf) == -ENOSPC);
	KCHECK(blkdev_write(b, ALIGN_DOWN(UINT64_MAX, (uint64_t)per_block), per_block, wbuf) == -ENOSPC);
	KCHECK(blkdev_read(b, 0, 0, rbuf) == -EINVAL);
	if (per_block > 1)
		KCHECK(blkdev_read(b, 1, per_block, rbuf) == -EINVAL);	/* not on a block boundary */
	KCHECK(driver_requests == before);
	printk("ktest: blk: out-of-range requests refused; %u requests reached the driver\n",
	       driver_requests);

	/* Discard the last 64 KiB where offered, then write the pattern there again for the host. */
	if (b->can_discard && n >= 128) {
		struct batch bt = { .left = 1 };
		struct blk_request d = { .op = BLK_DISCARD, .sector = n - 128, .count = 128,
					 .done = batch_done, .ctx = &bt };

		completion_init(&bt.all);
		KCHECK(blkdev_submit(b, &d) == 0);
		wait_for_completion(&bt.all);
		KCHECK(d.status == 0);
		printk("ktest: blk: discard of sectors %u..%u: %d\n", n - 128, n - 1, d.status);
		KCHECK(blkdev_write(b, n - 128, 128, wbuf + (size_t)(n - 128) * BLK_SECTOR) == 0);
	}
	/* The final flush makes the pattern durable before power-off: the host checks the image. */
	KCHECK(blkdev_flush(b) == 0);
	b->submit = driver_submit;
	printk("ktest: blk: pattern on sectors 0..%u written, flushed and read back\n", n - 1);
out:
	kfree(wbuf);
	kfree(rbuf);
	return failures;
}

KTEST(blk_readback)
{
	int failures = 0;
	struct blkdev *b = first_disk();
	uint8_t *buf;
	uint32_t n;
	unsigned int bad;

	KCHECK(b != NULL);
	if (!b)
		return failures;
	n = (uint32_t)MIN(b->sectors, (uint64_t)PATTERN_MAX_SECTORS);
	buf = kcalloc(n, BLK_SECTOR);
	KCHECK(buf != NULL);
	if (!buf)
		return failures;
	KCHECK(transfer_all(b, BLK_READ, buf, n) == 0);
	bad = mismatches((const uint64_t *)buf, 0, n, host_word);
	KCHECK(bad == 0);
	printk("ktest: blk: host pattern on sectors 0..%u: %u bad sectors\n", n - 1, bad);
	kfree(buf);
	return failures;
}

/*
 * --- Sequential throughput: 64 MiB in 64 KiB requests, BENCH_DEPTH in flight. ---
 * Also at depth 1, which is what Linux's `dd iflag=direct` does (the
 * baseline in bench/blk.sh), printed as blk.seq_*_qd1.mib_s.
 */

#define BENCH_BYTES	(64u << 20)
#define BENCH_REQ	(64u << 10)
#define BENCH_DEPTH	8

struct bench_run {
	struct blkdev *b;
	enum blk_op op;
	struct blk_request req[BENCH_DEPTH];
	uint8_t *buf[BENCH_DEPTH];
	uint32_t next;			/* next sector to submit */
	uint32_t total;			/* sectors */
	unsigned int in_flight;
	int error;
	struct completion finished;
};

/* Runs in the driver's interrupt callback: keeps the queue full by submitting the next request at once. */
static void bench_done(struct blk_request *r, int status)
{
	struct bench_run *br = r->ctx;

	if (status && !br->error)
		br->error = status;
	if (!br->error && br->next < br->total) {
		r->sector = br->next;
		br->next += BENCH_REQ / BLK_SECTOR;
		status = blkdev_submit(br->b, r);
		if (status == 0)
			return;
		br->error = status;
	}
	if (--br->in_flight == 0)
		complete(&br->finished);
}

/* MiB/s of one pass with depth requests in flight, or a negative errno. */
static long bench_pass(struct bench_run *br, enum blk_op op, unsigned int depth)
{
	uint64_t t0, ns;

	br->op = op;
	br->next = 0;
	br->error = 0;
	br->in_flight = 0;
	completion_reinit(&br->finished);
	t0 = time_monotonic_ns();
	for (unsigned int k = 0; k < depth && br->next < br->total; k++) {
		uint64_t flags = irq_save();	/* completions may arrive while we still submit */
		int e;

		br->req[k] = (struct blk_request){ .op = op, .sector = br->next,
						   .count = BENCH_REQ / BLK_SECTOR, .buf = br->buf[k],
						   .done = bench_done, .ctx = br };
		br->next += BENCH_REQ / BLK_SECTOR;
		br->in_flight++;
		e = blkdev_submit(br->b, &br->req[k]);
		if (e) {
			br->in_flight--;
			br->error = e;
		}
		irq_restore(flags);
		if (e)
			break;
	}
	if (br->in_flight)
		wait_for_completion(&br->finished);
	ns = time_monotonic_ns() - t0;
	if (br->error)
		return br->error;
	return (long)((uint64_t)BENCH_BYTES * NSEC_PER_SEC / (ns ? ns : 1) >> 20);
}

KTEST(bench_blk)
{
	int failures = 0;
	struct blkdev *b = first_disk();
	struct bench_run *br;
	long w, r, w1, r1;

	KCHECK(b != NULL);
	if (!b || b->sectors < BENCH_BYTES / BLK_SECTOR) {
		printk("ktest: bench_blk needs a disk of at least %u MiB\n", BENCH_BYTES >> 20);
		return failures + 1;
	}
	br = kcalloc(1, sizeof(*br));
	KCHECK(br != NULL);
	if (!br)
		return failures;
	br->b = b;
	br->total = BENCH_BYTES / BLK_SECTOR;
	completion_init(&br->finished);
	for (unsigned int k = 0; k < BENCH_DEPTH; k++) {
		br->buf[k] = kmalloc(BENCH_REQ);
		KCHECK(br->buf[k] != NULL);
		if (!br->buf[k])
			goto out;
		memset(br->buf[k], 0x5a ^ (int)k, BENCH_REQ);
	}
	/* Write first, so that the read finds allocated blocks, as Linux's dd read does after its own write. */
	w = bench_pass(br, BLK_WRITE, BENCH_DEPTH);
	KCHECK(w > 0);
	if (b->can_flush)
		KCHECK(blkdev_flush(b) == 0);
	r = bench_pass(br, BLK_READ, BENCH_DEPTH);
	KCHECK(r > 0);
	w1 = bench_pass(br, BLK_WRITE, 1);
	KCHECK(w1 > 0);
	r1 = bench_pass(br, BLK_READ, 1);
	KCHECK(r1 > 0);
	printk("bench: blk.seq_write.mib_s %ld\n", w);
	printk("bench: blk.seq_read.mib_s %ld\n", r);
	printk("bench: blk.seq_write_qd1.mib_s %ld\n", w1);
	printk("bench: blk.seq_read_qd1.mib_s %ld\n", r1);
out:
	for (unsigned int k = 0; k < BENCH_DEPTH; k++)
		kfree(br->buf[k]);
	kfree(br);
	return failures;
}
