/* SPDX-License-Identifier: BSD-2-Clause */
/* Pipes, eventfd, poll, select and epoll through musl: data, EOF, EPIPE, blocking, readiness, errors, threads. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int passed, failed;

#define CHECK(name, cond) do {							\
	if (cond) {								\
		passed++;							\
		printf("ok   %s\n", name);					\
	} else {								\
		failed++;							\
		printf("FAIL %s (line %d, errno %d %s)\n", name, __LINE__, errno,	\
		       strerror(errno));					\
	}									\
} while (0)

/* -1 with the expected errno */
#define CHECK_ERR(name, expr, err) do {						\
	errno = 0;								\
	long r_ = (long)(expr);							\
	int e_ = errno;								\
	if (r_ == -1 && e_ == (err)) {						\
		passed++;							\
		printf("ok   %s\n", name);					\
	} else {								\
		failed++;							\
		printf("FAIL %s (line %d): returned %ld, errno %d (%s), want %d (%s)\n", \
		       name, __LINE__, r_, e_, strerror(e_), err, strerror(err)); \
	}									\
} while (0)

#define PIPE_CAPACITY	65536

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static int poll1(int fd, short events, int timeout)
{
	struct pollfd p = { fd, events, 0 };
	int r = poll(&p, 1, timeout);

	return r < 0 ? -1 : p.revents;
}

/*
 * Fills a non-blocking pipe write end until EAGAIN: the bytes that went
 * in. Page-sized writes, so that Linux, which counts a pipe's capacity in
 * pages, fills exactly as Mote's byte ring does.
 */
static long fill(int wfd)
{
	static char chunk[4096];
	long total = 0;

	for (;;) {
		ssize_t n = write(wfd, chunk, sizeof(chunk));

		if (n < 0)
			return errno == EAGAIN ? total : -1;
		total += n;
	}
}

/* ---------------------------------------------------------------- pipes */

static void test_pipe_basics(void)
{
	int p[2], q[2];
	char buf[64];
	struct stat st;
	int n;

	CHECK("pipe creates two fds", pipe(p) == 0 && p[0] >= 0 && p[1] >= 0 && p[0] != p[1]);
	CHECK("pipe write", write(p[1], "hello, pipe", 11) == 11);
	CHECK("pipe FIONREAD counts buffered bytes", ioctl(p[0], FIONREAD, &n) == 0 && n == 11);
	memset(buf, 0, sizeof(buf));
	CHECK("pipe read returns what was written", read(p[0], buf, sizeof(buf)) == 11 &&
	      !memcmp(buf, "hello, pipe", 11));
	CHECK("pipe fstat is a FIFO", fstat(p[0], &st) == 0 && S_ISFIFO(st.st_mode));
	CHECK_ERR("pipe read end refuses writes", write(p[0], "x", 1), EBADF);
	CHECK_ERR("pipe write end refuses reads", read(p[1], buf, 1), EBADF);
	CHECK_ERR("pipe lseek is ESPIPE", lseek(p[0], 0, SEEK_SET), ESPIPE);
	CHECK("pipe short reads keep the rest", write(p[1], "abcdef", 6) == 6 &&
	      read(p[0], buf, 2) == 2 && !memcmp(buf, "ab", 2) &&
	      read(p[0], buf, 10) == 4 && !memcmp(buf, "cdef", 4));
	CHECK("pipe zero-length read and write return 0", read(p[0], buf, 0) == 0 &&
	      write(p[1], buf, 0) == 0);

	/* End of file once the writer is gone, after the data. */
	CHECK("pipe data then EOF after the writer closes", write(p[1], "xy", 2) == 2 &&
	      close(p[1]) == 0 && read(p[0], buf, sizeof(buf)) == 2 && read(p[0], buf, sizeof(buf)) == 0);
	close(p[0]);

	/* EPIPE once the reader is gone (SIGPIPE ignored so that Linux agrees). */
	signal(SIGPIPE, SIG_IGN);
	pipe(p);
	close(p[0]);
	CHECK_ERR("pipe write without a reader is EPIPE", write(p[1], "x", 1), EPIPE);
	close(p[1]);

	CHECK("pipe2 O_CLOEXEC|O_NONBLOCK", pipe2(q, O_CLOEXEC | O_NONBLOCK) == 0 &&
	      (fcntl(q[0], F_GETFD) & FD_CLOEXEC) && (fcntl(q[1], F_GETFD) & FD_CLOEXEC) &&
	      (fcntl(q[0], F_GETFL) & O_NONBLOCK) && (fcntl(q[1], F_GETFL) & O_NONBLOCK) &&
	      (fcntl(q[0], F_GETFL) & O_ACCMODE) == O_RDONLY &&
	      (fcntl(q[1], F_GETFL) & O_ACCMODE) == O_WRONLY);
	CHECK_ERR("pipe2 non-blocking read of an empty pipe is EAGAIN", read(q[0], buf, 1), EAGAIN);
	close(q[0]);
	close(q[1]);
	CHECK_ERR("pipe2 unknown flag is EINVAL", pipe2(q, O_APPEND), EINVAL);
	CHECK_ERR("pipe2 O_DIRECT (packet mode: not in Mote) is EINVAL", pipe2(q, O_DIRECT), EINVAL);
	CHECK_ERR("pipe2 bad array is EFAULT", syscall(SYS_pipe2, (int *)8, 0), EFAULT);
	/* The failed call left no fds behind: the next pipe takes the lowest ones again. */
	pipe(p);
	pipe(q);
	CHECK("pipe EFAULT leaks no fds", q[0] == p[1] + 1 && p[0] < p[1]);
	close(p[0]), close(p[1]), close(q[0]), close(q[1]);
}

