/* SPDX-License-Identifier: MIT */
/*
 * Temporary files of `cgomal report`, in $TMPDIR or else /tmp. glibc's
 * tmpfile() always uses /tmp, which may be a small tmpfs, while the
 * sections of a large report take hundreds of megabytes.
 */
#ifndef CGOMAL_TEMP_FILE_H
#define CGOMAL_TEMP_FILE_H

#include <stdio.h>

/* Returns the folder where temporary files go: $TMPDIR when set and not empty, else /tmp. */
const char *cg_temp_dir(void);

/*
 * Creates a temporary file in cg_temp_dir(), open for reading and writing
 * and already unlinked, so it vanishes when closed. NULL with errno set on
 * failure.
 */
FILE *cg_temp_file(void);

/*
 * Copies everything written to the temporary file to out, from its start.
 * Returns 0 or the negative errno of the failed stdio call (-EIO when none).
 */
int cg_temp_file_copy(FILE *file, FILE *out);

#endif /* CGOMAL_TEMP_FILE_H */
