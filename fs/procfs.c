/* SPDX-License-Identifier: BSD-2-Clause */
/* procfs: /proc as proc(5) describes it; each file's text is made at open into a buffer that reads and seeks serve. */
#include <stdarg.h>
#include <mote/errno.h>
#include "abi/fdtable.h"
#include "abi/process.h"
#include "arch/x86_64/cpu.h"
#include "fs/procfs.h"
#ifdef CONFIG_LWIP
#include "net/lwip/lwip_port.h"
#include "net/netdev.h"
#endif
#include "fs/vfs.h"
#include "kernel/heap.h"
#include "kernel/init.h"
#include "kernel/random.h"
#include "kernel/time.h"
#include "kernel/vm.h"
#include "lib/format.h"
#include "lib/string.h"

#define PROC_SUPER_MAGIC	0x9fa0		/* statfs f_type (Linux include/uapi/linux/magic.h) */
#define PROC_PID		1		/* the one process */
#define USER_HZ			100		/* clock ticks of /proc times: sysconf(_SC_CLK_TCK) */
#define FD_INO_BASE		0x10000		/* inode numbers of /proc/1/fd/N: base + N */
#define SEQ_MAX			(4u << 20)	/* the largest text one file makes */

/* The application's name (apps/app_image.S): argv[0], comm, exe. */
extern const char app_image_name[];

/* Ticks since boot when procfs was mounted, just before the application started. */
static uint64_t start_ticks;

/* ---------------------------------------------------------------- text buffers */

/* A growing text; any failure to grow sticks, and the open that made it fails with ENOMEM. */
struct seq {
	char *buf;
	size_t len, cap;
	bool failed;
};

static bool seq_reserve(struct seq *s, size_t n)
{
	size_t cap;
	char *p;

	if (s->failed)
		return false;
	if (n <= s->cap - s->len)
		return true;
	if (n > SEQ_MAX - s->len) {
		s->failed = true;
		return false;
	}
	for (cap = s->cap ? s->cap : 512; cap - s->len < n; cap *= 2)
		;
	p = krealloc(s->buf, MIN(cap, (size_t)SEQ_MAX));
	if (!p) {
		s->failed = true;
		return false;
	}
	s->buf = p;
	s->cap = MIN(cap, (size_t)SEQ_MAX);
	return true;
}

static void seq_write(struct seq *s, const char *p, size_t n)
{
	if (seq_reserve(s, n)) {
		memcpy(s->buf + s->len, p, n);
		s->len += n;
	}
}

static void seq_out(void *ctx, const char *p, size_t n)
{
	seq_write(ctx, p, n);
}

static __printf(2, 3) void seq_printf(struct seq *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fmt_vformat(seq_out, s, fmt, ap);
	va_end(ap);
}

/* readlink's answer from a seq: at most n bytes (truncated as readlink(2) is), then the seq is freed. */
static long seq_take(struct seq *s, char *buf, size_t n)
{
	long r = -ENOMEM;

	if (!s->failed) {
		r = (long)MIN(n, s->len);
		memcpy(buf, s->buf, (size_t)r);
	}
	kfree(s->buf);
	return r;
}

/* ---------------------------------------------------------------- the process's files */

static void show_self(struct seq *s)
{
	seq_printf(s, "%d", PROC_PID);
}

static void show_exe(struct seq *s)
{
	/* The executable is not a file in the tree: its image name stands for its path. */
	seq_printf(s, "/%s", app_image_name);
}

static void show_dentry_path(struct seq *s, struct dentry *d)
{
	char *p = kmalloc(PATH_MAX);
	long n = p ? d_path(d, p, PATH_MAX) : -ENOMEM;

	if (n < 0)
		s->failed = true;
	else
		seq_write(s, p, (size_t)n);
	kfree(p);
}

static void show_cwd(struct seq *s)
{
	/* Under the namespace lock, so a chdir cannot drop the dentry meanwhile. */
	vfs_lock();
	show_dentry_path(s, vfs_cwd());
	vfs_unlock();
}

static void show_root(struct seq *s)
{
	seq_write(s, "/", 1);
}

static void show_maps(struct seq *s)
{
	size_t need = vm_format_maps(NULL, 0);

	/* Another thread may map meanwhile: size it, write it, and retry if it grew. */
	for (int tries = 0; tries < 4; tries++) {
		if (!seq_reserve(s, need + 256))
			return;
		need = vm_format_maps(s->buf + s->len, s->cap - s->len);
		if (need < s->cap - s->len) {
			s->len += need;
			return;
		}
	}
	s->failed = true;
}

