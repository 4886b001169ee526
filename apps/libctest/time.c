/* SPDX-License-Identifier: BSD-2-Clause */
/* libctest, time area: the clocks and how they agree, sleeping, CPU time, and local time with no time zone set. */
#include "harness.h"

#include <stdlib.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

#define NS_PER_MS 1000000LL

static int time_vs_gettimeofday(void)
{
	struct timeval tv;
	struct timespec ts;
	time_t t, t2;

	t = time(NULL);
	REQUIRE(gettimeofday(&tv, NULL) == 0);
	REQUIRE(clock_gettime(CLOCK_REALTIME, &ts) == 0);
	t2 = time(&t2);
	REQUIREF(tv.tv_sec >= t && tv.tv_sec <= t2, "gettimeofday %ld outside time() %ld..%ld", (long)tv.tv_sec,
		 (long)t, (long)t2);
	REQUIREF(ts.tv_sec >= tv.tv_sec && ts.tv_sec <= t2, "CLOCK_REALTIME %ld, gettimeofday %ld",
		 (long)ts.tv_sec, (long)tv.tv_sec);
	REQUIRE(tv.tv_usec >= 0 && tv.tv_usec < 1000000);
	REQUIRE(ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000);
	return 0;
}

static int realtime_plausible(void)
{
	time_t t = time(NULL);

	/* After 2023-11-14 and before 2100. */
	REQUIREF(t > 1700000000 && t < 4102444800, "time() = %ld", (long)t);
	return 0;
}

static int monotonic_nondecreasing(void)
{
	int64_t prev = lt_mono_ns(), first = prev;

	for (int i = 0; i < 20000; i++) {
		int64_t now = lt_mono_ns();

		REQUIREF(now >= prev, "CLOCK_MONOTONIC went back by %lld ns at read %d", (long long)(prev - now), i);
		prev = now;
	}
	REQUIREF(prev > first, "CLOCK_MONOTONIC did not move over 20000 reads");
	return 0;
}

static int clocks_same_rate(void)
{
	int64_t m0, r0, m1, r1, dm, dr;
	struct timespec req = { 0, 200 * NS_PER_MS };

	m0 = lt_mono_ns();
	r0 = lt_real_ns();
	REQUIRE(nanosleep(&req, NULL) == 0);
	m1 = lt_mono_ns();
	r1 = lt_real_ns();
	dm = m1 - m0;
	dr = r1 - r0;
	REQUIREF(dm >= 200 * NS_PER_MS, "monotonic moved %lld ms over a 200 ms sleep", (long long)(dm / NS_PER_MS));
	REQUIREF(dr > dm - 20 * NS_PER_MS && dr < dm + 20 * NS_PER_MS, "monotonic %lld ms but realtime %lld ms",
		 (long long)(dm / NS_PER_MS), (long long)(dr / NS_PER_MS));
	return 0;
}

static int nanosleep_duration(void)
{
	struct timespec req = { 0, 30 * NS_PER_MS }, rem = { 9, 9 };
	int64_t t0, dt;

	t0 = lt_mono_ns();
	REQUIRE(nanosleep(&req, &rem) == 0);
	dt = lt_mono_ns() - t0;
	REQUIREF(dt >= 30 * NS_PER_MS, "nanosleep(30 ms) returned after %lld us", (long long)(dt / 1000));
	REQUIREF(dt < 5000 * NS_PER_MS, "nanosleep(30 ms) took %lld ms", (long long)(dt / NS_PER_MS));
	t0 = lt_mono_ns();
	REQUIRE(usleep(20000) == 0);
	dt = lt_mono_ns() - t0;
	REQUIREF(dt >= 20 * NS_PER_MS, "usleep(20000) returned after %lld us", (long long)(dt / 1000));
	return 0;
}

static int nanosleep_einval(void)
{
	struct timespec bad = { 0, 1000000000 }, neg = { -1, 0 }, zero = { 0, 0 };

	REQUIRE_ERR(nanosleep(&bad, NULL), EINVAL);
	REQUIRE_ERR(nanosleep(&neg, NULL), EINVAL);
	REQUIRE(nanosleep(&zero, NULL) == 0);
	REQUIRE_RC(clock_nanosleep(CLOCK_MONOTONIC, 0, &bad, NULL), EINVAL);
	return 0;
}

static int clock_nanosleep_abs(void)
{
	struct timespec target;
	int64_t want, now;

	REQUIRE(clock_gettime(CLOCK_MONOTONIC, &target) == 0);
	target.tv_nsec += 25 * NS_PER_MS;
	if (target.tv_nsec >= 1000000000) {
		target.tv_sec++;
		target.tv_nsec -= 1000000000;
	}
	want = (int64_t)target.tv_sec * 1000000000 + target.tv_nsec;
	REQUIRE_RC(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &target, NULL), 0);
	now = lt_mono_ns();
	REQUIREF(now >= want, "woke %lld us before the deadline", (long long)((want - now) / 1000));
	/* A deadline in the past returns at once (the clock may be young: take its origin). */
	target.tv_sec = 0;
	target.tv_nsec = 0;
	REQUIRE_RC(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &target, NULL), 0);
	return 0;
}

