/* SPDX-License-Identifier: BSD-2-Clause */
/* CMOS real-time clock (MC146818): the wall clock at boot, as seconds since 1970. */
#include "arch/x86_64/cpu.h"
#include "plat/plat.h"

#define CMOS_INDEX	0x70
#define CMOS_DATA	0x71
#define RTC_SEC		0x00
#define RTC_MIN		0x02
#define RTC_HOUR	0x04
#define RTC_DAY		0x07
#define RTC_MONTH	0x08
#define RTC_YEAR	0x09
#define RTC_STATUS_A	0x0a
#define RTC_STATUS_B	0x0b
#define RTC_CENTURY	0x32	/* where QEMU and most PCs keep it */
#define STATUS_A_UIP	0x80
#define STATUS_B_24H	0x02
#define STATUS_B_BINARY	0x04

static uint8_t cmos_read(uint8_t reg)
{
	outb(CMOS_INDEX, reg);
	return inb(CMOS_DATA);
}

static unsigned int bcd(uint8_t v, bool binary)
{
	return binary ? v : (v >> 4) * 10 + (v & 0xf);
}

/* Days from 1970-01-01 to y-m-d (civil calendar, proleptic Gregorian). */
static uint64_t days_from_civil(unsigned int y, unsigned int m, unsigned int d)
{
	static const unsigned int before[12] = { 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334 };
	uint64_t days = (uint64_t)(y - 1970) * 365 + before[m - 1] + (d - 1);

	/* Leap days in the years before y, then this year's if past February. */
	days += (y - 1969) / 4 - (y - 1901) / 100 + (y - 1601) / 400;
	if (m > 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		days++;
	return days;
}

uint64_t plat_rtc_seconds(void)
{
	uint8_t sec, min, hour, day, mon, year, cent, b;
	bool binary;
	unsigned int h, y;

	/* Wait out an update in progress (at most 2 ms each second); bounded for a missing RTC. */
	for (int i = 0; i < 100000 && (cmos_read(RTC_STATUS_A) & STATUS_A_UIP); i++)
		cpu_relax();
	sec = cmos_read(RTC_SEC);
	min = cmos_read(RTC_MIN);
	hour = cmos_read(RTC_HOUR);
	day = cmos_read(RTC_DAY);
	mon = cmos_read(RTC_MONTH);
	year = cmos_read(RTC_YEAR);
	cent = cmos_read(RTC_CENTURY);
	b = cmos_read(RTC_STATUS_B);
	if (sec == 0xff && min == 0xff && b == 0xff)
		return 0;	/* no RTC (e.g. Firecracker) */
	binary = b & STATUS_B_BINARY;
	h = bcd(hour & 0x7f, binary);
	if (!(b & STATUS_B_24H) && (hour & 0x80))
		h = (h % 12) + 12;
	else if (!(b & STATUS_B_24H) && h == 12)
		h = 0;
	y = bcd(year, binary) + (cent && cent != 0xff ? bcd(cent, binary) * 100 : 2000);
	mon = (uint8_t)bcd(mon, binary);
	day = (uint8_t)bcd(day, binary);
	if (y < 1970 || mon < 1 || mon > 12 || day < 1 || day > 31 || h > 23)
		return 0;
	return days_from_civil(y, mon, day) * 86400 + h * 3600 +
	       bcd(min, binary) * 60 + bcd(sec, binary);
}
