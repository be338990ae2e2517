/* SPDX-License-Identifier: MIT */
/*
 * The timeline viewer as one self-contained HTML page, split where the report JSON goes.
 *
 * A page is `head`, then the report JSON written through cgomal_viewer_write_json(), then
 * `tail`. The JSON sits inside <script type="application/json" id="cgomal-report">, which the
 * browser never runs: the viewer reads the element's text and parses it with JSON.parse.
 *
 * Escaping. The HTML parser ends a script element at the first `</script` (in any case) and
 * treats `<!--` specially inside it, whatever JSON string that text belongs to. So every `<`
 * of the JSON must be written as the JSON escape `\u003c`. That is always valid JSON, because
 * `<` can only occur inside a JSON string, and JSON.parse turns it back into `<`. Escaping
 * only `</` as `<\/` would not cover `<!--`. The rule applies byte by byte, so the JSON may be
 * written in chunks of any size, split anywhere, for example one record at a time.
 *
 * Error convention: the write functions return 0, or -errno when writing failed (-EIO when
 * the stream set no errno). They never close the stream.
 */
#ifndef CGOMAL_VIEWER_ASSETS_H
#define CGOMAL_VIEWER_ASSETS_H

#include <stddef.h>
#include <stdio.h>

/* The page up to and including the opening tag of the report element: _size bytes of UTF-8,
 * followed by a NUL that _size does not count. Generated from viz/ at build time. */
extern const char cgomal_viewer_html_head[];
extern const size_t cgomal_viewer_html_head_size;

/* The rest of the page, from the report element's `</script>` to the end. */
extern const char cgomal_viewer_html_tail[];
extern const size_t cgomal_viewer_html_tail_size;

/* Writes the page head to OUT. */
int cgomal_viewer_write_head(FILE *out);

/* Writes SIZE bytes of report JSON to OUT with every `<` escaped as `\u003c`. */
int cgomal_viewer_write_json(FILE *out, const char *json, size_t size);

/* Writes the page tail to OUT. */
int cgomal_viewer_write_tail(FILE *out);

#endif
