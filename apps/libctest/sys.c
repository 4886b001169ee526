/* SPDX-License-Identifier: BSD-2-Clause */
/* libctest, sys area: limits and usage, randomness, auxv, scheduling, readiness, devices and errno of bad calls. */
#include "harness.h"

#include <elf.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#define NS_PER_MS 1000000LL

/* An address in the kernel half: never the application's. */
#define KERNEL_PTR ((void *)0xffffffff80100000ul)

static int rlimit_nofile(void)
{
	struct rlimit rl, old;

	REQUIRE(getrlimit(RLIMIT_NOFILE, &rl) == 0);
	REQUIREF(rl.rlim_cur > 0 && rl.rlim_cur <= rl.rlim_max, "RLIMIT_NOFILE %lu/%lu",
		 (unsigned long)rl.rlim_cur, (unsigned long)rl.rlim_max);
	REQUIRE(prlimit(0, RLIMIT_NOFILE, NULL, &old) == 0);
	REQUIRE(old.rlim_cur == rl.rlim_cur && old.rlim_max == rl.rlim_max);
	REQUIRE(getrlimit(RLIMIT_STACK, &rl) == 0);
	REQUIREF(rl.rlim_cur >= 65536, "RLIMIT_STACK %lu", (unsigned long)rl.rlim_cur);
	REQUIRE_ERR(getrlimit(12345, &rl), EINVAL);
	return 0;
}

static int rlimit_nofile_enforced(void)
{
	struct rlimit rl, low;
	int rc = 0, fd, last = -1;

	REQUIRE(getrlimit(RLIMIT_NOFILE, &rl) == 0);
	REQUIRE(rl.rlim_max >= 64);
	low = rl;
	low.rlim_cur = 64;
	REQUIRE(setrlimit(RLIMIT_NOFILE, &low) == 0);
	REQUIRE(getrlimit(RLIMIT_NOFILE, &low) == 0);
	if (low.rlim_cur != 64)
		rc = lt_fail(__FILE__, __LINE__, "RLIMIT_NOFILE reads back %lu, want 64", (unsigned long)low.rlim_cur);
	/* Fill the table: the descriptor 64 must be refused. */
	while (!rc && (fd = open(".", O_RDONLY | O_DIRECTORY)) >= 0) {
		last = fd;
		if (fd >= 64) {
			rc = lt_fail(__FILE__, __LINE__, "descriptor %d opened under a limit of 64", fd);
			break;
		}
	}
	if (!rc && (errno != EMFILE || last != 63))
		rc = lt_fail(__FILE__, __LINE__, "open stopped at %d with errno %s, want 63 then EMFILE", last,
			     lt_errname(errno));
	if (!rc && (dup(0) != -1 || errno != EMFILE))
		rc = lt_fail(__FILE__, __LINE__, "dup at the limit did not fail with EMFILE");
	if (!rc && (fcntl(0, F_DUPFD, 70) != -1 || errno != EINVAL))
		rc = lt_fail(__FILE__, __LINE__, "F_DUPFD above the limit: errno %s, want EINVAL", lt_errname(errno));
	for (fd = 3; fd <= last; fd++)
		close(fd);
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		rc = lt_fail(__FILE__, __LINE__, "cannot restore RLIMIT_NOFILE [errno %s]", lt_errname(errno));
	return rc;
}

static int setrlimit_einval(void)
{
	struct rlimit rl, bad;

	REQUIRE(getrlimit(RLIMIT_NOFILE, &rl) == 0);
	bad.rlim_max = rl.rlim_max;
	bad.rlim_cur = rl.rlim_max == RLIM_INFINITY ? RLIM_INFINITY : rl.rlim_max + 1;
	if (rl.rlim_max != RLIM_INFINITY)
		REQUIRE_ERR(setrlimit(RLIMIT_NOFILE, &bad), EINVAL);
	bad.rlim_cur = 100;
	bad.rlim_max = 50;
	REQUIRE_ERR(setrlimit(RLIMIT_NOFILE, &bad), EINVAL);
	REQUIRE(getrlimit(RLIMIT_NOFILE, &bad) == 0 && bad.rlim_cur == rl.rlim_cur);
	return 0;
}