/* Figures from the mappings: all of them (vsize) and the main stack. */
static void map_sizes(uint64_t *vsize, uint64_t *stack)
{
	struct seq m = { 0 };

	*vsize = *stack = 0;
	show_maps(&m);
	for (size_t i = 0; !m.failed && i < m.len;) {
		uint64_t start = 0, end = 0, *v = &start;
		size_t eol = i;

		while (eol < m.len && m.buf[eol] != '\n')
			eol++;
		for (size_t j = i; j < eol && m.buf[j] != ' '; j++) {
			char c = m.buf[j];

			if (c == '-')
				v = &end;
			else
				*v = *v << 4 | (uint64_t)(c <= '9' ? c - '0' : c - 'a' + 10);
		}
		/* vma_format_maps() left a NUL after the text, so buf[eol] is inside the buffer. */
		m.buf[eol] = 0;
		/* The guard gap below the stack is no mapping of the process's (Linux shows none). */
		if (end > start && !strstr(m.buf + i, "[stack guard]")) {
			*vsize += end - start;
			if (strstr(m.buf + i, "[stack]"))
				*stack += end - start;
		}
		i = eol + 1;
	}
	kfree(m.buf);
}

static uint64_t rss_bytes(void)
{
	struct vm_stats st;

	vm_get_stats(&st);
	return st.anon + st.file;
}

/* The process's CPU time (all its threads), in clock ticks. */
static uint64_t cpu_clock_ticks(void)
{
	return tsc_to_ns(process_cpu_ticks()) / (NSEC_PER_SEC / USER_HZ);
}

static unsigned int thread_count(void)
{
	unsigned int n = READ_ONCE(proc.nthreads);

	return n ? n : 1;
}

/* proc(5) /proc/pid/stat: 52 fields; those Mote has no notion of are 0. */
static void show_stat(struct seq *s)
{
	uint64_t vsize, stack;

	map_sizes(&vsize, &stack);
	seq_printf(s, "%d (%.15s) R 0 %d %d %u %d %u 0 0 0 0 ", PROC_PID, app_image_name, PROC_PID,
		   PROC_PID, (5u << 8) | 1u /* tty_nr: /dev/console (5,1) */, PROC_PID, 0u);
	seq_printf(s, "%lu 0 0 0 20 0 %u 0 %lu %lu %lu %lu 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
		   cpu_clock_ticks(),				/* utime (stime 0, cutime 0, cstime 0) */
		   thread_count(),				/* num_threads */
		   (uint64_t)(tsc_to_ns(start_ticks) / (NSEC_PER_SEC / USER_HZ)),	/* starttime */
		   vsize, rss_bytes() / PAGE_SIZE,		/* vsize in bytes, rss in pages */
		   ~0ul);					/* rsslim: RLIM_INFINITY */
}

static void show_status(struct seq *s)
{
	struct vm_stats st;
	uint64_t vsize, stack;

	map_sizes(&vsize, &stack);
	vm_get_stats(&st);
	seq_printf(s, "Name:\t%.15s\nUmask:\t%04o\nState:\tR (running)\nTgid:\t%d\nNgid:\t0\n"
		   "Pid:\t%d\nPPid:\t0\nTracerPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n"
		   "FDSize:\t%d\nGroups:\t\n", app_image_name, vfs_umask, PROC_PID, PROC_PID, fd_limit());
	seq_printf(s, "VmPeak:\t%8lu kB\nVmSize:\t%8lu kB\nVmLck:\t       0 kB\nVmPin:\t       0 kB\n"
		   "VmHWM:\t%8lu kB\nVmRSS:\t%8lu kB\nRssAnon:\t%8lu kB\nRssFile:\t%8lu kB\n"
		   "RssShmem:\t       0 kB\nVmStk:\t%8lu kB\nVmPTE:\t%8lu kB\nVmSwap:\t       0 kB\n",
		   vsize >> 10, vsize >> 10, (st.anon + st.file) >> 10, (st.anon + st.file) >> 10,
		   st.anon >> 10, st.file >> 10, stack >> 10, st.page_tables >> 10);
	seq_printf(s, "Threads:\t%u\nSigQ:\t0/0\nSigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\n"
		   "Cpus_allowed:\t1\nCpus_allowed_list:\t0\n", thread_count());
}

