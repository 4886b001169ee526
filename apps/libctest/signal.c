/* SPDX-License-Identifier: BSD-2-Clause */
/* libctest, signal area: actions and masks, delivery to handlers, pending and queued signals, interruption, timers. */
#include "harness.h"

#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define NS_PER_MS 1000000LL

/*
 * Each check raises a signal of its own, and none is ever put back to SIG_DFL:
 * a signal left pending by a kernel that does not call handlers must neither end
 * the process nor show up in another check. settle() ignores it (which discards
 * a pending one) and then leaves a handler that does nothing.
 */
static void nothing(int sig)
{
	(void)sig;
}

static void settle(int sig)
{
	struct sigaction sa = { .sa_handler = SIG_IGN };

	sigaction(sig, &sa, NULL);
	sa.sa_handler = nothing;
	sigaction(sig, &sa, NULL);
}

static volatile sig_atomic_t hits, hit_sig, hit_code, hit_pid, hit_value, hit_tid, hit_blocked, hit_onstack;

static void reset_hits(void)
{
	hits = hit_sig = hit_code = hit_pid = hit_value = hit_tid = hit_blocked = hit_onstack = 0;
}

static void record(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	hits++;
	hit_sig = sig;
	hit_code = si->si_code;
	hit_pid = si->si_pid;
	hit_value = si->si_value.sival_int;
	hit_tid = (sig_atomic_t)syscall(SYS_gettid);
}

static int install(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
	struct sigaction sa = { .sa_sigaction = fn, .sa_flags = SA_SIGINFO | flags };

	sigemptyset(&sa.sa_mask);
	return sigaction(sig, &sa, NULL);
}

/* Waits up to MS for the handler to have run N times. */
static int wait_hits(int n, int ms)
{
	int64_t end = lt_mono_ns() + (int64_t)ms * NS_PER_MS;

	while (hits < n && lt_mono_ns() < end)
		sched_yield();
	return hits >= n;
}

static int sigaction_roundtrip(void)
{
	struct sigaction sa = { .sa_handler = nothing, .sa_flags = SA_RESTART }, old;

	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	sigaddset(&sa.sa_mask, SIGRTMIN + 3);
	REQUIRE(sigaction(SIGUSR1, &sa, NULL) == 0);
	memset(&old, 0, sizeof(old));
	REQUIRE(sigaction(SIGUSR1, NULL, &old) == 0);
	REQUIRE(old.sa_handler == nothing);
	REQUIREF(old.sa_flags & SA_RESTART, "flags 0x%x lost SA_RESTART", old.sa_flags);
	REQUIRE(sigismember(&old.sa_mask, SIGUSR2) == 1 && sigismember(&old.sa_mask, SIGRTMIN + 3) == 1);
	REQUIRE(sigismember(&old.sa_mask, SIGTERM) == 0);
	sa.sa_handler = SIG_IGN;
	sa.sa_flags = 0;
	REQUIRE(sigaction(SIGUSR1, &sa, &old) == 0);
	REQUIRE(old.sa_handler == nothing);
	settle(SIGUSR1);
	return 0;
}

static void other(int sig)
{
	(void)sig;
}

static int signal_previous(void)
{
	void (*prev)(int);

	REQUIRE(signal(SIGUSR2, nothing) != SIG_ERR);
	prev = signal(SIGUSR2, other);
	REQUIREF(prev == nothing, "signal returned %p, want the earlier handler", (void *)prev);
	prev = signal(SIGPIPE, SIG_IGN);
	REQUIRE(prev != SIG_ERR);
	REQUIRE(signal(SIGPIPE, prev) == SIG_IGN);
	errno = 0;
	REQUIREF(signal(SIGKILL, nothing) == SIG_ERR && errno == EINVAL, "SIGKILL: errno %s", lt_errname(errno));
	settle(SIGUSR2);
	return 0;
}