static int getrusage_self(void)
{
	struct rusage a, b;
	long ua, ub;

	REQUIRE(getrusage(RUSAGE_SELF, &a) == 0);
	lt_busy_ms(100);
	REQUIRE(getrusage(RUSAGE_SELF, &b) == 0);
	ua = a.ru_utime.tv_sec * 1000000L + a.ru_utime.tv_usec + a.ru_stime.tv_sec * 1000000L + a.ru_stime.tv_usec;
	ub = b.ru_utime.tv_sec * 1000000L + b.ru_utime.tv_usec + b.ru_stime.tv_sec * 1000000L + b.ru_stime.tv_usec;
	REQUIREF(ub - ua >= 30000, "CPU time advanced %ld us over 100 ms of spinning", ub - ua);
	REQUIREF(b.ru_maxrss > 0, "ru_maxrss %ld", b.ru_maxrss);
	REQUIRE(getrusage(RUSAGE_THREAD, &b) == 0);
	REQUIRE_ERR(getrusage(12345, &b), EINVAL);
	return 0;
}

static int sysinfo_figures(void)
{
	struct sysinfo si;

	REQUIRE(sysinfo(&si) == 0);
	REQUIREF(si.totalram > 0 && si.freeram <= si.totalram && si.mem_unit >= 1, "totalram %lu freeram %lu unit %u",
		 si.totalram, si.freeram, si.mem_unit);
	REQUIREF(si.procs >= 1, "procs %u", si.procs);
	REQUIREF((int64_t)si.uptime <= lt_mono_ns() / 1000000000 + 1, "uptime %lu s, CLOCK_MONOTONIC %lld s",
		 (unsigned long)si.uptime, (long long)(lt_mono_ns() / 1000000000));
	return 0;
}

static int all_same(const unsigned char *p, size_t n)
{
	for (size_t i = 1; i < n; i++)
		if (p[i] != p[0])
			return 0;
	return 1;
}

static int getrandom_bytes(void)
{
	unsigned char a[64], b[64];

	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	REQUIRE(getrandom(a, sizeof(a), 0) == sizeof(a));
	REQUIRE(getrandom(b, sizeof(b), GRND_NONBLOCK) == sizeof(b));
	REQUIREF(!all_same(a, sizeof(a)) && memcmp(a, b, sizeof(a)), "getrandom gave repeated or constant bytes");
	REQUIRE(getrandom(a, 0, 0) == 0);
	REQUIRE_ERR(getrandom(a, sizeof(a), 0x100), EINVAL);
	REQUIRE_ERR(getrandom(KERNEL_PTR, 16, 0), EFAULT);
	return 0;
}

static int getentropy_bytes(void)
{
	unsigned char a[256], b[257];

	memset(a, 0, sizeof(a));
	REQUIRE(getentropy(a, sizeof(a)) == 0);
	REQUIRE(!all_same(a, sizeof(a)));
	REQUIRE_ERR(getentropy(b, sizeof(b)), EIO);
	return 0;
}

static int dev_urandom(void)
{
	static unsigned char a[4096], b[4096];
	FILE *f;
	int fd;

	fd = open("/dev/urandom", O_RDONLY);
	REQUIREF(fd >= 0, "open /dev/urandom [errno %s]", lt_errname(errno));
	REQUIRE(read(fd, a, sizeof(a)) == sizeof(a));
	REQUIRE(read(fd, b, sizeof(b)) == sizeof(b));
	REQUIRE(!all_same(a, sizeof(a)) && memcmp(a, b, sizeof(a)));
	f = lt_track(fopen("/dev/random", "r"));
	REQUIREF(f != NULL, "fopen /dev/random [errno %s]", lt_errname(errno));
	REQUIRE(fread(a, 1, 32, f) == 32 && !all_same(a, 32));
	REQUIRE(lt_fclose(f) == 0);
	return 0;
}

static int dev_null_zero(void)
{
	char buf[100];
	int fd;
	struct stat st;

	fd = open("/dev/null", O_RDWR);
	REQUIREF(fd >= 0, "open /dev/null [errno %s]", lt_errname(errno));
	REQUIRE(write(fd, "discarded", 9) == 9);
	REQUIRE(read(fd, buf, sizeof(buf)) == 0);
	REQUIRE(fstat(fd, &st) == 0 && S_ISCHR(st.st_mode));
	REQUIRE(close(fd) == 0);
	fd = open("/dev/zero", O_RDONLY);
	REQUIREF(fd >= 0, "open /dev/zero [errno %s]", lt_errname(errno));
	memset(buf, 'x', sizeof(buf));
	REQUIRE(read(fd, buf, sizeof(buf)) == sizeof(buf));
	for (size_t i = 0; i < sizeof(buf); i++)
		REQUIRE(buf[i] == 0);
	return 0;
}

