/* SPDX-License-Identifier: MIT */
/* The error code that the report's writers return for a failed stdio call. */
#ifndef CGOMAL_STDIO_ERROR_H
#define CGOMAL_STDIO_ERROR_H

#include <errno.h>

/*
 * Returns the negative errno of a stdio call that just failed, or -EIO when
 * errno is 0. In glibc, a failed fwrite, fputs, fprintf, fflush, fseek or
 * fclose leaves the errno of its failed system call (ENOSPC on a full disk).
 * A short fread at the end of a file sets none, so readers check ferror().
 */
static inline int cg_stdio_error(void)
{
	return errno > 0 ? -errno : -EIO;
}

#endif /* CGOMAL_STDIO_ERROR_H */
