/* SPDX-License-Identifier: BSD-2-Clause */
/* Reads lines from standard input and echoes them: the console's input path end to end. */
#include <stdio.h>
#include <string.h>

int main(void)
{
	char line[128];
	int n = 0;

	while (fgets(line, sizeof(line), stdin)) {
		line[strcspn(line, "\n")] = '\0';
		printf("readline: got \"%s\"\n", line);
		if (strcmp(line, "quit") == 0)
			return n;
		n++;
	}
	return 100;	/* end of input without "quit" */
}