static int sigprocmask_roundtrip(void)
{
	sigset_t set, old, now;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGRTMIN + 5);
	REQUIRE(sigprocmask(SIG_BLOCK, &set, &old) == 0);
	REQUIRE(sigismember(&old, SIGUSR1) == 0);
	REQUIRE(sigprocmask(SIG_SETMASK, NULL, &now) == 0);
	REQUIRE(sigismember(&now, SIGUSR1) == 1 && sigismember(&now, SIGRTMIN + 5) == 1);
	sigdelset(&set, SIGRTMIN + 5);
	REQUIRE(sigprocmask(SIG_UNBLOCK, &set, NULL) == 0);
	REQUIRE(pthread_sigmask(SIG_BLOCK, NULL, &now) == 0);
	REQUIRE(sigismember(&now, SIGUSR1) == 0 && sigismember(&now, SIGRTMIN + 5) == 1);
	/* SIGKILL and SIGSTOP cannot be blocked: the request is quietly trimmed. */
	sigfillset(&set);
	REQUIRE(sigprocmask(SIG_SETMASK, &set, NULL) == 0);
	REQUIRE(sigprocmask(SIG_SETMASK, NULL, &now) == 0);
	REQUIRE(sigismember(&now, SIGKILL) == 0 && sigismember(&now, SIGSTOP) == 0);
	REQUIRE(sigismember(&now, SIGTERM) == 1);
	REQUIRE(sigprocmask(SIG_SETMASK, &old, NULL) == 0);
	REQUIRE_ERR(sigprocmask(12345, &set, NULL), EINVAL);
	return 0;
}

