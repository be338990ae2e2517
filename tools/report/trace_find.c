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

/* Searches one directory; a child that cannot be read is skipped, as babeltrace2 does,
 * and counted in dirs->unreadable_count. */
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
	if (!dir) {
		if (errno == EACCES || errno == EPERM) {
			if (dirs->unreadable_count++ == 0)
				snprintf(dirs->unreadable, sizeof(dirs->unreadable), "%s", path);
		}
		return 0;
	}

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

		/* lstat: a symbolic link to a directory is not followed, so a
		 * `latest` link or a loop does not read a trace twice. */
		if (!err && written > 0 && (size_t)written < sizeof(child) &&
		    lstat(child, &st) == 0 && S_ISDIR(st.st_mode))
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

/* Magic number that opens every packet of packetized CTF metadata. */
#define CTF_METADATA_PACKET_MAGIC 0x75d11d57u

/* Bytes of a text metadata file searched for the UUID: it sits in the trace block, near the top. */
#define METADATA_TEXT_SCAN 65536

static bool parse_uuid_text(const char *text, uint8_t uuid[16])
{
	int n = 0;

	for (const char *c = text; *c && n < 32; c++) {
		int digit;

		if (*c == '-')
			continue;
		if (*c >= '0' && *c <= '9')
			digit = *c - '0';
		else if (*c >= 'a' && *c <= 'f')
			digit = *c - 'a' + 10;
		else if (*c >= 'A' && *c <= 'F')
			digit = *c - 'A' + 10;
		else
			return false;
		if (n % 2 == 0)
			uuid[n / 2] = (uint8_t)(digit << 4);
		else
			uuid[n / 2] |= (uint8_t)digit;
		n++;
	}
	return n == 32;
}

bool cg_trace_dir_uuid(const char *dir, uint8_t uuid[16])
{
	char path[4096], *text, *key;
	uint8_t header[20];
	uint32_t magic;
	size_t length;
	bool found = false;
	FILE *file;

	snprintf(path, sizeof(path), "%s/metadata", dir);
	file = fopen(path, "rb");
	if (!file)
		return false;
	if (fread(header, 1, sizeof(header), file) == sizeof(header)) {
		memcpy(&magic, header, sizeof(magic));
		if (magic == CTF_METADATA_PACKET_MAGIC ||
		    __builtin_bswap32(magic) == CTF_METADATA_PACKET_MAGIC) {
			memcpy(uuid, header + 4, 16);
			fclose(file);
			return true;
		}
	}
	text = malloc(METADATA_TEXT_SCAN + 1);
	if (text && fseek(file, 0, SEEK_SET) == 0) {
		length = fread(text, 1, METADATA_TEXT_SCAN, file);
		text[length] = '\0';
		for (key = strstr(text, "uuid"); key && !found; key = strstr(key + 4, "uuid")) {
			char *quote = key + 4;

			while (*quote == ' ' || *quote == '\t' || *quote == '=')
				quote++;
			if (*quote == '"')
				found = parse_uuid_text(quote + 1, uuid);
		}
	}
	free(text);
	fclose(file);
	return found;
}

/* Whether the regular file name exists in both directories with the same
 * non-zero size and the same first 64 KiB. */
static bool files_match(const char *a_dir, const char *b_dir, const char *name, bool *nonempty)
{
	char a_path[4352], b_path[4352];
	static char a_buf[65536], b_buf[65536];
	struct stat a_st, b_st;
	FILE *a, *b;
	size_t a_len, b_len;

	snprintf(a_path, sizeof(a_path), "%s/%s", a_dir, name);
	snprintf(b_path, sizeof(b_path), "%s/%s", b_dir, name);
	if (lstat(a_path, &a_st) != 0 || !S_ISREG(a_st.st_mode))
		return true; /* not a stream file: not compared */
	if (lstat(b_path, &b_st) != 0 || !S_ISREG(b_st.st_mode) || a_st.st_size != b_st.st_size)
		return false;
	if (a_st.st_size == 0)
		return true;
	*nonempty = true;
	a = fopen(a_path, "rb");
	b = fopen(b_path, "rb");
	a_len = a ? fread(a_buf, 1, sizeof(a_buf), a) : 0;
	b_len = b ? fread(b_buf, 1, sizeof(b_buf), b) : 0;
	if (a)
		fclose(a);
	if (b)
		fclose(b);
	return a && b && a_len == b_len && memcmp(a_buf, b_buf, a_len) == 0;
}

/* Whether b contains a copy of the trace in a: every stream file of a is in b
 * with the same size and start, and at least one is not empty. Chunks of a
 * rotated session share a UUID too, but their streams hold other packets. */
static bool dir_is_copy(const char *a, const char *b)
{
	bool nonempty = false, same = true;
	struct dirent *entry;
	DIR *dir = opendir(a);

	if (!dir)
		return false;
	while (same && (entry = readdir(dir))) {
		if (entry->d_name[0] == '.' || strcmp(entry->d_name, "metadata") == 0)
			continue;
		same = files_match(a, b, entry->d_name, &nonempty);
	}
	closedir(dir);
	return same && nonempty;
}

size_t cg_trace_dirs_drop_copies(struct cg_trace_dirs *dirs, FILE *warnings)
{
	size_t kept = 0, dropped = 0;

	for (size_t i = 0; i < dirs->count; i++) {
		const char *original = NULL;
		struct stat i_st, j_st;
		uint8_t i_uuid[16], j_uuid[16];
		bool i_has_uuid = cg_trace_dir_uuid(dirs->paths[i], i_uuid);
		bool i_stat = stat(dirs->paths[i], &i_st) == 0;

		for (size_t j = 0; j < kept && !original; j++) {
			if (i_stat && stat(dirs->paths[j], &j_st) == 0 &&
			    i_st.st_dev == j_st.st_dev && i_st.st_ino == j_st.st_ino)
				original = dirs->paths[j];
			else if (i_has_uuid && cg_trace_dir_uuid(dirs->paths[j], j_uuid) &&
			         memcmp(i_uuid, j_uuid, 16) == 0 &&
			         dir_is_copy(dirs->paths[j], dirs->paths[i]))
				original = dirs->paths[j];
		}
		if (original) {
			fprintf(warnings,
			        "cgomal report: skipping '%s': it holds the same trace as '%s' "
			        "(a copy or a link), which is read once\n",
			        dirs->paths[i], original);
			free(dirs->paths[i]);
			dropped++;
			continue;
		}
		dirs->paths[kept++] = dirs->paths[i];
	}
	dirs->count = kept;
	return dropped;
}
