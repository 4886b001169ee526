/* SPDX-License-Identifier: BSD-2-Clause */
/* Returns the status given as its first argument (3 without one): the exit status must reach the host. */
#include <stdlib.h>

int main(int argc, char **argv)
{
	return argc > 1 ? atoi(argv[1]) : 3;
}