static void show_comm(struct seq *s)
{
	seq_printf(s, "%.15s\n", app_image_name);	/* TASK_COMM_LEN 16, NUL included */
}

/* argv as the application got it (abi/process.c): its name, then the words after "--". */
static void show_cmdline(struct seq *s)
{
	seq_write(s, app_image_name, strlen(app_image_name) + 1);
	for (unsigned int i = 0; i < kernel_cmdline.argc && i < 64; i++)
		seq_write(s, kernel_cmdline.argv[i], strlen(kernel_cmdline.argv[i]) + 1);
}

static void mount_line(const struct mount *m, void *ctx)
{
	struct seq *s = ctx;

	seq_printf(s, "%s ", m->sb->fstype);
	if (m->mountpoint)
		show_dentry_path(s, m->mountpoint);
	else
		seq_write(s, "/", 1);
	seq_printf(s, " %s %s 0 0\n", m->sb->fstype, m->sb->flags & SUPER_READONLY ? "ro" : "rw");
}

/* proc(5) /proc/pid/mounts, the fstab(5) format: device, mount point, type, options, 0 0. */
static void show_mounts(struct seq *s)
{
	vfs_for_each_mount(mount_line, s);
}

/* ---------------------------------------------------------------- system files */

static void show_meminfo(struct seq *s)
{
	struct vm_stats st;
	const struct {
		const char *name;
		uint64_t bytes;
	} *f, rows[] = {
		{ "MemTotal:", 0 }, { "MemFree:", 0 }, { "MemAvailable:", 0 }, { "Buffers:", 0 },
		{ "Cached:", 0 }, { "SwapCached:", 0 }, { "Active:", 0 }, { "Inactive:", 0 },
		{ "Active(anon):", 0 }, { "Inactive(anon):", 0 }, { "Active(file):", 0 },
		{ "Inactive(file):", 0 }, { "Unevictable:", 0 }, { "Mlocked:", 0 },
		{ "SwapTotal:", 0 }, { "SwapFree:", 0 }, { "Dirty:", 0 }, { "Writeback:", 0 },
		{ "AnonPages:", 0 }, { "Mapped:", 0 }, { "Shmem:", 0 }, { "Slab:", 0 },
		{ "SReclaimable:", 0 }, { "SUnreclaim:", 0 }, { "PageTables:", 0 },
		{ "CommitLimit:", 0 }, { "Committed_AS:", 0 },
		{ "VmallocTotal:", 34359738367ull << 10 },	/* x86_64's vmalloc area, as Linux reports it */
		{ "VmallocUsed:", 0 }, { "VmallocChunk:", 0 },
	};
	uint64_t v[ARRAY_SIZE(rows)];

	vm_get_stats(&st);
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++)
		v[i] = rows[i].bytes;
	/* Indexes follow rows[]; file pages of mappings are page cache on Linux. */
	v[0] = st.total;
	v[1] = st.free;
	v[2] = st.free;
	v[4] = st.file;
	v[6] = st.anon + st.file;
	v[8] = st.anon;
	v[10] = st.file;
	v[18] = st.anon;
	v[19] = st.file;
	v[21] = st.kernel_heap;
	v[23] = st.kernel_heap;
	v[24] = st.page_tables;
	v[25] = st.total;
	v[26] = st.anon + st.file;
	/* Linux fs/proc/meminfo.c: the name padded to 16 columns, the value to 8, in kB. */
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		f = &rows[i];
		seq_printf(s, "%-15s %8lu kB\n", f->name, v[i] >> 10);
	}
	seq_printf(s, "HugePages_Total:       0\nHugePages_Free:        0\nHugePages_Rsvd:        0\n"
		   "HugePages_Surp:        0\nHugepagesize:       2048 kB\n");
}

/*
 * CPUID feature bits by the names Linux's /proc/cpuinfo gives them
 * (arch/x86/include/asm/cpufeatures.h), one string per register, bit 0
 * first; "-" marks a bit without a name there (reserved, or shown
 * elsewhere). Bits are as the Intel SDM vol. 2A (CPUID) and AMD APM
 * vol. 3 define them.
 */