static int proc_self_fd(void)
{
	char cwd[PATH_MAX], want[PATH_MAX + 8], link[64], got[PATH_MAX];
	ssize_t n;
	int fd;

	REQUIRE(getcwd(cwd, sizeof(cwd)) == cwd);
	REQUIRE(lt_write_file("named", "x", 1) == 0);
	fd = open("named", O_RDONLY);
	REQUIRE(fd >= 0);
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	snprintf(want, sizeof(want), "%s/named", cwd);
	n = readlink(link, got, sizeof(got) - 1);
	REQUIREF(n > 0, "readlink %s [errno %s]", link, lt_errname(errno));
	got[n] = 0;
	REQUIREF(!strcmp(got, want), "%s -> \"%s\", want \"%s\"", link, got, want);
	n = readlink("/proc/self/exe", got, sizeof(got) - 1);
	REQUIREF(n > 0 && got[0] == '/', "readlink /proc/self/exe returned %zd [errno %s]", n, lt_errname(errno));
	return 0;
}

static int auxv_pagesz_random(void)
{
	const unsigned char *r = (const unsigned char *)getauxval(AT_RANDOM);

	REQUIREF(getauxval(AT_PAGESZ) == 4096, "AT_PAGESZ %lu", getauxval(AT_PAGESZ));
	REQUIRE(r != NULL);
	REQUIREF(!all_same(r, 16), "AT_RANDOM's 16 bytes are all %02x", r[0]);
	errno = 0;
	REQUIREF(getauxval(12345) == 0 && errno == ENOENT, "a missing entry: errno %s", lt_errname(errno));
	return 0;
}

static int auxv_program_headers(void)
{
	const Elf64_Phdr *ph = (const Elf64_Phdr *)getauxval(AT_PHDR);
	unsigned long n = getauxval(AT_PHNUM);
	int loads = 0;

	REQUIRE(ph != NULL);
	REQUIREF(getauxval(AT_PHENT) == sizeof(Elf64_Phdr), "AT_PHENT %lu", getauxval(AT_PHENT));
	REQUIREF(n >= 2 && n < 64, "AT_PHNUM %lu", n);
	for (unsigned long i = 0; i < n; i++)
		loads += ph[i].p_type == PT_LOAD;
	REQUIREF(loads >= 1, "no PT_LOAD among the %lu program headers", n);
	REQUIREF(getauxval(AT_ENTRY) != 0, "AT_ENTRY is 0");
	return 0;
}

static int auxv_ids(void)
{
	REQUIRE(getauxval(AT_UID) == getuid() && getauxval(AT_EUID) == geteuid());
	REQUIRE(getauxval(AT_GID) == getgid() && getauxval(AT_EGID) == getegid());
	REQUIREF(getauxval(AT_SECURE) == 0, "AT_SECURE %lu", getauxval(AT_SECURE));
	REQUIREF(getauxval(AT_HWCAP) != 0, "AT_HWCAP is 0");
	return 0;
}

static int auxv_execfn(void)
{
	const char *fn = (const char *)getauxval(AT_EXECFN);

	REQUIREF(fn != NULL && fn[0], "AT_EXECFN is %s", fn ? "empty" : "missing");
	REQUIRE(program_invocation_name && program_invocation_name[0]);
	return 0;
}

static int sched_yield_affinity(void)
{
	cpu_set_t set, back;

	REQUIRE(sched_yield() == 0);
	REQUIRE(sched_getaffinity(0, sizeof(set), &set) == 0);
	REQUIREF(CPU_COUNT(&set) >= 1, "no CPU in the affinity mask");
	REQUIRE(sched_setaffinity(0, sizeof(set), &set) == 0);
	REQUIRE(sched_getaffinity(0, sizeof(back), &back) == 0 && CPU_EQUAL(&set, &back));
	CPU_ZERO(&back);
	REQUIRE_ERR(sched_setaffinity(0, sizeof(back), &back), EINVAL);
	return 0;
}

