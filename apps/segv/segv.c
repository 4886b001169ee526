/* SPDX-License-Identifier: BSD-2-Clause */
/* Writes through a null pointer: the kernel must report a segmentation fault and exit with 139. */
#include <stdio.h>

int main(void)
{
	volatile int *p = (int *)0;

	printf("segv: writing to %p\n", (void *)p);
	fflush(stdout);
	*p = 1;
	return 0;
}