static const struct {
	uint32_t leaf, sub;
	uint8_t reg;		/* 0 eax, 1 ebx, 2 ecx, 3 edx */
	const char *names;
} cpu_flags[] = {
	{ 1, 0, 3, "fpu vme de pse tsc msr pae mce cx8 apic - sep mtrr pge mca cmov pat pse36 pn "
		   "clflush - dts acpi mmx fxsr sse sse2 ss ht tm ia64 pbe" },
	{ 0x80000001, 0, 3, "- - - - - - - - - - - syscall - - - - - - - mp nx - mmxext - - fxsr_opt "
			    "pdpe1gb rdtscp - lm 3dnowext 3dnow" },
	{ 1, 0, 2, "pni pclmulqdq dtes64 monitor ds_cpl vmx smx est tm2 ssse3 cid sdbg fma cx16 xtpr "
		   "pdcm - pcid dca sse4_1 sse4_2 x2apic movbe popcnt tsc_deadline_timer aes xsave - "
		   "avx f16c rdrand hypervisor" },
	{ 0x80000001, 0, 2, "lahf_lm cmp_legacy svm extapic cr8_legacy abm sse4a misalignsse "
			    "3dnowprefetch osvw ibs xop skinit wdt - lwp fma4 tce - nodeid_msr - tbm "
			    "topoext perfctr_core perfctr_nb - bpext ptsc perfctr_llc mwaitx" },
	{ 7, 0, 1, "fsgsbase tsc_adjust sgx bmi1 hle avx2 - smep bmi2 erms invpcid rtm cqm - mpx "
		   "rdt_a avx512f avx512dq rdseed adx smap avx512ifma - clflushopt clwb intel_pt "
		   "avx512pf avx512er avx512cd sha_ni avx512bw avx512vl" },
	{ 0xd, 1, 0, "xsaveopt xsavec xgetbv1 xsaves" },
	{ 7, 0, 2, "- avx512vbmi umip pku ospke waitpkg avx512_vbmi2 - gfni vaes vpclmulqdq "
		   "avx512_vnni avx512_bitalg tme avx512_vpopcntdq - la57 - - - - - rdpid - "
		   "bus_lock_detect cldemote - movdiri movdir64b enqcmd sgx_lc" },
	{ 7, 0, 3, "- - avx512_4vnniw avx512_4fmaps fsrm - - - avx512_vp2intersect - md_clear - - - "
		   "serialize - tsxldtrk - pconfig arch_lbr ibt - amx_bf16 avx512_fp16 amx_tile amx_int8 "
		   "- - flush_l1d arch_capabilities" },
};

static uint32_t cpuid_reg(uint32_t leaf, uint32_t sub, unsigned int reg)
{
	uint32_t r[4];

	if (leaf >= 0x80000000u ? leaf > cpu.max_ext_leaf : leaf > cpu.max_leaf)
		return 0;
	cpuid(leaf, sub, &r[0], &r[1], &r[2], &r[3]);
	return r[reg];
}

static void show_flags(struct seq *s)
{
	for (size_t i = 0; i < ARRAY_SIZE(cpu_flags); i++) {
		uint32_t bits = cpuid_reg(cpu_flags[i].leaf, cpu_flags[i].sub, cpu_flags[i].reg);
		const char *p = cpu_flags[i].names;

		for (unsigned int bit = 0; *p && bit < 32; bit++) {
			const char *end = strchr(p, ' ');
			size_t n = end ? (size_t)(end - p) : strlen(p);

			if ((bits >> bit & 1) && !(n == 1 && *p == '-')) {
				seq_write(s, " ", 1);
				seq_write(s, p, n);
			}
			p += n + (end ? 1 : 0);
		}
	}
}

