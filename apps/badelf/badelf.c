/* SPDX-License-Identifier: BSD-2-Clause */
/* A program whose executable the build truncates (app.mk): the kernel must refuse it by name. */
#include <stdio.h>

int main(void)
{
	printf("badelf: this must never run\n");
	return 0;
}