static int sched_getcpu_valid(void)
{
	int cpu = sched_getcpu();
	cpu_set_t set;

	REQUIREF(cpu >= 0, "sched_getcpu failed [errno %s]", lt_errname(errno));
	REQUIRE(sched_getaffinity(0, sizeof(set), &set) == 0);
	REQUIREF(CPU_ISSET(cpu, &set), "running on CPU %d, outside the affinity mask", cpu);
	return 0;
}

static int sched_priorities(void)
{
	REQUIREF(sched_get_priority_max(SCHED_FIFO) == 99 && sched_get_priority_min(SCHED_FIFO) == 1,
		 "SCHED_FIFO priorities %d..%d [errno %s]", sched_get_priority_min(SCHED_FIFO),
		 sched_get_priority_max(SCHED_FIFO), lt_errname(errno));
	REQUIRE(sched_get_priority_max(SCHED_OTHER) == 0 && sched_get_priority_min(SCHED_OTHER) == 0);
	REQUIRE_ERR(sched_get_priority_max(12345), EINVAL);
	return 0;
}

static int poll_pipe(void)
{
	struct pollfd pf[2];
	int p[2];

	REQUIRE(pipe(p) == 0);
	pf[0] = (struct pollfd){ .fd = p[0], .events = POLLIN };
	pf[1] = (struct pollfd){ .fd = p[1], .events = POLLOUT };
	REQUIRE(poll(pf, 2, 0) == 1);
	REQUIRE(pf[0].revents == 0 && pf[1].revents == POLLOUT);
	REQUIRE(write(p[1], "x", 1) == 1);
	REQUIRE(poll(pf, 1, 0) == 1 && pf[0].revents == POLLIN);
	REQUIRE(close(p[1]) == 0);
	pf[0].revents = 0;
	REQUIRE(poll(pf, 1, 0) == 1);
	REQUIREF(pf[0].revents & POLLHUP, "revents 0x%x after the writer closed", pf[0].revents);
	pf[1] = (struct pollfd){ .fd = 999, .events = POLLIN };
	REQUIRE(poll(&pf[1], 1, 0) == 1 && pf[1].revents == POLLNVAL);
	return 0;
}

static int poll_timeout(void)
{
	int64_t t0, dt;
	int p[2];
	struct pollfd pf;

	REQUIRE(pipe(p) == 0);
	pf = (struct pollfd){ .fd = p[0], .events = POLLIN };
	t0 = lt_mono_ns();
	REQUIRE(poll(&pf, 1, 40) == 0);
	dt = lt_mono_ns() - t0;
	REQUIREF(dt >= 40 * NS_PER_MS && dt < 5000 * NS_PER_MS, "poll(40 ms) took %lld us", (long long)(dt / 1000));
	return 0;
}

static int select_pipe(void)
{
	fd_set r, w;
	struct timeval tv = { 0, 30000 };
	int p[2];
	int64_t t0, dt;

	REQUIRE(pipe(p) == 0);
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(p[0], &r);
	FD_SET(p[1], &w);
	REQUIRE(select(p[1] + 1, &r, &w, NULL, &tv) == 1);
	REQUIRE(!FD_ISSET(p[0], &r) && FD_ISSET(p[1], &w));
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	tv = (struct timeval){ 0, 30000 };
	t0 = lt_mono_ns();
	REQUIRE(select(p[0] + 1, &r, NULL, NULL, &tv) == 0);
	dt = lt_mono_ns() - t0;
	REQUIREF(dt >= 30 * NS_PER_MS, "select(30 ms) returned after %lld us", (long long)(dt / 1000));
	REQUIRE(write(p[1], "x", 1) == 1);
	FD_SET(p[0], &r);
	tv = (struct timeval){ 1, 0 };
	REQUIRE(select(p[0] + 1, &r, NULL, NULL, &tv) == 1 && FD_ISSET(p[0], &r));
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	REQUIRE(close(p[1]) == 0 && close(p[0]) == 0);
	REQUIRE_ERR(select(p[0] + 1, &r, NULL, NULL, &tv), EBADF);
	return 0;
}