static void test_pipe_capacity(void)
{
	static char big[3 * PIPE_CAPACITY];
	int p[2];
	long total;

	pipe2(p, O_NONBLOCK);
	CHECK("F_GETPIPE_SZ is 64 KiB", fcntl(p[0], F_GETPIPE_SZ) == PIPE_CAPACITY);
	total = fill(p[1]);
	CHECK("a pipe holds exactly 64 KiB", total == PIPE_CAPACITY);
	CHECK_ERR("write to a full non-blocking pipe is EAGAIN", write(p[1], "x", 1), EAGAIN);
	CHECK("a full pipe is not writable", poll1(p[1], POLLOUT, 0) == 0);
	/* Room for 100 bytes: a PIPE_BUF write goes whole or not at all. */
	CHECK("read 100 bytes of a full pipe", read(p[0], big, 100) == 100);
	CHECK_ERR("PIPE_BUF write without room is EAGAIN, never partial", write(p[1], big, PIPE_BUF),
		  EAGAIN);
	/* A larger one may split: Mote takes the 4196 bytes free, Linux the page it freed. */
	{
		ssize_t n = read(p[0], big, PIPE_BUF) == PIPE_BUF ? write(p[1], big, PIPE_BUF + 1000) : -2;

		CHECK("a non-blocking write above PIPE_BUF goes in partly", n > 0 && n < PIPE_BUF + 1000);
	}
	/* Drain and check the order survives the ring's wrap. */
	while (read(p[0], big, sizeof(big)) > 0)
		;
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7 + i / 4096);
	{
		static char got[50000];
		ssize_t w1 = write(p[1], big, 40000);
		ssize_t r1 = read(p[0], got, 30000);
		int ok1 = w1 == 40000 && r1 == 30000 && !memcmp(got, big, 30000);
		ssize_t w2 = write(p[1], big + 40000, 50000);
		ssize_t r2 = read(p[0], got, 10000);
		int ok2 = w2 == 50000 && r2 == 10000 && !memcmp(got, big + 30000, 10000);
		ssize_t r3 = read(p[0], got, sizeof(got));

		CHECK("pipe data keeps its order across the ring's wrap", ok1 && ok2 && r3 == 50000 &&
		      !memcmp(got, big + 40000, 50000));
	}
	CHECK("F_SETPIPE_SZ rounds up to a power of two pages", fcntl(p[1], F_SETPIPE_SZ, 5000) == 8192 &&
	      fcntl(p[0], F_GETPIPE_SZ) == 8192 && fill(p[1]) == 8192);
	CHECK_ERR("F_SETPIPE_SZ below what is buffered is EBUSY", fcntl(p[1], F_SETPIPE_SZ, 4096), EBUSY);
	CHECK("F_SETPIPE_SZ grows a pipe keeping its data", fcntl(p[1], F_SETPIPE_SZ, 1 << 17) == 1 << 17 &&
	      fill(p[1]) == (1 << 17) - 8192 && read(p[0], big, sizeof(big)) == 1 << 17);
	close(p[0]);
	close(p[1]);
}

/* ---------------------------------------------------------------- threads on pipes */

struct writer_arg {
	int fd;
	char id;
	int blocks;
};

static void *writer_thread(void *arg)
{
	struct writer_arg *a = arg;
	char block[PIPE_BUF];

	memset(block, a->id, sizeof(block));
	for (int i = 0; i < a->blocks; i++)
		if (write(a->fd, block, sizeof(block)) != sizeof(block))
			return (void *)1;
	return NULL;
}

static void *delayed_write(void *arg)
{
	int fd = *(int *)arg;
	uint64_t one = 1;

	sleep_ms(30);
	return write(fd, &one, sizeof(one)) == sizeof(one) ? NULL : (void *)1;
}

static void *drain_thread(void *arg)
{
	int fd = *(int *)arg;
	static char buf[PIPE_CAPACITY];
	long total = 0;
	ssize_t n;

	sleep_ms(30);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	return (void *)total;
}