/* The layout of Linux's arch/x86/kernel/cpu/proc.c, for the one CPU Mote runs on. */
static void show_cpuinfo(struct seq *s)
{
	uint32_t brand[13] = { 0 };
	uint64_t khz = time_tsc_hz() / 1000;
	uint32_t sizes = cpuid_reg(0x80000008, 0, 0);
	const char *name = "unknown";

	if (cpu.max_ext_leaf >= 0x80000004) {
		for (uint32_t i = 0; i < 3; i++)
			cpuid(0x80000002 + i, 0, &brand[4 * i], &brand[4 * i + 1], &brand[4 * i + 2],
			      &brand[4 * i + 3]);
		for (name = (const char *)brand; *name == ' '; name++)
			;
	}
	seq_printf(s, "processor\t: 0\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\n"
		   "model name\t: %s\nstepping\t: %u\ncpu MHz\t\t: %lu.%03lu\n"
		   "physical id\t: 0\nsiblings\t: 1\ncore id\t\t: 0\ncpu cores\t: 1\napicid\t\t: 0\n"
		   "initial apicid\t: 0\nfpu\t\t: yes\nfpu_exception\t: yes\ncpuid level\t: %u\n"
		   "wp\t\t: yes\nflags\t\t:",
		   cpu.vendor, cpu.family, cpu.model, name, cpu.stepping, khz / 1000, khz % 1000,
		   cpu.max_leaf);
	show_flags(s);
	seq_printf(s, "\nbogomips\t: %lu.%02lu\nclflush size\t: 64\ncache_alignment\t: 64\n",
		   khz * 2 / 1000, khz * 2 / 10 % 100);
	if (sizes)
		seq_printf(s, "address sizes\t: %u bits physical, %u bits virtual\n", sizes & 0xff,
			   sizes >> 8 & 0xff);
	seq_printf(s, "power management:\n\n");
}

/* proc(5): seconds since boot and seconds spent idle, to the hundredth (idle is not counted: 0). */
static void show_uptime(struct seq *s)
{
	uint64_t cs = time_monotonic_ns() / (NSEC_PER_SEC / 100);

	seq_printf(s, "%lu.%02lu 0.00\n", cs / 100, cs % 100);
}

/* /proc/net/snmp: the TCP/IP stack's counters (net/lwip/stats.c); empty without one. */
static void show_net_snmp(struct seq *s)
{
#ifdef CONFIG_LWIP
	char buf[1024];

	seq_write(s, buf, lwip_port_snmp(buf, sizeof(buf)));
#else
	(void)s;
#endif
}

/*
 * /proc/net/dev: each network device's counters in Linux's layout
 * (proc(5); net/core/net-procfs.c prints the same columns). Packets are
 * frames handed to or taken from the device: a TSO frame counts once,
 * as Linux counts one GSO packet. Counters the drivers do not keep
 * (fifo, frame, compressed, multicast, colls, carrier) are 0.
 */
static void show_net_dev(struct seq *s)
{
	seq_printf(s, "Inter-|   Receive                                                |  Transmit\n"
		      " face |bytes    packets errs drop fifo frame compressed multicast|"
		      "bytes    packets errs drop fifo colls carrier compressed\n");
	for (struct netdev *d = netdev_next(NULL); d; d = netdev_next(d)) {
		const struct netdev_stats *st = &d->stats;

		seq_printf(s, "%6s: %7llu %7llu %4llu %4llu %4u %5u %10u %9u %8llu %7llu %4llu %4u %4u %5u %7u %10u\n",
			   d->name, (unsigned long long)st->rx_bytes, (unsigned long long)st->rx_packets,
			   (unsigned long long)st->rx_errors, (unsigned long long)st->rx_dropped, 0, 0, 0, 0,
			   (unsigned long long)st->tx_bytes, (unsigned long long)st->tx_packets,
			   (unsigned long long)st->tx_errors, 0, 0, 0, 0, 0);
	}
}

static void show_version(struct seq *s)
{
	/* The release and version uname(2) reports (abi/sys_process.c). */
#ifdef __clang__
	seq_printf(s, "Linux version 6.1.0-mote (mote@mote) (%s) #1 Mote\n", __VERSION__);
#else
	seq_printf(s, "Linux version 6.1.0-mote (mote@mote) (gcc version %s) #1 Mote\n", __VERSION__);
#endif
}

/* A random (version 4) UUID, as random(4) describes /proc/sys/kernel/random/uuid. */
static void show_uuid_of(struct seq *s, const uint8_t u[16])
{
	for (int i = 0; i < 16; i++)
		seq_printf(s, "%s%02x", i == 4 || i == 6 || i == 8 || i == 10 ? "-" : "", u[i]);
	seq_write(s, "\n", 1);
}

static void new_uuid(uint8_t u[16])
{
	random_bytes(u, 16);
	u[6] = (u[6] & 0x0f) | 0x40;	/* version 4 (RFC 4122 4.4) */
	u[8] = (u[8] & 0x3f) | 0x80;	/* variant 10 */
}

static void show_uuid(struct seq *s)
{
	uint8_t u[16];

	new_uuid(u);
	show_uuid_of(s, u);
}

