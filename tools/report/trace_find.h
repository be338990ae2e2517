/* SPDX-License-Identifier: MIT */
/*
 * Finding CTF traces below the paths given on the command line: a trace is
 * a directory that contains a `metadata` file, at any depth, as the
 * babeltrace2 command finds them.
 *
 * Error convention: 0, or a negative errno with a message in error[].
 */
#ifndef CGOMAL_TRACE_FIND_H
#define CGOMAL_TRACE_FIND_H

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>

struct cg_trace_dirs {
	char **paths; /* owned, each owned; sorted, no duplicates */
	size_t count;
	size_t capacity;
	size_t unreadable_count; /* directories skipped because they could not be opened */
	char unreadable[512];    /* the first of them */
};

/*
 * Appends every trace directory below path (path itself included) to dirs.
 * Fails when path does not exist; finding no trace there is not an error.
 */
int cg_trace_dirs_find(struct cg_trace_dirs *dirs, const char *path, char *error,
                       size_t error_size);

/* Sorts the directories and removes duplicates (one path given twice). */
void cg_trace_dirs_sort(struct cg_trace_dirs *dirs);

void cg_trace_dirs_destroy(struct cg_trace_dirs *dirs);

/*
 * Removes directories that hold a trace already in the list: the same
 * directory reached by another path, or a copy (same UUID, same stream
 * files). Prints one line to warnings for each; returns how many.
 */
size_t cg_trace_dirs_drop_copies(struct cg_trace_dirs *dirs, FILE *warnings);

/*
 * Reads the UUID of the CTF trace in dir from its metadata file, packetized
 * (the UUID follows the packet magic) or plain text (`uuid = "..."`).
 * Returns false when the metadata has none or cannot be read.
 */
bool cg_trace_dir_uuid(const char *dir, uint8_t uuid[16]);

#endif /* CGOMAL_TRACE_FIND_H */