static void test_pipe_threads(void)
{
	static char all[2 * 64 * PIPE_BUF];
	struct writer_arg a = { 0, 'A', 64 }, b = { 0, 'B', 64 };
	pthread_t ta, tb;
	void *ra = (void *)1, *rb = (void *)1;
	size_t got = 0;
	int p[2], bad = 0, ok;
	ssize_t n;

	pipe(p);
	/* Off page alignment, so that each atomic write straddles a page of the ring. */
	CHECK("pipe ring moved off page alignment", write(p[1], all, 100) == 100 && read(p[0], all, 100) == 100);
	a.fd = b.fd = p[1];
	ok = pthread_create(&ta, NULL, writer_thread, &a) == 0 &&
	     pthread_create(&tb, NULL, writer_thread, &b) == 0;
	CHECK("two writer threads start", ok);
	if (!ok) {
		close(p[0]), close(p[1]);
		return;
	}
	while (got < sizeof(all) && (n = read(p[0], all + got, sizeof(all) - got)) > 0)
		got += (size_t)n;
	pthread_join(ta, &ra);
	pthread_join(tb, &rb);
	for (size_t blk = 0; blk < got / PIPE_BUF; blk++)
		for (size_t i = 1; i < PIPE_BUF; i++)
			if (all[blk * PIPE_BUF + i] != all[blk * PIPE_BUF])
				bad++;
	CHECK("PIPE_BUF writes of two threads never interleave", got == sizeof(all) && bad == 0 &&
	      !ra && !rb);

	/* A reader blocked on an empty pipe wakes when another thread writes. */
	{
		pthread_t t;
		uint64_t v = 0, t0 = now_ms();

		ok = pthread_create(&t, NULL, delayed_write, &p[1]) == 0;
		n = read(p[0], &v, sizeof(v));
		pthread_join(t, NULL);
		CHECK("a blocked pipe read wakes on another thread's write", ok && n == 8 && v == 1 &&
		      now_ms() - t0 >= 25);
	}
	/* A writer blocked on a full pipe wakes when another thread reads. */
	{
		pthread_t t;
		void *drained = NULL;
		static char buf[PIPE_CAPACITY + 10000];

		ok = pthread_create(&t, NULL, drain_thread, &p[0]) == 0;
		n = write(p[1], buf, sizeof(buf));
		close(p[1]);
		pthread_join(t, &drained);
		CHECK("a blocked pipe write completes as a reader drains", ok && n == (ssize_t)sizeof(buf) &&
		      (long)drained == (long)sizeof(buf));
	}
	close(p[0]);
}

/* ---------------------------------------------------------------- poll, select */

static void test_poll(void)
{
	struct pollfd pf[3];
	struct timespec ts;
	sigset_t mask;
	char buf[16];
	int p[2];
	uint64_t t0;

	pipe(p);
	CHECK("poll: an empty pipe is not readable", poll1(p[0], POLLIN, 0) == 0);
	CHECK("poll: an empty pipe is writable", poll1(p[1], POLLOUT, 0) == POLLOUT);
	write(p[1], "z", 1);
	CHECK("poll: a pipe with data is readable", poll1(p[0], POLLIN, 0) == POLLIN);
	CHECK("poll: POLLRDNORM comes with POLLIN", poll1(p[0], POLLIN | POLLRDNORM, 0) ==
	      (POLLIN | POLLRDNORM));
	read(p[0], buf, 1);
	t0 = now_ms();
	CHECK("poll: timeout with nothing ready returns 0", poll1(p[0], POLLIN, 50) == 0);
	CHECK("poll: the timeout lasted", now_ms() - t0 >= 49 && now_ms() - t0 < 5000);

	pf[0] = (struct pollfd){ p[0], POLLIN, 0x7f };
	pf[1] = (struct pollfd){ -1, POLLIN, 0x7f };
	pf[2] = (struct pollfd){ 1000, POLLIN, 0 };
	CHECK("poll: a closed fd is POLLNVAL, a negative one ignored",
	      poll(pf, 3, 0) == 1 && pf[0].revents == 0 && pf[1].revents == 0 && pf[2].revents == POLLNVAL);
	CHECK_ERR("poll: nfds above RLIMIT_NOFILE is EINVAL", syscall(SYS_poll, pf, 1u << 30, 0), EINVAL);
	CHECK_ERR("poll: a bad array is EFAULT", syscall(SYS_poll, (struct pollfd *)8, 1, 0), EFAULT);

	write(p[1], "q", 1);
	close(p[1]);
	CHECK("poll: POLLHUP (and the data) once the writer closes",
	      poll1(p[0], POLLIN, 0) == (POLLIN | POLLHUP));
	read(p[0], buf, 1);
	CHECK("poll: POLLHUP alone when drained", poll1(p[0], POLLIN, 0) == POLLHUP);
	close(p[0]);
	pipe(p);
	close(p[0]);
	CHECK("poll: POLLERR on a write end without reader", poll1(p[1], POLLOUT, 0) & POLLERR);
	close(p[1]);

	pipe(p);
	ts = (struct timespec){ 0, 30 * 1000000 };
	sigemptyset(&mask);
	pf[0] = (struct pollfd){ p[0], POLLIN, 0 };
	t0 = now_ms();
	CHECK("ppoll: timeout with a signal mask returns 0", ppoll(pf, 1, &ts, &mask) == 0 &&
	      now_ms() - t0 >= 29);
	CHECK_ERR("ppoll: sigsetsize other than 8 is EINVAL",
		  syscall(SYS_ppoll, pf, 1, NULL, &mask, 4), EINVAL);
	ts = (struct timespec){ 0, 1000000000 };
	CHECK_ERR("ppoll: nanoseconds out of range is EINVAL", ppoll(pf, 1, &ts, NULL), EINVAL);
	write(p[1], "r", 1);
	ts = (struct timespec){ 5, 0 };
	CHECK("ppoll: ready at once", ppoll(pf, 1, &ts, NULL) == 1 && pf[0].revents == POLLIN);
	close(p[0]);
	close(p[1]);
}