static int sigaction_einval(void)
{
	struct sigaction sa = { .sa_handler = nothing };

	REQUIRE_ERR(sigaction(SIGKILL, &sa, NULL), EINVAL);
	REQUIRE_ERR(sigaction(SIGSTOP, &sa, NULL), EINVAL);
	REQUIRE_ERR(sigaction(0, &sa, NULL), EINVAL);
	REQUIRE_ERR(sigaction(65, &sa, NULL), EINVAL);
	REQUIRE(sigaction(SIGKILL, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL);
	return 0;
}

static int raise_runs_handler(void)
{
	int sig = SIGRTMIN + 1;

	reset_hits();
	REQUIRE(install(sig, record, 0) == 0);
	REQUIRE(raise(sig) == 0);
	/* A signal a thread sends itself is delivered before raise returns. */
	REQUIREF(hits == 1, "the handler ran %d times before raise returned", (int)hits);
	REQUIRE(hit_sig == sig);
	REQUIREF(hit_code == SI_TKILL, "si_code %d, want SI_TKILL", (int)hit_code);
	REQUIRE(hit_tid == getpid());
	settle(sig);
	return 0;
}

static int kill_self(void)
{
	int sig = SIGRTMIN + 2;

	reset_hits();
	REQUIRE(install(sig, record, 0) == 0);
	REQUIRE(kill(getpid(), sig) == 0);
	REQUIREF(wait_hits(1, 2000), "the handler did not run");
	REQUIREF(hit_code == SI_USER && hit_pid == getpid(), "si_code %d si_pid %d", (int)hit_code, (int)hit_pid);
	REQUIRE(kill(getpid(), 0) == 0);
	REQUIRE_ERR(kill(getpid(), 12345), EINVAL);
	settle(sig);
	return 0;
}

static int blocked_stays_pending(void)
{
	int sig = SIGRTMIN + 3;
	sigset_t set, pend;

	reset_hits();
	REQUIRE(install(sig, record, 0) == 0);
	sigemptyset(&set);
	sigaddset(&set, sig);
	REQUIRE(sigprocmask(SIG_BLOCK, &set, NULL) == 0);
	REQUIRE(raise(sig) == 0);
	REQUIRE(hits == 0);
	REQUIRE(sigpending(&pend) == 0);
	REQUIREF(sigismember(&pend, sig) == 1, "a blocked signal is not pending");
	REQUIRE(sigprocmask(SIG_UNBLOCK, &set, NULL) == 0);
	REQUIREF(hits == 1, "unblocking did not deliver the pending signal (%d runs)", (int)hits);
	REQUIRE(sigpending(&pend) == 0 && sigismember(&pend, sig) == 0);
	settle(sig);
	return 0;
}

static int ignored_discarded(void)
{
	int sig = SIGRTMIN + 4;
	struct sigaction sa = { .sa_handler = SIG_IGN };
	sigset_t set, pend;

	REQUIRE(sigaction(sig, &sa, NULL) == 0);
	REQUIRE(raise(sig) == 0);
	REQUIRE(sigpending(&pend) == 0 && sigismember(&pend, sig) == 0);
	/* Ignoring a pending blocked signal discards it. */
	reset_hits();
	REQUIRE(install(sig, record, 0) == 0);
	sigemptyset(&set);
	sigaddset(&set, sig);
	REQUIRE(sigprocmask(SIG_BLOCK, &set, NULL) == 0);
	REQUIRE(raise(sig) == 0);
	REQUIRE(sigaction(sig, &sa, NULL) == 0);
	REQUIRE(sigpending(&pend) == 0);
	REQUIREF(sigismember(&pend, sig) == 0, "SIG_IGN left the blocked signal pending");
	REQUIRE(sigprocmask(SIG_UNBLOCK, &set, NULL) == 0);
	REQUIRE(hits == 0);
	settle(sig);
	return 0;
}

static int sigtimedwait_takes(void)
{
	int sig = SIGRTMIN + 5;
	sigset_t set;
	siginfo_t si;
	struct timespec ts = { 0, 30 * NS_PER_MS };
	int64_t t0, dt;

	reset_hits();
	REQUIRE(install(sig, record, 0) == 0);
	sigemptyset(&set);
	sigaddset(&set, sig);
	REQUIRE(sigprocmask(SIG_BLOCK, &set, NULL) == 0);
	REQUIRE(raise(sig) == 0);
	memset(&si, 0, sizeof(si));
	REQUIREF(sigtimedwait(&set, &si, &ts) == sig, "sigtimedwait did not take the pending signal [errno %s]",
		 lt_errname(errno));
	REQUIRE(si.si_signo == sig && si.si_code == SI_TKILL);
	REQUIRE(hits == 0);
	t0 = lt_mono_ns();
	REQUIRE_ERR(sigtimedwait(&set, &si, &ts), EAGAIN);
	dt = lt_mono_ns() - t0;
	REQUIREF(dt >= 25 * NS_PER_MS, "sigtimedwait(30 ms) gave up after %lld us", (long long)(dt / 1000));
	settle(sig);
	return 0;
}

static char *altstack;

static void on_alt(int sig, siginfo_t *si, void *uc)
{
	char here;
	stack_t ss;

	record(sig, si, uc);
	hit_onstack = &here >= altstack && &here < altstack + SIGSTKSZ &&
		      sigaltstack(NULL, &ss) == 0 && (ss.ss_flags & SS_ONSTACK);
}

static int sigaltstack_used(void)
{
	int sig = SIGRTMIN + 6;
	stack_t ss, old;

	altstack = malloc(SIGSTKSZ);
	REQUIRE(altstack != NULL);
	ss = (stack_t){ .ss_sp = altstack, .ss_size = SIGSTKSZ, .ss_flags = 0 };
	REQUIRE(sigaltstack(&ss, &old) == 0);
	REQUIRE(sigaltstack(NULL, &old) == 0 && old.ss_sp == altstack && old.ss_size == SIGSTKSZ);
	reset_hits();
	REQUIRE(install(sig, on_alt, SA_ONSTACK) == 0);
	REQUIRE(raise(sig) == 0);
	REQUIREF(hits == 1, "the handler did not run");
	REQUIREF(hit_onstack, "the SA_ONSTACK handler did not run on the alternate stack");
	ss.ss_flags = SS_DISABLE;
	REQUIRE(sigaltstack(&ss, NULL) == 0);
	ss = (stack_t){ .ss_sp = altstack, .ss_size = 100, .ss_flags = 0 };
	REQUIRE_ERR(sigaltstack(&ss, NULL), ENOMEM);
	settle(sig);
	return 0;
}

struct target {
	pthread_t self;
	long tid;
	atomic_int ready, stop;
};

static void *spin_until_stopped(void *arg)
{
	struct target *t = arg;
	int64_t end = lt_mono_ns() + 5000 * NS_PER_MS;

	t->tid = syscall(SYS_gettid);
	atomic_store(&t->ready, 1);
	while (!atomic_load(&t->stop) && lt_mono_ns() < end)
		sched_yield();
	return NULL;
}

static int pthread_kill_other(void)
{
	int sig = SIGRTMIN + 7;
	struct target t = { 0 };
	pthread_t th;
	int ok;

	reset_hits();
	REQUIRE(install(sig, record, 0) == 0);
	REQUIRE_RC(pthread_create(&th, NULL, spin_until_stopped, &t), 0);
	while (!atomic_load(&t.ready))
		sched_yield();
	REQUIRE_RC(pthread_kill(th, sig), 0);
	ok = wait_hits(1, 2000);
	atomic_store(&t.stop, 1);
	REQUIRE_RC(pthread_join(th, NULL), 0);
	REQUIREF(ok, "the handler did not run");
	REQUIREF(hit_tid == t.tid, "the handler ran in thread %d, want %ld", (int)hit_tid, t.tid);
	REQUIRE_RC(pthread_kill(pthread_self(), 0), 0);
	settle(sig);
	return 0;
}

struct poke {
	pthread_t whom;
	int sig, delay_ms, fd;
};

static void *poke_later(void *arg)
{
	struct poke *p = arg;
	struct timespec ts = { 0, p->delay_ms * NS_PER_MS };

	nanosleep(&ts, NULL);
	pthread_kill(p->whom, p->sig);
	if (p->fd >= 0) {
		nanosleep(&ts, NULL);
		if (write(p->fd, "r", 1) != 1)
			return (void *)1;
	}
	return NULL;
}

static int nanosleep_eintr(void)
{
	struct poke p = { pthread_self(), SIGRTMIN + 8, 30, -1 };
	struct timespec req = { 3, 0 }, rem = { 0, 0 };
	pthread_t th;
	int r, e;
	int64_t t0, dt;

	reset_hits();
	REQUIRE(install(p.sig, record, 0) == 0);
	REQUIRE_RC(pthread_create(&th, NULL, poke_later, &p), 0);
	t0 = lt_mono_ns();
	r = nanosleep(&req, &rem);
	e = errno;
	dt = lt_mono_ns() - t0;
	REQUIRE_RC(pthread_join(th, NULL), 0);
	REQUIREF(r == -1 && e == EINTR, "nanosleep returned %d errno %s after %lld ms, want EINTR", r,
		 lt_errname(e), (long long)(dt / NS_PER_MS));
	REQUIRE(hits == 1);
	REQUIREF(rem.tv_sec >= 1 && rem.tv_sec <= 3, "remaining %ld.%09ld s", (long)rem.tv_sec, rem.tv_nsec);
	settle(p.sig);
	return 0;
}

static int read_restarted(void)
{
	int fds[2];
	struct poke p = { pthread_self(), SIGRTMIN + 9, 30, -1 };
	pthread_t th;
	char c = 0;
	ssize_t n;

	REQUIRE(pipe(fds) == 0);
	p.fd = fds[1];
	reset_hits();
	REQUIRE(install(p.sig, record, SA_RESTART) == 0);
	REQUIRE_RC(pthread_create(&th, NULL, poke_later, &p), 0);
	n = read(fds[0], &c, 1);
	REQUIRE_RC(pthread_join(th, NULL), 0);
	REQUIREF(n == 1 && c == 'r', "read returned %zd [errno %s], want the byte written after the signal", n,
		 lt_errname(errno));
	REQUIREF(hits == 1, "the handler ran %d times", (int)hits);
	settle(p.sig);
	return 0;
}

static void check_mask(int sig, siginfo_t *si, void *uc)
{
	sigset_t now;

	record(sig, si, uc);
	sigprocmask(SIG_SETMASK, NULL, &now);
	hit_blocked = sigismember(&now, sig) == 1 && sigismember(&now, SIGRTMIN + 11) == 1 &&
		      sigismember(&now, SIGUSR2) == 0;
}

static int handler_mask(void)
{
	int sig = SIGRTMIN + 10;
	struct sigaction sa = { .sa_sigaction = check_mask, .sa_flags = SA_SIGINFO };
	sigset_t now;

	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGRTMIN + 11);
	reset_hits();
	REQUIRE(sigaction(sig, &sa, NULL) == 0);
	REQUIRE(raise(sig) == 0);
	REQUIREF(hits == 1, "the handler did not run");
	REQUIREF(hit_blocked, "inside the handler the signal and sa_mask were not blocked");
	REQUIRE(sigprocmask(SIG_SETMASK, NULL, &now) == 0);
	REQUIREF(sigismember(&now, sig) == 0 && sigismember(&now, SIGRTMIN + 11) == 0,
		 "the mask was not restored after the handler");
	settle(sig);
	return 0;
}