static int clock_nanosleep_realtime(void)
{
	struct timespec target;
	int64_t want, now;

	REQUIRE(clock_gettime(CLOCK_REALTIME, &target) == 0);
	target.tv_nsec += 25 * NS_PER_MS;
	if (target.tv_nsec >= 1000000000) {
		target.tv_sec++;
		target.tv_nsec -= 1000000000;
	}
	want = (int64_t)target.tv_sec * 1000000000 + target.tv_nsec;
	REQUIRE_RC(clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &target, NULL), 0);
	now = lt_real_ns();
	REQUIREF(now >= want, "woke %lld us before the CLOCK_REALTIME deadline", (long long)((want - now) / 1000));
	return 0;
}

static int clock_getres_fine(void)
{
	static const clockid_t ids[] = { CLOCK_REALTIME, CLOCK_MONOTONIC };
	struct timespec res;

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		REQUIRE(clock_getres(ids[i], &res) == 0);
		REQUIREF(res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= 1000000, "clock %d: resolution %ld.%09ld",
			 (int)ids[i], (long)res.tv_sec, res.tv_nsec);
	}
	REQUIRE_ERR(clock_getres(12345, &res), EINVAL);
	return 0;
}

static int clock_gettime_einval(void)
{
	struct timespec ts;

	REQUIRE_ERR(clock_gettime(12345, &ts), EINVAL);
	return 0;
}

static int clock_boottime(void)
{
	struct timespec b;
	int64_t m, bt;

	m = lt_mono_ns();
	REQUIRE(clock_gettime(CLOCK_BOOTTIME, &b) == 0);
	bt = (int64_t)b.tv_sec * 1000000000 + b.tv_nsec;
	/* Equal but for time spent suspended, which a VM that never suspends does not have. */
	REQUIREF(bt >= m, "CLOCK_BOOTTIME %lld behind CLOCK_MONOTONIC %lld", (long long)bt, (long long)m);
	return 0;
}

static int clock_monotonic_raw_coarse(void)
{
	struct timespec raw, coarse, rc;
	int64_t m, d;

	REQUIRE(clock_gettime(CLOCK_MONOTONIC_RAW, &raw) == 0);
	REQUIRE(clock_gettime(CLOCK_MONOTONIC_COARSE, &coarse) == 0);
	REQUIRE(clock_gettime(CLOCK_REALTIME_COARSE, &rc) == 0);
	m = lt_mono_ns();
	d = m - ((int64_t)coarse.tv_sec * 1000000000 + coarse.tv_nsec);
	REQUIREF(d >= 0 && d < 100 * NS_PER_MS, "CLOCK_MONOTONIC_COARSE is %lld us from CLOCK_MONOTONIC",
		 (long long)(d / 1000));
	d = lt_real_ns() - ((int64_t)rc.tv_sec * 1000000000 + rc.tv_nsec);
	REQUIREF(d >= 0 && d < 100 * NS_PER_MS, "CLOCK_REALTIME_COARSE is %lld us from CLOCK_REALTIME",
		 (long long)(d / 1000));
	REQUIRE(raw.tv_sec > 0 || raw.tv_nsec > 0);
	return 0;
}

static int clock_process_cputime(void)
{
	clock_t c0, c1;

	c0 = clock();
	REQUIREF(c0 != (clock_t)-1, "clock() failed [errno %s]", lt_errname(errno));
	lt_busy_ms(60);
	c1 = clock();
	/* CLOCKS_PER_SEC is a million: 60 ms of spinning is at least 20 ms of CPU even on a loaded host. */
	REQUIREF(c1 - c0 >= 20000, "clock() advanced %ld us over 60 ms of spinning", (long)(c1 - c0));
	return 0;
}

static int clock_thread_cputime(void)
{
	struct timespec a, b;
	int64_t d;

	REQUIRE(clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a) == 0);
	lt_busy_ms(60);
	REQUIRE(clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b) == 0);
	d = ((int64_t)b.tv_sec - a.tv_sec) * 1000000000 + (b.tv_nsec - a.tv_nsec);
	REQUIREF(d >= 20 * NS_PER_MS, "thread CPU time advanced %lld us over 60 ms of spinning",
		 (long long)(d / 1000));
	/* Sleeping costs no CPU time. */
	REQUIRE(clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a) == 0);
	REQUIRE(usleep(100000) == 0);
	REQUIRE(clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b) == 0);
	d = ((int64_t)b.tv_sec - a.tv_sec) * 1000000000 + (b.tv_nsec - a.tv_nsec);
	REQUIREF(d < 50 * NS_PER_MS, "thread CPU time advanced %lld us over a 100 ms sleep", (long long)(d / 1000));
	return 0;
}