static void test_select(void)
{
	fd_set r, w, e;
	struct timeval tv;
	struct timespec ts;
	int p[2], q[2];
	uint64_t t0;

	pipe(p);
	pipe(q);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	FD_SET(q[0], &r);
	tv = (struct timeval){ 0, 0 };
	CHECK("select: empty pipes are not readable", select(q[0] + 1, &r, NULL, NULL, &tv) == 0 &&
	      !FD_ISSET(p[0], &r) && !FD_ISSET(q[0], &r));
	write(q[1], "s", 1);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	FD_SET(q[0], &r);
	FD_ZERO(&w);
	FD_SET(p[1], &w);
	tv = (struct timeval){ 1, 0 };
	CHECK("select: the pipe with data is readable, the other write end writable",
	      select(q[1] + 1, &r, &w, NULL, &tv) == 2 && !FD_ISSET(p[0], &r) && FD_ISSET(q[0], &r) &&
	      FD_ISSET(p[1], &w));
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	FD_ZERO(&e);
	FD_SET(p[0], &e);
	tv = (struct timeval){ 0, 40000 };
	t0 = now_ms();
	/* The raw call: musl passes the kernel a copy of the timeval. */
	CHECK("select: timeout with nothing ready returns 0",
	      syscall(SYS_select, p[0] + 1, &r, NULL, &e, &tv) == 0 && now_ms() - t0 >= 39);
	CHECK("select: the timeval is updated (none left)", tv.tv_sec == 0 && tv.tv_usec == 0);
	FD_ZERO(&r);
	FD_SET(q[0], &r);
	tv = (struct timeval){ 5, 0 };
	CHECK("select: the time left is written back",
	      syscall(SYS_select, q[0] + 1, &r, NULL, NULL, &tv) == 1 && tv.tv_sec >= 4 && tv.tv_sec <= 5);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	ts = (struct timespec){ 0, 20000000 };
	CHECK("pselect: timeout returns 0", pselect(p[0] + 1, &r, NULL, NULL, &ts, NULL) == 0);
	FD_ZERO(&r);
	FD_SET(q[0], &r);
	CHECK("pselect: ready at once", pselect(q[0] + 1, &r, NULL, NULL, NULL, NULL) == 1 &&
	      FD_ISSET(q[0], &r));
	FD_ZERO(&r);
	FD_SET(200, &r);
	tv = (struct timeval){ 0, 0 };
	CHECK_ERR("select: a closed fd in a set is EBADF", select(201, &r, NULL, NULL, &tv), EBADF);
	CHECK_ERR("select: negative nfds is EINVAL", select(-1, NULL, NULL, NULL, &tv), EINVAL);
	tv = (struct timeval){ -1, 0 };
	CHECK_ERR("select: a negative timeout is EINVAL", syscall(SYS_select, 0, NULL, NULL, NULL, &tv),
		  EINVAL);
	close(q[1]);
	FD_ZERO(&r);
	FD_SET(q[0], &r);
	CHECK("select: a hung-up pipe is readable", select(q[0] + 1, &r, NULL, NULL, NULL) == 1);
	close(p[0]), close(p[1]), close(q[0]);
}

/* ---------------------------------------------------------------- eventfd */