static sigjmp_buf jump;

static void jump_out(int sig)
{
	hits++;
	siglongjmp(jump, sig);
}

static int siglongjmp_restores(void)
{
	int sig = SIGRTMIN + 11;
	struct sigaction sa = { .sa_handler = jump_out };
	sigset_t now;
	volatile int got;

	sigemptyset(&sa.sa_mask);
	reset_hits();
	REQUIRE(sigaction(sig, &sa, NULL) == 0);
	got = sigsetjmp(jump, 1);
	if (got == 0) {
		raise(sig);
		settle(sig);
		return lt_fail(__FILE__, __LINE__, "raise returned: the handler did not run (%d runs)", (int)hits);
	}
	REQUIRE(got == sig);
	REQUIRE(sigprocmask(SIG_SETMASK, NULL, &now) == 0);
	REQUIREF(sigismember(&now, sig) == 0, "siglongjmp left the signal blocked");
	settle(sig);
	return 0;
}

static void *ppoll_poke(void *arg)
{
	struct timespec ts = { 0, 30 * NS_PER_MS };

	nanosleep(&ts, NULL);
	return (void *)(intptr_t)pthread_kill(*(pthread_t *)arg, SIGRTMIN + 12);
}

/*
 * sigsuspend's promise (unblock and wait in one step) through ppoll, which also
 * takes a mask but ends on its own: sigsuspend itself would wait for ever on a
 * kernel that never calls the handler.
 */
