/* SPDX-License-Identifier: BSD-2-Clause */
/* printk on the format engine, writing straight to the consoles. */
#include <generated/autoconf.h>
#include "kernel/console.h"
#include "kernel/log.h"
#include "lib/format.h"

int log_level = CONFIG_LOG_LEVEL;

static const char *const level_prefix[] = {
	[LOG_ERR] = "mote: error: ",
	[LOG_WARN] = "mote: warning: ",
	[LOG_INFO] = "mote: ",
	[LOG_DEBUG] = "mote: debug: ",
	[LOG_TRACE] = "mote: trace: ",
};

static void console_out(void *ctx, const char *s, size_t n)
{
	(void)ctx;
	console_write(s, n);
}

void vprintk(const char *fmt, va_list ap)
{
	fmt_vformat(console_out, NULL, fmt, ap);
}

void printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}

void log_msg(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > log_level)
		return;
	printk("%s", level_prefix[level < 0 ? 0 : level > LOG_TRACE ? LOG_TRACE : level]);
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}