static void test_eventfd(void)
{
	uint64_t v;
	int e, s;

	e = eventfd(3, EFD_NONBLOCK | EFD_CLOEXEC);
	CHECK("eventfd creates an fd", e >= 0 && (fcntl(e, F_GETFD) & FD_CLOEXEC) &&
	      (fcntl(e, F_GETFL) & O_NONBLOCK));
	CHECK("eventfd read returns the counter", read(e, &v, 8) == 8 && v == 3);
	CHECK_ERR("eventfd read of zero is EAGAIN (non-blocking)", read(e, &v, 8), EAGAIN);
	v = 2;
	write(e, &v, 8);
	v = 5;
	write(e, &v, 8);
	CHECK("eventfd writes add up", read(e, &v, 8) == 8 && v == 7);
	CHECK_ERR("eventfd read into less than 8 bytes is EINVAL", read(e, &v, 4), EINVAL);
	CHECK_ERR("eventfd write of less than 8 bytes is EINVAL", write(e, &v, 7), EINVAL);
	v = UINT64_MAX;
	CHECK_ERR("eventfd write of 2^64-1 is EINVAL", write(e, &v, 8), EINVAL);
	v = UINT64_MAX - 1;
	CHECK("eventfd holds up to 2^64-2", write(e, &v, 8) == 8);
	v = 1;
	CHECK_ERR("eventfd write past the maximum is EAGAIN", write(e, &v, 8), EAGAIN);
	CHECK("eventfd at the maximum: readable, not writable", poll1(e, POLLIN | POLLOUT, 0) == POLLIN);
	CHECK("eventfd read at the maximum", read(e, &v, 8) == 8 && v == UINT64_MAX - 1);
	CHECK("eventfd at zero: writable, not readable", poll1(e, POLLIN | POLLOUT, 0) == POLLOUT);
	close(e);

	s = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
	CHECK("eventfd semaphore reads 1 at a time", read(s, &v, 8) == 8 && v == 1 &&
	      read(s, &v, 8) == 8 && v == 1);
	CHECK_ERR("eventfd semaphore empty is EAGAIN", read(s, &v, 8), EAGAIN);
	close(s);
	CHECK_ERR("eventfd unknown flag is EINVAL", eventfd(0, 0x10), EINVAL);
	CHECK("eventfd (the old call without flags)", (e = (int)syscall(SYS_eventfd, 9)) >= 0 &&
	      read(e, &v, 8) == 8 && v == 9);
	close(e);
}

/* ---------------------------------------------------------------- epoll */

/* An event argument for epoll_ctl (one at a time: static storage). */
static struct epoll_event *evp(uint32_t events, uint64_t data)
{
	static struct epoll_event ev;

	ev.events = events;
	ev.data.u64 = data;
	return &ev;
}

static int ep_wait1(int ep, struct epoll_event *ev, int timeout)
{
	memset(ev, 0, sizeof(*ev));
	return epoll_wait(ep, ev, 1, timeout);
}

struct waiter_arg {
	int ep;
	int n;
	uint64_t data;
};

static void *epoll_waiter(void *arg)
{
	struct waiter_arg *a = arg;
	struct epoll_event ev;

	a->n = epoll_wait(a->ep, &ev, 1, -1);
	a->data = ev.data.u64;
	return NULL;
}

