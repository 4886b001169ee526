/* SPDX-License-Identifier: BSD-2-Clause */
/* A static-pie executable: prints where it was loaded, which must differ from boot to boot. */
#include <stdio.h>

int main(void)
{
	printf("pie: main at %p\n", (void *)main);
	return 0;
}
