/* SPDX-License-Identifier: MIT */
/* Temporary files of `cgomal report` in $TMPDIR (see temp_file.h). */
#include "temp_file.h"

#include "stdio_error.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *cg_temp_dir(void)
{
	const char *dir = getenv("TMPDIR");

	return dir && dir[0] ? dir : "/tmp";
}

FILE *cg_temp_file(void)
{
	static const char name[] = "/cgomal-report-XXXXXX";
	const char *dir = cg_temp_dir();
	size_t length = strlen(dir);
	char *path = malloc(length + sizeof(name));
	FILE *file = NULL;
	int fd, err;

	if (!path)
		return NULL;
	memcpy(path, dir, length);
	memcpy(path + length, name, sizeof(name));
	fd = mkstemp(path);
	if (fd >= 0) {
		unlink(path);
		file = fdopen(fd, "w+b");
		if (!file) {
			err = errno;
			close(fd);
			errno = err;
		}
	}
	free(path);
	return file;
}

int cg_temp_file_copy(FILE *file, FILE *out)
{
	char chunk[65536];
	size_t n;

	if (fflush(file) != 0 || fseek(file, 0, SEEK_SET) != 0)
		return cg_stdio_error();
	while ((n = fread(chunk, 1, sizeof(chunk), file)) > 0) {
		if (fwrite(chunk, 1, n, out) != n)
			return cg_stdio_error();
	}
	return ferror(file) ? cg_stdio_error() : 0;
}
