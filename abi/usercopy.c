/* SPDX-License-Identifier: BSD-2-Clause */
/* User copies: the lower-half range check here, the fault fixup in arch/x86_64/usercopy.S. */
#include <mote/errno.h>
#include "abi/usercopy.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/syscall.h"

static bool user_range(uint64_t addr, size_t n)
{
	return addr < USER_TOP && n <= USER_TOP - addr;
}

long copy_from_user(void *dst, uint64_t usrc, size_t n)
{
	if (!user_range(usrc, n))
		return -EFAULT;
	return arch_user_copy(dst, (const void *)usrc, n);
}

long copy_to_user(uint64_t udst, const void *src, size_t n)
{
	if (!user_range(udst, n))
		return -EFAULT;
	return arch_user_copy((void *)udst, src, n);
}

long copy_string_from_user(char *dst, uint64_t usrc, size_t max)
{
	long len;

	if (max == 0 || usrc >= USER_TOP)
		return -EFAULT;
	if (max > USER_TOP - usrc)
		max = USER_TOP - usrc;
	len = arch_user_strnlen((const char *)usrc, max);
	if (len < 0)
		return len;
	if ((size_t)len >= max)
		return -ENAMETOOLONG;
	if (arch_user_copy(dst, (const void *)usrc, (size_t)len + 1))
		return -EFAULT;
	return len;
}

long copy_string_from_user_cut(char *dst, uint64_t usrc, size_t max)
{
	long len = copy_string_from_user(dst, usrc, max);

	if (len != -ENAMETOOLONG)
		return len;
	/* The first max-1 bytes were all found readable and non-NUL. */
	if (arch_user_copy(dst, (const void *)usrc, max - 1))
		return -EFAULT;
	dst[max - 1] = 0;
	return (long)(max - 1);
}