static void test_epoll(void)
{
	struct epoll_event ev, evs[4];
	int ep, ep2, p[2], q[2], e, f, n;
	uint64_t v, t0;
	char buf[16];

	CHECK("epoll_event is 12 bytes (packed)", sizeof(struct epoll_event) == 12);
	ep = epoll_create1(EPOLL_CLOEXEC);
	CHECK("epoll_create1", ep >= 0 && (fcntl(ep, F_GETFD) & FD_CLOEXEC));
	CHECK_ERR("epoll_create1 unknown flag is EINVAL", epoll_create1(1), EINVAL);
	CHECK_ERR("epoll_create(0) is EINVAL", syscall(SYS_epoll_create, 0), EINVAL);
	n = (int)syscall(SYS_epoll_create, 1);
	CHECK("epoll_create(1)", n >= 0);
	close(n);

	/* Level-triggered: reported while ready. */
	pipe(p);
	ev = (struct epoll_event){ EPOLLIN, { .u64 = 0x1122334455667788ull } };
	CHECK("epoll_ctl ADD", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev) == 0);
	CHECK_ERR("epoll_ctl ADD twice is EEXIST", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), EEXIST);
	CHECK("epoll_wait: nothing ready", ep_wait1(ep, &ev, 0) == 0);
	write(p[1], "abc", 3);
	CHECK("epoll_wait: a written pipe is ready, with its data", ep_wait1(ep, &ev, 1000) == 1 &&
	      ev.events == EPOLLIN && ev.data.u64 == 0x1122334455667788ull);
	CHECK("epoll_wait: level-triggered reports again", ep_wait1(ep, &ev, 0) == 1);
	read(p[0], buf, sizeof(buf));
	CHECK("epoll_wait: drained, nothing", ep_wait1(ep, &ev, 0) == 0);
	t0 = now_ms();
	CHECK("epoll_wait: timeout", ep_wait1(ep, &ev, 40) == 0 && now_ms() - t0 >= 39);

	/* MOD changes the events and data; DEL forgets. */
	ev = (struct epoll_event){ EPOLLOUT, { .u64 = 7 } };
	CHECK("epoll_ctl MOD", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev) == 0);
	write(p[1], "x", 1);
	CHECK("epoll_wait: a read end wanting EPOLLOUT stays quiet", ep_wait1(ep, &ev, 0) == 0);
	CHECK("epoll_ctl DEL", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL) == 0);
	CHECK_ERR("epoll_ctl DEL again is ENOENT", epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL), ENOENT);
	CHECK_ERR("epoll_ctl MOD of a missing fd is ENOENT", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev),
		  ENOENT);
	ev = (struct epoll_event){ EPOLLOUT, { .u64 = 8 } };
	epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev);
	CHECK("epoll_wait: a write end is writable", ep_wait1(ep, &ev, 0) == 1 && ev.events == EPOLLOUT &&
	      ev.data.u64 == 8);
	close(p[0]);
	CHECK("epoll_wait: EPOLLERR once the reader closes", ep_wait1(ep, &ev, 0) == 1 &&
	      (ev.events & EPOLLERR));
	epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL);
	close(p[1]);

	/* Edge-triggered: one report per change. */
	pipe(q);
	ev = (struct epoll_event){ EPOLLIN | EPOLLET, { .u64 = 2 } };
	epoll_ctl(ep, EPOLL_CTL_ADD, q[0], &ev);
	write(q[1], "1", 1);
	CHECK("epoll ET: reported after a write", ep_wait1(ep, &ev, 1000) == 1 && ev.data.u64 == 2);
	CHECK("epoll ET: not again without a new write", ep_wait1(ep, &ev, 0) == 0);
	write(q[1], "2", 1);
	CHECK("epoll ET: a new write is a new edge", ep_wait1(ep, &ev, 1000) == 1);
	close(q[1]);
	CHECK("epoll ET: the writer's close is an edge (EPOLLHUP)", ep_wait1(ep, &ev, 1000) == 1 &&
	      (ev.events & EPOLLHUP) && (ev.events & EPOLLIN));
	close(q[0]);
	CHECK("epoll: closing a watched fd removes it", ep_wait1(ep, &ev, 0) == 0);

	/* One-shot: disabled after one report until MOD. */
	e = eventfd(0, EFD_NONBLOCK);
	ev = (struct epoll_event){ EPOLLIN | EPOLLONESHOT, { .u64 = 3 } };
	epoll_ctl(ep, EPOLL_CTL_ADD, e, &ev);
	v = 1;
	write(e, &v, 8);
	CHECK("epoll ONESHOT: first report", ep_wait1(ep, &ev, 1000) == 1 && ev.data.u64 == 3);
	write(e, &v, 8);
	CHECK("epoll ONESHOT: disabled afterwards", ep_wait1(ep, &ev, 0) == 0);
	ev = (struct epoll_event){ EPOLLIN | EPOLLONESHOT, { .u64 = 4 } };
	CHECK("epoll ONESHOT: MOD re-arms", epoll_ctl(ep, EPOLL_CTL_MOD, e, &ev) == 0 &&
	      ep_wait1(ep, &ev, 0) == 1 && ev.data.u64 == 4);
	CHECK_ERR("epoll_ctl MOD with EPOLLEXCLUSIVE is EINVAL",
		  epoll_ctl(ep, EPOLL_CTL_MOD, e, evp(EPOLLIN | EPOLLEXCLUSIVE, 0)), EINVAL);
	/* The watched eventfd closed with events pending: the item goes with it. */
	ev = (struct epoll_event){ EPOLLIN, { .u64 = 5 } };
	epoll_ctl(ep, EPOLL_CTL_MOD, e, &ev);
	CHECK("epoll: eventfd ready", ep_wait1(ep, &ev, 0) == 1 && ev.data.u64 == 5);
	close(e);
	CHECK("epoll: closed eventfd no longer reported", ep_wait1(ep, &ev, 0) == 0);

	/* Errors. */
	pipe(p);
	ev = (struct epoll_event){ EPOLLIN, { 0 } };
	CHECK_ERR("epoll_ctl bad fd is EBADF", epoll_ctl(ep, EPOLL_CTL_ADD, 999, &ev), EBADF);
	CHECK_ERR("epoll_ctl bad epfd is EBADF", epoll_ctl(999, EPOLL_CTL_ADD, p[0], &ev), EBADF);
	CHECK_ERR("epoll_ctl epfd == fd is EINVAL", epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev), EINVAL);
	CHECK_ERR("epoll_ctl on a non-epoll epfd is EINVAL", epoll_ctl(p[0], EPOLL_CTL_ADD, p[1], &ev),
		  EINVAL);
	CHECK_ERR("epoll_ctl unknown op is EINVAL", epoll_ctl(ep, 9, p[0], &ev), EINVAL);
	CHECK_ERR("epoll_ctl bad event pointer is EFAULT",
		  epoll_ctl(ep, EPOLL_CTL_ADD, p[0], (struct epoll_event *)8), EFAULT);
	CHECK_ERR("epoll_ctl EPOLLEXCLUSIVE with EPOLLONESHOT is EINVAL",
		  epoll_ctl(ep, EPOLL_CTL_ADD, p[0], evp(EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT, 0)),
		  EINVAL);
	CHECK("epoll_ctl EPOLLEXCLUSIVE ADD accepted",
	      epoll_ctl(ep, EPOLL_CTL_ADD, p[0], evp(EPOLLIN | EPOLLEXCLUSIVE, 0)) == 0);
	CHECK_ERR("epoll_ctl MOD of an EPOLLEXCLUSIVE item is EINVAL",
		  epoll_ctl(ep, EPOLL_CTL_MOD, p[0], evp(EPOLLIN, 0)), EINVAL);
	f = open("/polltest.regular", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK_ERR("epoll_ctl on a regular file is EPERM", epoll_ctl(ep, EPOLL_CTL_ADD, f, &ev), EPERM);
	close(f);
	unlink("/polltest.regular");
	CHECK_ERR("epoll_wait maxevents 0 is EINVAL", epoll_wait(ep, evs, 0, 0), EINVAL);
	CHECK_ERR("epoll_wait on a non-epoll fd is EINVAL", epoll_wait(p[0], evs, 1, 0), EINVAL);
	CHECK_ERR("epoll_wait bad epfd is EBADF", epoll_wait(999, evs, 1, 0), EBADF);
	CHECK_ERR("epoll_pwait sigsetsize other than 8 is EINVAL",
		  syscall(SYS_epoll_pwait, ep, evs, 1, 0, &(sigset_t){ { 0 } }, 4), EINVAL);
	close(p[0]);
	close(p[1]);

	/* Several ready at once, bounded by maxevents. */
	{
		int a[2], b[2], c;

		pipe(a);
		pipe(b);
		c = eventfd(1, 0);
		epoll_ctl(ep, EPOLL_CTL_ADD, a[0], evp(EPOLLIN, 10));
		epoll_ctl(ep, EPOLL_CTL_ADD, b[0], evp(EPOLLIN, 11));
		epoll_ctl(ep, EPOLL_CTL_ADD, c, evp(EPOLLIN, 12));
		write(a[1], "a", 1);
		write(b[1], "b", 1);
		n = epoll_wait(ep, evs, 2, 0);
		CHECK("epoll_wait: maxevents bounds the answer", n == 2);
		n = epoll_wait(ep, evs, 4, 0);
		CHECK("epoll_wait: all three ready items", n == 3 &&
		      evs[0].data.u64 + evs[1].data.u64 + evs[2].data.u64 == 33);
		close(a[0]), close(a[1]), close(b[0]), close(b[1]), close(c);
	}

	/* Nesting: an epoll fd inside another, and the loop it must refuse. */
	ep2 = epoll_create1(0);
	pipe(p);
	epoll_ctl(ep2, EPOLL_CTL_ADD, p[0], evp(EPOLLIN, 20));
	CHECK("epoll in epoll: ADD", epoll_ctl(ep, EPOLL_CTL_ADD, ep2,
					      evp(EPOLLIN, 21)) == 0);
	CHECK("epoll in epoll: quiet while the inner one is", ep_wait1(ep, &ev, 0) == 0);
	CHECK("poll on an epoll fd: not readable", poll1(ep2, POLLIN, 0) == 0);
	write(p[1], "n", 1);
	CHECK("epoll in epoll: the inner one reports readable", ep_wait1(ep, &ev, 1000) == 1 &&
	      ev.data.u64 == 21 && ev.events == EPOLLIN);
	CHECK("poll on an epoll fd: readable", poll1(ep2, POLLIN, 0) == POLLIN);
	CHECK_ERR("epoll loop is ELOOP", epoll_ctl(ep2, EPOLL_CTL_ADD, ep,
						  evp(EPOLLIN, 0)), ELOOP);
	CHECK_ERR("epoll_ctl EPOLLEXCLUSIVE on an epoll fd is EINVAL",
		  epoll_ctl(ep2, EPOLL_CTL_ADD, ep, evp(EPOLLIN | EPOLLEXCLUSIVE, 0)), EINVAL);
	read(p[0], buf, 1);
	CHECK("epoll in epoll: quiet again once drained", ep_wait1(ep, &ev, 0) == 0);
	close(ep2);
	CHECK("epoll in epoll: a closed inner epoll is gone", ep_wait1(ep, &ev, 0) == 0);
	close(p[0]), close(p[1]);

	/* A thread blocked in epoll_wait wakes on another thread's write. */
	{
		struct waiter_arg wa = { ep, -2, 0 };
		pthread_t t;
		int ok;

		e = eventfd(0, 0);
		epoll_ctl(ep, EPOLL_CTL_ADD, e, evp(EPOLLIN, 30));
		ok = pthread_create(&t, NULL, epoll_waiter, &wa) == 0;
		sleep_ms(30);
		v = 1;
		write(e, &v, 8);
		if (ok)
			pthread_join(t, NULL);
		CHECK("a thread blocked in epoll_wait wakes on another's write", ok && wa.n == 1 &&
		      wa.data == 30);
		/* The same the other way: the waiting thread is this one. */
		read(e, &v, 8);
		t0 = now_ms();
		ok = pthread_create(&t, NULL, delayed_write, &e) == 0;
		n = ep_wait1(ep, &ev, 5000);
		if (ok)
			pthread_join(t, NULL);
		CHECK("epoll_wait wakes for a write from a thread", ok && n == 1 && ev.data.u64 == 30 &&
		      now_ms() - t0 >= 25 && now_ms() - t0 < 5000);
		close(e);
	}
	close(ep);
}