static int ppoll_sigmask(void)
{
	int sig = SIGRTMIN + 12;
	sigset_t block, wait_mask;
	pthread_t th, self = pthread_self();
	struct timespec limit = { 3, 0 };
	int r, e;
	int64_t t0, dt;

	reset_hits();
	REQUIRE(install(sig, record, 0) == 0);
	sigemptyset(&block);
	sigaddset(&block, sig);
	REQUIRE(sigprocmask(SIG_BLOCK, &block, NULL) == 0);
	REQUIRE_RC(pthread_create(&th, NULL, ppoll_poke, &self), 0);
	sigemptyset(&wait_mask);
	t0 = lt_mono_ns();
	r = ppoll(NULL, 0, &limit, &wait_mask);
	e = errno;
	dt = lt_mono_ns() - t0;
	REQUIRE_RC(pthread_join(th, NULL), 0);
	REQUIREF(r == -1 && e == EINTR, "ppoll returned %d errno %s after %lld ms, want EINTR", r, lt_errname(e),
		 (long long)(dt / NS_PER_MS));
	REQUIRE(hits == 1);
	settle(sig);
	return 0;
}

static int queued_and_merged(void)
{
	int rt = SIGRTMIN + 13;
	sigset_t set;

	reset_hits();
	REQUIRE(install(rt, record, 0) == 0);
	REQUIRE(install(SIGURG, record, 0) == 0);
	sigemptyset(&set);
	sigaddset(&set, rt);
	sigaddset(&set, SIGURG);
	REQUIRE(sigprocmask(SIG_BLOCK, &set, NULL) == 0);
	REQUIRE(raise(SIGURG) == 0 && raise(SIGURG) == 0);
	for (int i = 0; i < 3; i++)
		REQUIRE(raise(rt) == 0);
	REQUIRE(sigprocmask(SIG_UNBLOCK, &set, NULL) == 0);
	/* A standard signal is pending once; real-time ones queue. */
	REQUIREF(hits == 4, "%d handler runs, want 1 for SIGURG and 3 for SIGRTMIN+13", (int)hits);
	settle(rt);
	settle(SIGURG);
	return 0;
}

