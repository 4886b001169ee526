/* SPDX-License-Identifier: BSD-2-Clause */
/* Kernel log: printk and levelled messages; usable from every layer. */
#ifndef KERNEL_LOG_H
#define KERNEL_LOG_H

#include <stdarg.h>
#include <mote/compiler.h>

enum log_level {
	LOG_ERR = 0,
	LOG_WARN = 1,
	LOG_INFO = 2,
	LOG_DEBUG = 3,
	LOG_TRACE = 4,
};

extern int log_level;

void printk(const char *fmt, ...) __printf(1, 2);
void vprintk(const char *fmt, va_list ap) __printf(1, 0);
void log_msg(int level, const char *fmt, ...) __printf(2, 3);

#define pr_err(...)	log_msg(LOG_ERR, __VA_ARGS__)
#define pr_warn(...)	log_msg(LOG_WARN, __VA_ARGS__)
#define pr_info(...)	log_msg(LOG_INFO, __VA_ARGS__)
#define pr_debug(...)	log_msg(LOG_DEBUG, __VA_ARGS__)

#endif