static void show_boot_id(struct seq *s)
{
	static uint8_t boot_id[16];
	static bool made;

	if (!made) {
		new_uuid(boot_id);
		made = true;
	}
	show_uuid_of(s, boot_id);
}

/* ---------------------------------------------------------------- the tree */

enum proc_kind { K_DIR, K_FILE, K_LINK, K_FD_DIR };

/* Every name of /proc but the fds, a directory's children after it; inode numbers are index + 1. */
enum {
	P_ROOT, P_SELF, P_PID, P_CPUINFO, P_MEMINFO, P_MOUNTS, P_UPTIME, P_VERSION, P_SYS,
	P_SYS_KERNEL, P_RANDOM, P_BOOT_ID, P_UUID, P_NET, P_NET_SNMP, P_NET_DEV,
	P_CMDLINE, P_COMM, P_CWD, P_EXE, P_FD, P_MAPS, P_PID_MOUNTS, P_ROOTLINK, P_STAT, P_STATUS,
	P_COUNT
};

static const struct proc_entry {
	const char *name;
	uint8_t parent;
	uint8_t kind;
	uint16_t perm;
	void (*show)(struct seq *s);	/* a file's text, a link's target */
} entries[P_COUNT] = {
	[P_ROOT] = { "", P_ROOT, K_DIR, 0555, NULL },
	[P_SELF] = { "self", P_ROOT, K_LINK, 0777, show_self },
	[P_PID] = { "1", P_ROOT, K_DIR, 0555, NULL },
	[P_CPUINFO] = { "cpuinfo", P_ROOT, K_FILE, 0444, show_cpuinfo },
	[P_MEMINFO] = { "meminfo", P_ROOT, K_FILE, 0444, show_meminfo },
	[P_MOUNTS] = { "mounts", P_ROOT, K_LINK, 0777, NULL },	/* -> self/mounts, as on Linux */
	[P_UPTIME] = { "uptime", P_ROOT, K_FILE, 0444, show_uptime },
	[P_VERSION] = { "version", P_ROOT, K_FILE, 0444, show_version },
	[P_SYS] = { "sys", P_ROOT, K_DIR, 0555, NULL },
	[P_SYS_KERNEL] = { "kernel", P_SYS, K_DIR, 0555, NULL },
	[P_RANDOM] = { "random", P_SYS_KERNEL, K_DIR, 0555, NULL },
	[P_BOOT_ID] = { "boot_id", P_RANDOM, K_FILE, 0444, show_boot_id },
	[P_UUID] = { "uuid", P_RANDOM, K_FILE, 0444, show_uuid },
	[P_NET] = { "net", P_ROOT, K_DIR, 0555, NULL },
	[P_NET_SNMP] = { "snmp", P_NET, K_FILE, 0444, show_net_snmp },
	[P_NET_DEV] = { "dev", P_NET, K_FILE, 0444, show_net_dev },
	[P_CMDLINE] = { "cmdline", P_PID, K_FILE, 0444, show_cmdline },
	[P_COMM] = { "comm", P_PID, K_FILE, 0644, show_comm },
	[P_CWD] = { "cwd", P_PID, K_LINK, 0777, show_cwd },
	[P_EXE] = { "exe", P_PID, K_LINK, 0777, show_exe },
	[P_FD] = { "fd", P_PID, K_FD_DIR, 0500, NULL },
	[P_MAPS] = { "maps", P_PID, K_FILE, 0444, show_maps },
	[P_PID_MOUNTS] = { "mounts", P_PID, K_FILE, 0444, show_mounts },
	[P_ROOTLINK] = { "root", P_PID, K_LINK, 0777, show_root },
	[P_STAT] = { "stat", P_PID, K_FILE, 0444, show_stat },
	[P_STATUS] = { "status", P_PID, K_FILE, 0444, show_status },
};

static const struct inode_ops proc_dir_iops, proc_link_iops, proc_fd_link_iops;
static const struct file_ops proc_dir_fops, proc_file_fops;

static struct inode *proc_inode(struct super *sb, unsigned int idx)
{
	static const uint32_t type[] = {
		[K_DIR] = S_IFDIR, [K_FILE] = S_IFREG, [K_LINK] = S_IFLNK, [K_FD_DIR] = S_IFDIR,
	};
	const struct proc_entry *e = &entries[idx];
	struct inode *inode = inode_alloc(sb, type[e->kind] | e->perm);

