/* SPDX-License-Identifier: MIT */
/* Recursive search for CTF trace directories (see trace_find.h). */
#include "trace_find.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Directory depth at which the search stops, far below any LTTng layout (about 8 levels). */
#define TRACE_FIND_MAX_DEPTH 64

static int dirs_append(struct cg_trace_dirs *dirs, const char *path)
{
	char *copy;

	if (dirs->count == dirs->capacity) {
		size_t capacity = dirs->capacity ? dirs->capacity * 2 : 8;
		char **grown = realloc(dirs->paths, capacity * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		dirs->paths = grown;
		dirs->capacity = capacity;
	}
	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	dirs->paths[dirs->count++] = copy;
	return 0;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Searches one directory; a child that cannot be read is skipped, as babeltrace2 does. */
static int find_below(struct cg_trace_dirs *dirs, const char *path, int depth)
{
	char child[4096];
	struct dirent *entry;
	struct stat st;
	char **names = NULL;
	size_t count = 0, capacity = 0;
	DIR *dir;
	int err = 0;

	snprintf(child, sizeof(child), "%s/metadata", path);
	if (stat(child, &st) == 0 && S_ISREG(st.st_mode))
		return dirs_append(dirs, path);
	if (depth >= TRACE_FIND_MAX_DEPTH)
		return 0;
	dir = opendir(path);
	if (!dir)
		return 0;

	/* Read the names first, then recurse in sorted order, so the result does not depend on
	 * readdir. */
	while ((entry = readdir(dir)) && !err) {
		if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
			continue;
		if (count == capacity) {
			size_t grown_capacity = capacity ? capacity * 2 : 16;
			char **grown = realloc(names, grown_capacity * sizeof(*grown));

			if (!grown) {
				err = -ENOMEM;
				break;
			}
			names = grown;
			capacity = grown_capacity;
		}
		names[count] = strdup(entry->d_name);
		if (!names[count])
			err = -ENOMEM;
		else
			count++;
	}
	closedir(dir);
	if (names)
		qsort(names, count, sizeof(*names), compare_names);
	for (size_t i = 0; i < count; i++) {
		int written = snprintf(child, sizeof(child), "%s/%s", path, names[i]);

		if (!err && written > 0 && (size_t)written < sizeof(child) &&
		    stat(child, &st) == 0 && S_ISDIR(st.st_mode))
			err = find_below(dirs, child, depth + 1);
		free(names[i]);
	}
	free(names);
	return err;
}

int cg_trace_dirs_find(struct cg_trace_dirs *dirs, const char *path, char *error, size_t error_size)
{
	char clean[4096];
	size_t length = strlen(path);
	struct stat st;
	int err;

	if (length >= sizeof(clean)) {
		snprintf(error, error_size, "trace path is too long (%zu bytes): %.64s...", length,
		         path);
		return -ENAMETOOLONG;
	}
	memcpy(clean, path, length + 1);
	while (length > 1 && clean[length - 1] == '/')
		clean[--length] = '\0';
	if (stat(clean, &st) != 0) {
		err = -errno;
		snprintf(error, error_size, "cannot open trace path '%s': %s", path,
		         strerror(errno));
		return err;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(error, error_size,
		         "trace path '%s' is not a directory; give the trace directory (the one "
		         "that holds 'metadata') or any directory above it",
		         path);
		return -ENOTDIR;
	}
	err = find_below(dirs, clean, 0);
	if (err)
		snprintf(error, error_size, "searching '%s' for traces failed: %s", path,
		         strerror(-err));
	return err;
}

void cg_trace_dirs_sort(struct cg_trace_dirs *dirs)
{
	size_t kept = 0;

	if (dirs->count == 0)
		return;
	qsort(dirs->paths, dirs->count, sizeof(*dirs->paths), compare_names);
	for (size_t i = 0; i < dirs->count; i++) {
		if (kept && strcmp(dirs->paths[kept - 1], dirs->paths[i]) == 0) {
			free(dirs->paths[i]);
			continue;
		}
		dirs->paths[kept++] = dirs->paths[i];
	}
	dirs->count = kept;
}

void cg_trace_dirs_destroy(struct cg_trace_dirs *dirs)
{
	for (size_t i = 0; i < dirs->count; i++)
		free(dirs->paths[i]);
	free(dirs->paths);
	dirs->paths = NULL;
	dirs->count = dirs->capacity = 0;
}
