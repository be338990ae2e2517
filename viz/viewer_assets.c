/* SPDX-License-Identifier: MIT */
/* Writes the embedded viewer page and the report JSON escaped for the page's script element. */
#include "viewer_assets.h"

#include <errno.h>
#include <string.h>

/* Returns -errno of the failed write, or -EIO when the stream did not set errno. */
static int viewer_write_error(void)
{
	return errno > 0 ? -errno : -EIO;
}

static int viewer_write_bytes(FILE *out, const char *bytes, size_t size)
{
	errno = 0;
	if (size > 0 && fwrite(bytes, 1, size, out) != size)
		return viewer_write_error();
	return 0;
}

int cgomal_viewer_write_head(FILE *out)
{
	return viewer_write_bytes(out, cgomal_viewer_html_head, cgomal_viewer_html_head_size);
}

int cgomal_viewer_write_tail(FILE *out)
{
	return viewer_write_bytes(out, cgomal_viewer_html_tail, cgomal_viewer_html_tail_size);
}

int cgomal_viewer_write_json(FILE *out, const char *json, size_t size)
{
	static const char escaped_lt[] = "\\u003c";
	const char *end = json + size;
	int err;

	while (json < end) {
		const char *lt = memchr(json, '<', (size_t)(end - json));
		size_t plain = lt ? (size_t)(lt - json) : (size_t)(end - json);

		err = viewer_write_bytes(out, json, plain);
		if (err)
			return err;
		if (!lt)
			break;
		err = viewer_write_bytes(out, escaped_lt, sizeof(escaped_lt) - 1);
		if (err)
			return err;
		json = lt + 1;
	}
	return 0;
}