	if (!inode)
		return NULL;
	inode->ino = idx + 1;
	inode->priv = (void *)e;
	switch (e->kind) {
	case K_DIR:
	case K_FD_DIR:
		inode->nlink = 2;
		inode->iops = &proc_dir_iops;
		inode->fops = &proc_dir_fops;
		break;
	case K_LINK:
		inode->iops = &proc_link_iops;
		break;
	default:
		inode->fops = &proc_file_fops;
		break;
	}
	return inode;
}

static struct inode *proc_root(struct super *sb)
{
	return proc_inode(sb, P_ROOT);
}

/* A decimal fd number as /proc/1/fd names it: no sign, no leading zero. */
static int parse_fd(const char *name, size_t len)
{
	int fd = 0;

	if (len == 0 || len > 9 || (name[0] == '0' && len > 1))
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (name[i] < '0' || name[i] > '9')
			return -1;
		fd = fd * 10 + (name[i] - '0');
	}
	return fd;
}

static int proc_lookup(struct inode *dir, struct dentry *d)
{
	const struct proc_entry *e = dir->priv;
	unsigned int idx = (unsigned int)(e - entries);
	struct inode *inode;

	if (e->kind == K_FD_DIR) {
		int fd = parse_fd(d->name, d->len);
		struct file *f = fd >= 0 ? fd_get(fd) : NULL;
		uint32_t perm = 0100;

		if (!f)
			return -ENOENT;
		/* Linux shows the access mode in the link's permissions (lr-x, l-wx, lrwx). */
		perm |= (f->mode & FILE_READ ? 0400 : 0) | (f->mode & FILE_WRITE ? 0200 : 0);
		fput(f);
		inode = inode_alloc(dir->sb, S_IFLNK | perm);
		if (!inode)
			return -ENOMEM;
		inode->ino = FD_INO_BASE + (uint64_t)fd;
		inode->priv = (void *)(uintptr_t)fd;
		inode->iops = &proc_fd_link_iops;
		d_instantiate(d, inode);
		return 0;
	}
	for (unsigned int i = 1; i < P_COUNT; i++) {
		if (entries[i].parent != idx || strlen(entries[i].name) != d->len ||
		    memcmp(entries[i].name, d->name, d->len))
			continue;
		inode = proc_inode(dir->sb, i);
		if (!inode)
			return -ENOMEM;
		d_instantiate(d, inode);
		return 0;
	}
	return -ENOENT;
}

/* getdents: "." and ".." at cookies 0 and 1, then the children (static ones by order, fds at fd + 2). */
struct fd_walk {
	struct dir_ctx *ctx;
	bool full;
};

static void emit_fd(int fd, struct file *f, void *p)
{
	struct fd_walk *w = p;
	char name[12];
	int n;

	(void)f;
	if (w->full || (uint64_t)fd + 2 < w->ctx->pos)
		return;
	w->ctx->pos = (uint64_t)fd + 2;
	n = fmt_snprintf(name, sizeof(name), "%d", fd);
	if (!w->ctx->emit(w->ctx, name, (size_t)n, FD_INO_BASE + (uint64_t)fd, DT_LNK)) {
		w->full = true;
		return;
	}
	w->ctx->pos = (uint64_t)fd + 3;
}

static int proc_iterate(struct file *f, struct dir_ctx *ctx)
{
	const struct proc_entry *e = f->inode->priv;
	unsigned int idx = (unsigned int)(e - entries);
	struct dentry *dir = f->dentry, *up;
	uint64_t k = 2;

	if (ctx->pos == 0) {
		if (!ctx->emit(ctx, ".", 1, f->inode->ino, DT_DIR))
			return 0;
		ctx->pos = 1;
	}
	if (ctx->pos == 1) {
		uint64_t ino;

		vfs_lock();
		up = dir->parent;
		if (dir->mount && dir->mount->mountpoint)
			up = dir->mount->mountpoint->parent;
		ino = up->inode->ino;
		vfs_unlock();
		if (!ctx->emit(ctx, "..", 2, ino, DT_DIR))
			return 0;
		ctx->pos = 2;
	}
	if (e->kind == K_FD_DIR) {
		struct fd_walk w = { ctx, false };

		fd_for_each(emit_fd, &w);
		return 0;
	}
	for (unsigned int i = 1; i < P_COUNT; i++) {
		if (entries[i].parent != idx)
			continue;
		if (k >= ctx->pos) {
			unsigned int type = entries[i].kind == K_FILE ? DT_REG :
					    entries[i].kind == K_LINK ? DT_LNK : DT_DIR;

			ctx->pos = k;
			if (!ctx->emit(ctx, entries[i].name, strlen(entries[i].name), i + 1, type))
				return 0;
			ctx->pos = k + 1;
		}
		k++;
	}
	return 0;
}