struct late_write {
	int fd;
	long ms;
};

static void *late_write_thread(void *arg)
{
	struct late_write *lw = arg;

	sleep_ms(lw->ms);
	return write(lw->fd, "L", 1) == 1 ? NULL : (void *)1;
}

/* Many fds: poll's heap paths (more subscriptions than fit on the stack), select past the first word. */
static void test_many_fds(void)
{
	enum { NPIPES = 24 };
	int p[NPIPES][2], ok = 1, hi;
	struct pollfd pf[2 * NPIPES];
	struct late_write lw;
	pthread_t t;
	fd_set r;
	struct timeval tv;
	int n;

	for (int i = 0; i < NPIPES; i++)
		ok &= pipe(p[i]) == 0;
	CHECK("24 pipes", ok);
	/* Both ends of each: 48 entries, the read ends waiting, the write ends not asked. */
	for (int i = 0; i < NPIPES; i++) {
		pf[2 * i] = (struct pollfd){ p[i][0], POLLIN, 0 };
		pf[2 * i + 1] = (struct pollfd){ p[i][1], 0, 0 };
	}
	lw = (struct late_write){ p[NPIPES - 1][1], 30 };
	ok = pthread_create(&t, NULL, late_write_thread, &lw) == 0;
	n = poll(pf, 2 * NPIPES, 5000);
	if (ok)
		pthread_join(t, NULL);
	CHECK("poll on 48 fds wakes for the last pipe's write", ok && n == 1 &&
	      pf[2 * NPIPES - 2].revents == POLLIN && pf[0].revents == 0 && pf[1].revents == 0);

	hi = dup2(p[0][0], 130);
	write(p[0][1], "h", 1);
	FD_ZERO(&r);
	FD_SET(hi, &r);
	FD_SET(p[1][0], &r);
	tv = (struct timeval){ 0, 0 };
	CHECK("select sees fd 130 (third word of the set)", hi == 130 &&
	      select(hi + 1, &r, NULL, NULL, &tv) == 1 && FD_ISSET(hi, &r) && !FD_ISSET(p[1][0], &r));
	close(hi);
	for (int i = 0; i < NPIPES; i++)
		close(p[i][0]), close(p[i][1]);
}