static int sigqueue_value(void)
{
	int sig = SIGRTMIN + 14;
	union sigval v = { .sival_int = 0x5eed };

	reset_hits();
	REQUIRE(install(sig, record, 0) == 0);
	REQUIRE(sigqueue(getpid(), sig, v) == 0);
	REQUIREF(wait_hits(1, 2000), "the handler did not run");
	REQUIREF(hit_code == SI_QUEUE && hit_value == 0x5eed, "si_code %d value 0x%x", (int)hit_code,
		 (unsigned)hit_value);
	settle(sig);
	return 0;
}

static int itimer_real(void)
{
	struct itimerval it = { .it_value = { 0, 30000 } }, cur, off = { 0 };
	struct timespec req = { 3, 0 };
	int64_t t0, dt;
	int r;

	reset_hits();
	REQUIRE(install(SIGALRM, record, 0) == 0);
	REQUIRE(setitimer(ITIMER_REAL, &it, NULL) == 0);
	REQUIRE(getitimer(ITIMER_REAL, &cur) == 0);
	REQUIREF(cur.it_value.tv_sec == 0 && cur.it_value.tv_usec > 0 && cur.it_value.tv_usec <= 30000,
		 "getitimer left %ld.%06ld s", (long)cur.it_value.tv_sec, (long)cur.it_value.tv_usec);
	t0 = lt_mono_ns();
	r = nanosleep(&req, NULL);
	dt = lt_mono_ns() - t0;
	setitimer(ITIMER_REAL, &off, NULL);
	REQUIREF(r == -1 && hits == 1 && hit_sig == SIGALRM, "the timer's SIGALRM did not interrupt the sleep "
		 "(%d runs, slept %lld ms)", (int)hits, (long long)(dt / NS_PER_MS));
	REQUIREF(dt >= 25 * NS_PER_MS, "SIGALRM came after %lld us of 30 ms", (long long)(dt / 1000));
	REQUIRE(alarm(0) == 0);
	settle(SIGALRM);
	return 0;
}

static const struct lt_check signal_checks[] = {
	{ "sigaction_roundtrip", sigaction_roundtrip },
	{ "signal_previous", signal_previous },
	{ "sigprocmask", sigprocmask_roundtrip },
	{ "sigaction_einval", sigaction_einval },
	{ "raise_handler", raise_runs_handler },
	{ "kill_self", kill_self },
	{ "blocked_pending", blocked_stays_pending },
	{ "ignored_discarded", ignored_discarded },
	{ "sigtimedwait", sigtimedwait_takes },
	{ "sigaltstack", sigaltstack_used },
	{ "pthread_kill", pthread_kill_other },
	{ "nanosleep_eintr", nanosleep_eintr },
	{ "sa_restart", read_restarted },
	{ "handler_mask", handler_mask },
	{ "siglongjmp", siglongjmp_restores },
	{ "ppoll_sigmask", ppoll_sigmask },
	{ "queued_and_merged", queued_and_merged },
	{ "sigqueue", sigqueue_value },
	{ "setitimer", itimer_real },
};
LT_AREA(signal);
