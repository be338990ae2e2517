/* SPDX-License-Identifier: MIT */
/* Test helper: wraps a report JSON file into the viewer page, as `cgomal report --html` does. */
#include "viewer_assets.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Copies IN to OUT through cgomal_viewer_write_json in chunks of this many bytes, so that the
 * chunk-safe escaping is exercised across chunk boundaries too. */
#define WRAP_CHUNK_BYTES 4093

static int wrap_copy(FILE *in, FILE *out)
{
	char buffer[WRAP_CHUNK_BYTES];
	size_t got;
	int err;

	while ((got = fread(buffer, 1, sizeof(buffer), in)) > 0) {
		err = cgomal_viewer_write_json(out, buffer, got);
		if (err)
			return err;
	}
	return ferror(in) ? -EIO : 0;
}

int main(int argc, char **argv)
{
	FILE *in, *out;
	int err;

	if (argc != 3) {
		fprintf(stderr, "usage: %s REPORT.json OUT.html\n", argv[0]);
		return 2;
	}
	in = fopen(argv[1], "rb");
	if (!in) {
		fprintf(stderr, "wrap_html: cannot open report %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	out = fopen(argv[2], "wb");
	if (!out) {
		fprintf(stderr, "wrap_html: cannot create %s: %s\n", argv[2], strerror(errno));
		fclose(in);
		return 1;
	}
	err = cgomal_viewer_write_head(out);
	if (!err)
		err = wrap_copy(in, out);
	if (!err)
		err = cgomal_viewer_write_tail(out);
	if (fclose(out) != 0 && !err)
		err = -errno;
	fclose(in);
	if (err) {
		fprintf(stderr, "wrap_html: writing %s failed: %s\n", argv[2], strerror(-err));
		return 1;
	}
	return 0;
}