static int times_ticks(void)
{
	struct tms a, b;
	clock_t r0, r1;

	r0 = times(&a);
	REQUIREF(r0 != (clock_t)-1, "times() failed [errno %s]", lt_errname(errno));
	lt_busy_ms(100);
	r1 = times(&b);
	REQUIREF(r1 - r0 >= 9, "times() elapsed %ld ticks over 100 ms (returned %ld)", (long)(r1 - r0), (long)r1);
	REQUIREF((b.tms_utime + b.tms_stime) - (a.tms_utime + a.tms_stime) >= 3,
		 "CPU ticks advanced %ld over 100 ms of spinning",
		 (long)((b.tms_utime + b.tms_stime) - (a.tms_utime + a.tms_stime)));
	return 0;
}

/* With TZ unset musl reads /etc/localtime, and falls back to UTC without it. */
static int with_tz_unset(void)
{
	const char *tz = getenv("TZ");

	if (tz)
		return lt_fail(__FILE__, __LINE__, "TZ is set in the environment (\"%s\"): run without it", tz);
	tzset();
	return 0;
}

static int localtime_utc(void)
{
	struct tm l, g;
	time_t t = 1700000000;

	if (with_tz_unset())
		return -1;
	REQUIRE(localtime_r(&t, &l) == &l);
	REQUIRE(gmtime_r(&t, &g) == &g);
	REQUIREF(l.tm_hour == g.tm_hour && l.tm_mday == g.tm_mday && l.tm_gmtoff == 0,
		 "local time is %02d:%02d offset %ld, UTC %02d:%02d", l.tm_hour, l.tm_min, l.tm_gmtoff, g.tm_hour,
		 g.tm_min);
	REQUIRE(g.tm_year == 123 && g.tm_mon == 10 && g.tm_mday == 14 && g.tm_hour == 22 && g.tm_min == 13 &&
		g.tm_sec == 20 && g.tm_wday == 2 && g.tm_yday == 317);
	return 0;
}

static int mktime_roundtrip(void)
{
	static const time_t times[] = { 0, 86399, 951782400, 1700000000, 2147483647, 4102444800 };
	struct tm tm;

	if (with_tz_unset())
		return -1;
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		time_t back;

		REQUIRE(localtime_r(&times[i], &tm) == &tm);
		back = mktime(&tm);
		REQUIREF(back == times[i], "mktime(localtime(%ld)) = %ld", (long)times[i], (long)back);
	}
	/* mktime normalises: 2024-02-30 is 2024-03-01. */
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = 124;
	tm.tm_mon = 1;
	tm.tm_mday = 30;
	tm.tm_isdst = -1;
	REQUIRE(mktime(&tm) == 1709251200);
	REQUIRE(tm.tm_mon == 2 && tm.tm_mday == 1 && tm.tm_wday == 5);
	return 0;
}

static int strftime_now(void)
{
	char buf[64], want[64];
	struct tm tm;
	time_t t = 1700000000, now;

	if (with_tz_unset())
		return -1;
	REQUIRE(localtime_r(&t, &tm) == &tm);
	REQUIRE(strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S %a %j %Z", &tm) > 0);
	REQUIREF(!strcmp(buf, "2023-11-14 22:13:20 Tue 318 UTC"), "strftime gave \"%s\"", buf);
	now = time(NULL);
	REQUIRE(localtime_r(&now, &tm) == &tm);
	REQUIRE(strftime(buf, sizeof(buf), "%s", &tm) > 0);
	snprintf(want, sizeof(want), "%ld", (long)now);
	REQUIREF(!strcmp(buf, want), "%%s of now gave \"%s\", want \"%s\"", buf, want);
	return 0;
}

static const struct lt_check time_checks[] = {
	{ "time_vs_gettimeofday", time_vs_gettimeofday },
	{ "realtime_plausible", realtime_plausible },
	{ "monotonic_nondecreasing", monotonic_nondecreasing },
	{ "clocks_same_rate", clocks_same_rate },
	{ "nanosleep_duration", nanosleep_duration },
	{ "nanosleep_einval", nanosleep_einval },
	{ "clock_nanosleep_abstime", clock_nanosleep_abs },
	{ "clock_nanosleep_realtime", clock_nanosleep_realtime },
	{ "clock_getres", clock_getres_fine },
	{ "clock_gettime_einval", clock_gettime_einval },
	{ "clock_boottime", clock_boottime },
	{ "clock_raw_coarse", clock_monotonic_raw_coarse },
	{ "clock_process_cputime", clock_process_cputime },
	{ "clock_thread_cputime", clock_thread_cputime },
	{ "times", times_ticks },
	{ "localtime_utc", localtime_utc },
	{ "mktime_roundtrip", mktime_roundtrip },
	{ "strftime", strftime_now },
};
LT_AREA(time);
