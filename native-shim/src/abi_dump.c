/* abi_dump.c - prints the layout table of abi_table.c (make abi-dump-c); compare with `make abi-dump` (C#). */
#include <stdio.h>
#include <stdlib.h>

#include "userdisk_scst_abi.h"

int main(void)
{
	int size = userdisk_abi_table(NULL, 0);
	if (size < 0) {
		fprintf(stderr, "abi-dump: could not build the layout table\n");
		return 1;
	}
	char *table = malloc((size_t)size + 1);
	if (table == NULL || userdisk_abi_table(table, size + 1) != size) {
		fprintf(stderr, "abi-dump: could not build the layout table\n");
		free(table);
		return 1;
	}
	fputs(table, stdout);
	free(table);
	return ferror(stdout) ? 1 : 0;
}