struct rw_arg {
	int fd;
	long bytes;
	unsigned long sum;
};

static void *sum_reader(void *arg)
{
	struct rw_arg *a = arg;
	unsigned char buf[1500];
	ssize_t n;

	while ((n = read(a->fd, buf, sizeof(buf))) > 0) {
		a->bytes += n;
		for (ssize_t i = 0; i < n; i++)
			a->sum += buf[i];
	}
	return NULL;
}

static void *sum_writer(void *arg)
{
	struct rw_arg *a = arg;
	unsigned char buf[3000];

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 13 + a->fd);
	for (int k = 0; k < 100; k++) {
		ssize_t n = write(a->fd, buf, sizeof(buf) - (size_t)k);

		if (n < 0)
			return (void *)1;
		a->bytes += n;
		for (ssize_t i = 0; i < n; i++)
			a->sum += buf[i];
	}
	return NULL;
}

/* Two readers and two writers on one pipe: every byte arrives exactly once. */
static void test_pipe_many_threads(void)
{
	struct rw_arg w[2], rd[2];
	pthread_t tw[2], tr[2];
	int p[2], ok = 1;

	pipe(p);
	for (int i = 0; i < 2; i++) {
		w[i] = (struct rw_arg){ p[1], 0, 0 };
		rd[i] = (struct rw_arg){ p[0], 0, 0 };
		ok &= pthread_create(&tr[i], NULL, sum_reader, &rd[i]) == 0;
	}
	for (int i = 0; i < 2; i++)
		ok &= pthread_create(&tw[i], NULL, sum_writer, &w[i]) == 0;
	if (!ok) {
		CHECK("two readers and two writers start", 0);
		return;
	}
	for (int i = 0; i < 2; i++)
		pthread_join(tw[i], NULL);
	close(p[1]);	/* the readers see EOF once everything is read */
	for (int i = 0; i < 2; i++)
		pthread_join(tr[i], NULL);
	CHECK("two readers and two writers: every byte once", w[0].bytes + w[1].bytes == 2 * 295050 &&
	      rd[0].bytes + rd[1].bytes == w[0].bytes + w[1].bytes &&
	      rd[0].sum + rd[1].sum == w[0].sum + w[1].sum);
	close(p[0]);
}

/* poll() blocked in one thread wakes on another's write (the pollhead path, not epoll's). */
static void test_poll_thread(void)
{
	pthread_t t;
	int e = eventfd(0, 0), ok, r;
	uint64_t t0 = now_ms();

	ok = pthread_create(&t, NULL, delayed_write, &e) == 0;
	r = poll1(e, POLLIN, 5000);
	if (ok)
		pthread_join(t, NULL);
	CHECK("a poll() blocked in one thread wakes on another's write", ok && r == POLLIN &&
	      now_ms() - t0 >= 25 && now_ms() - t0 < 5000);
	close(e);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_pipe_basics();
	test_pipe_capacity();
	test_poll();
	test_select();
	test_eventfd();
	test_epoll();
	test_pipe_threads();
	test_poll_thread();
	test_many_fds();
	test_pipe_many_threads();
	printf("polltest: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
