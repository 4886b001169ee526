/* SPDX-License-Identifier: BSD-2-Clause */
/* The smallest Mote application: an ordinary Linux C program. */
#include <stdio.h>

int main(void)
{
	printf("Hello from Mote\n");
	return 0;
}