static long proc_readlink(struct inode *inode, char *buf, size_t n)
{
	const struct proc_entry *e = inode->priv;
	struct seq s = { 0 };

	if (e == &entries[P_MOUNTS])
		seq_printf(&s, "self/mounts");
	else
		e->show(&s);
	return seq_take(&s, buf, n);
}

/* What an fd names: its path, or for files without one the form Linux uses ("pipe:[ino]"). */
static long proc_fd_readlink(struct inode *inode, char *buf, size_t n)
{
	struct file *f = fd_get((int)(uintptr_t)inode->priv);
	struct seq s = { 0 };

	if (!f)
		return -ENOENT;
	if (f->dentry)
		show_dentry_path(&s, f->dentry);
	else if (f->anon_name && f->anon_name[0] == '/')
		seq_printf(&s, "%s", f->anon_name);	/* opened at boot without a walk: the console */
	else if (f->inode && S_ISFIFO(f->inode->mode))
		seq_printf(&s, "pipe:[%lu]", f->inode->ino);
	else if (f->inode && (f->inode->mode & S_IFMT) == S_IFSOCK)
		seq_printf(&s, "socket:[%lu]", f->inode->ino);
	else
		seq_printf(&s, "anon_inode:[%s]", f->anon_name ? f->anon_name : "unknown");
	fput(f);
	return seq_take(&s, buf, n);
}

static int proc_open(struct inode *inode, struct file *f)
{
	const struct proc_entry *e = inode->priv;
	struct seq *s;

	if (f->mode & FILE_WRITE)
		return -EACCES;
	s = kcalloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	e->show(s);
	if (s->failed) {
		kfree(s->buf);
		kfree(s);
		return -ENOMEM;
	}
	f->priv = s;
	return 0;
}

static long proc_read(struct file *f, struct uio *u, size_t n, uint64_t *pos)
{
	struct seq *s = f->priv;
	size_t k;

	if (*pos >= s->len)
		return 0;
	k = MIN(n, (size_t)(s->len - *pos));
	if (uio_copy_out(u, s->buf + *pos, k))
		return -EFAULT;
	*pos += k;
	return (long)k;
}

/* Linux include/uapi/linux/fs.h */
#define SEEK_SET	0
#define SEEK_CUR	1
#define SEEK_END	2

static int64_t proc_llseek(struct file *f, int64_t off, int whence)
{
	struct seq *s = f->priv;
	int64_t base;

	switch (whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = (int64_t)f->pos;
		break;
	case SEEK_END:
		base = (int64_t)s->len;
		break;
	default:
		return -EINVAL;
	}
	if ((off > 0 && base > INT64_MAX - off) || base + off < 0)
		return -EINVAL;
	f->pos = (uint64_t)(base + off);
	return (int64_t)f->pos;
}

static void proc_release(struct file *f)
{
	struct seq *s = f->priv;

	if (s)
		kfree(s->buf);
	kfree(s);
}

static const struct inode_ops proc_dir_iops = { .lookup = proc_lookup };
static const struct inode_ops proc_link_iops = { .readlink = proc_readlink };
static const struct inode_ops proc_fd_link_iops = { .readlink = proc_fd_readlink };
static const struct file_ops proc_dir_fops = { .iterate = proc_iterate };
static const struct file_ops proc_file_fops = {
	.open = proc_open,
	.read = proc_read,
	.llseek = proc_llseek,
	.release = proc_release,
};

int procfs_init(void)
{
	struct super *sb;
	int r;

	start_ticks = time_ticks_since_boot();
	r = vfs_mkdir(NULL, "/proc", 0555);
	if (r && r != -EEXIST)
		return r;
	/* Names are made on lookup, and dropped with their last reference. */
	sb = super_alloc("proc", 0, proc_root);
	if (!sb)
		return -ENOMEM;
	sb->magic = PROC_SUPER_MAGIC;
	return vfs_mount("/proc", sb);
}