static int eventfd_counter(void)
{
	eventfd_t v;
	int fd;

	fd = eventfd(3, EFD_CLOEXEC | EFD_NONBLOCK);
	REQUIRE(fd >= 0);
	REQUIRE(eventfd_write(fd, 4) == 0);
	REQUIRE(eventfd_read(fd, &v) == 0);
	REQUIREF(v == 7, "counter %llu, want 7", (unsigned long long)v);
	REQUIRE_ERR(eventfd_read(fd, &v), EAGAIN);
	REQUIRE(close(fd) == 0);
	fd = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
	REQUIRE(fd >= 0);
	REQUIRE(eventfd_read(fd, &v) == 0 && v == 1);
	REQUIRE(eventfd_read(fd, &v) == 0 && v == 1);
	REQUIRE_ERR(eventfd_read(fd, &v), EAGAIN);
	REQUIRE_ERR(eventfd_write(fd, UINT64_MAX), EINVAL);
	return 0;
}

static int epoll_pipe(void)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0x1234567890abcdefULL }, out[4];
	int ep, p[2];
	int64_t t0, dt;

	ep = epoll_create1(EPOLL_CLOEXEC);
	REQUIRE(ep >= 0);
	REQUIRE(pipe(p) == 0);
	REQUIRE(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0);
	REQUIRE_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), EEXIST);
	t0 = lt_mono_ns();
	REQUIRE(epoll_wait(ep, out, 4, 30) == 0);
	dt = lt_mono_ns() - t0;
	REQUIREF(dt >= 30 * NS_PER_MS, "epoll_wait(30 ms) returned after %lld us", (long long)(dt / 1000));
	REQUIRE(write(p[1], "x", 1) == 1);
	REQUIRE(epoll_wait(ep, out, 4, 1000) == 1);
	REQUIRE(out[0].events == EPOLLIN && out[0].data.u64 == 0x1234567890abcdefULL);
	REQUIRE(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL) == 0);
	REQUIRE(epoll_wait(ep, out, 4, 0) == 0);
	REQUIRE_ERR(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL), ENOENT);
	return 0;
}

static void *write_later(void *arg)
{
	struct timespec ts = { 0, 30 * NS_PER_MS };

	nanosleep(&ts, NULL);
	if (write(*(int *)arg, "w", 1) != 1)
		return (void *)1;
	return NULL;
}

static int epoll_thread_wakes(void)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = -1 }, out;
	pthread_t t;
	int ep, p[2], n;
	int64_t t0, dt;
	void *ret;

	ep = epoll_create1(0);
	REQUIRE(ep >= 0);
	REQUIRE(pipe(p) == 0);
	ev.data.fd = p[0];
	REQUIRE(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0);
	REQUIRE_RC(pthread_create(&t, NULL, write_later, &p[1]), 0);
	t0 = lt_mono_ns();
	n = epoll_wait(ep, &out, 1, 5000);
	dt = lt_mono_ns() - t0;
	REQUIRE_RC(pthread_join(t, &ret), 0);
	REQUIREF(n == 1 && out.data.fd == p[0], "epoll_wait returned %d [errno %s]", n, lt_errname(errno));
	REQUIREF(dt < 4000 * NS_PER_MS, "woken after %lld ms", (long long)(dt / NS_PER_MS));
	REQUIRE(ret == NULL);
	return 0;
}

static int errno_efault(void)
{
	int p[2];

	REQUIRE(pipe(p) == 0);
	REQUIRE_ERR(write(p[1], KERNEL_PTR, 1), EFAULT);
	REQUIRE_ERR(write(p[1], (void *)8, 1), EFAULT);
	REQUIRE(write(p[1], "x", 1) == 1);
	REQUIRE_ERR(read(p[0], (void *)8, 1), EFAULT);
	REQUIRE_ERR(open(KERNEL_PTR, O_RDONLY), EFAULT);
	REQUIRE_ERR(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, KERNEL_PTR), EFAULT);
	return 0;
}

static int errno_enametoolong(void)
{
	static char path[PATH_MAX + 100];
	char comp[NAME_MAX + 2];

	memset(comp, 'c', sizeof(comp) - 1);
	comp[sizeof(comp) - 1] = 0;
	REQUIRE_ERR(open(comp, O_RDONLY), ENAMETOOLONG);
	REQUIRE_ERR(mkdir(comp, 0755), ENAMETOOLONG);
	for (size_t i = 0; i < sizeof(path) - 1; i += 2) {
		path[i] = 'd';
		path[i + 1] = '/';
	}
	path[sizeof(path) - 1] = 0;
	REQUIRE_ERR(open(path, O_RDONLY), ENAMETOOLONG);
	return 0;
}

static int errno_eloop(void)
{
	REQUIRE(symlink("b", "a") == 0);
	REQUIRE(symlink("a", "b") == 0);
	REQUIRE_ERR(open("a", O_RDONLY), ELOOP);
	REQUIRE(symlink(".", "self") == 0);
	REQUIRE(lt_write_file("f", "x", 1) == 0);
	REQUIRE(symlink("f", "lf") == 0);
	REQUIRE(open("self/self/self/f", O_RDONLY) >= 0);
	REQUIRE_ERR(open("lf", O_RDONLY | O_NOFOLLOW), ELOOP);
	return 0;
}

static int errno_enosys(void)
{
	REQUIRE_ERR(syscall(1000), ENOSYS);
	REQUIRE_ERR(syscall(-1), ENOSYS);
	return 0;
}

static int errno_ebadf(void)
{
	char c;
	struct stat st;

	REQUIRE_ERR(read(999, &c, 1), EBADF);
	REQUIRE_ERR(write(-5, "x", 1), EBADF);
	REQUIRE_ERR(fstat(999, &st), EBADF);
	REQUIRE_ERR(fcntl(999, F_GETFL), EBADF);
	REQUIRE_ERR(openat(999, "x", O_RDONLY), EBADF);
	return 0;
}

static int errno_eisdir(void)
{
	char buf[16];
	int fd;

	fd = open(".", O_RDONLY | O_DIRECTORY);
	REQUIRE(fd >= 0);
	REQUIRE_ERR(read(fd, buf, sizeof(buf)), EISDIR);
	REQUIRE_ERR(write(fd, buf, 1), EBADF);
	return 0;
}

static void *set_errno(void *arg)
{
	errno = EIO;
	*(int **)arg = &errno;
	return NULL;
}

static int errno_per_thread(void)
{
	pthread_t t;
	int *theirs = NULL;

	errno = ENOENT;
	REQUIRE_RC(pthread_create(&t, NULL, set_errno, &theirs), 0);
	REQUIRE_RC(pthread_join(t, NULL), 0);
	REQUIREF(errno == ENOENT, "another thread's errno changed ours to %s", lt_errname(errno));
	REQUIRE(theirs != NULL && theirs != &errno);
	return 0;
}

static const struct lt_check sys_checks[] = {
	{ "rlimit_nofile", rlimit_nofile },
	{ "rlimit_nofile_enforced", rlimit_nofile_enforced },
	{ "setrlimit_einval", setrlimit_einval },
	{ "getrusage", getrusage_self },
	{ "sysinfo", sysinfo_figures },
	{ "getrandom", getrandom_bytes },
	{ "getentropy", getentropy_bytes },
	{ "dev_urandom", dev_urandom },
	{ "dev_null_zero", dev_null_zero },
	{ "proc_self_fd", proc_self_fd },
	{ "auxv_pagesz_random", auxv_pagesz_random },
	{ "auxv_phdr", auxv_program_headers },
	{ "auxv_ids", auxv_ids },
	{ "auxv_execfn", auxv_execfn },
	{ "sched_affinity", sched_yield_affinity },
	{ "sched_getcpu", sched_getcpu_valid },
	{ "sched_priorities", sched_priorities },
	{ "poll_pipe", poll_pipe },
	{ "poll_timeout", poll_timeout },
	{ "select", select_pipe },
	{ "eventfd", eventfd_counter },
	{ "epoll", epoll_pipe },
	{ "epoll_thread", epoll_thread_wakes },
	{ "errno_efault", errno_efault },
	{ "errno_enametoolong", errno_enametoolong },
	{ "errno_eloop", errno_eloop },
	{ "errno_enosys", errno_enosys },
	{ "errno_ebadf", errno_ebadf },
	{ "errno_eisdir", errno_eisdir },
	{ "errno_per_thread", errno_per_thread },
};
LT_AREA(sys);
