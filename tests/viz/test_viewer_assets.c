/* SPDX-License-Identifier: MIT */
/* Unit test of the viewer assets: the page split, the JSON escaping and its error returns. */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include "viewer_assets.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

static const char report_open_tag[] = "<script type=\"application/json\" id=\"cgomal-report\">";

static int has_suffix(const char *text, size_t size, const char *suffix)
{
	size_t n = strlen(suffix);

	return size >= n && memcmp(text + size - n, suffix, n) == 0;
}

static void test_page_split(void)
{
	CHECK(cgomal_viewer_html_head_size > 1000);
	CHECK(strncmp(cgomal_viewer_html_head, "<!DOCTYPE html>", 15) == 0);
	CHECK(has_suffix(cgomal_viewer_html_head, cgomal_viewer_html_head_size, report_open_tag));
	CHECK(cgomal_viewer_html_head[cgomal_viewer_html_head_size] == '\0');
	CHECK(strlen(cgomal_viewer_html_head) == cgomal_viewer_html_head_size);
	CHECK(strncmp(cgomal_viewer_html_tail, "</script>", 9) == 0);
	CHECK(has_suffix(cgomal_viewer_html_tail, cgomal_viewer_html_tail_size, "</html>\n"));
	/* The inlined modules and styles are in the head, and nothing refers to other files. */
	CHECK(strstr(cgomal_viewer_html_head, "<script type=\"module\">") != NULL);
	CHECK(strstr(cgomal_viewer_html_head, "<style>") != NULL);
	CHECK(strstr(cgomal_viewer_html_head, "src=\"main.js\"") == NULL);
	CHECK(strstr(cgomal_viewer_html_head, "href=\"viewer.css\"") == NULL);
}

/* Writes INPUT in chunks of CHUNK bytes and returns what the stream received (malloc'd). */
static char *escape_in_chunks(const char *input, size_t chunk)
{
	char *buffer = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&buffer, &size);
	size_t length = strlen(input);

	if (!out)
		return NULL;
	for (size_t at = 0; at < length; at += chunk) {
		size_t n = length - at < chunk ? length - at : chunk;

		CHECK(cgomal_viewer_write_json(out, input + at, n) == 0);
	}
	fclose(out);
	return buffer;
}

static void test_escaping(void)
{
	static const char input[] = "{\"a\":\"</script><!--<b>\",\"b\":\"<<\"}";
	static const char expected[] =
	        "{\"a\":\"\\u003c/script>\\u003c!--\\u003cb>\",\"b\":\"\\u003c\\u003c\"}";

	for (size_t chunk = 1; chunk <= sizeof(input); chunk++) {
		char *got = escape_in_chunks(input, chunk);

		CHECK(got != NULL);
		if (!got)
			continue;
		if (strcmp(got, expected) != 0) {
			fprintf(stderr, "chunk %zu: got %s\n", chunk, got);
			failures++;
		}
		free(got);
	}

	char *plain = escape_in_chunks("{\"n\":1}", 64);

	CHECK(plain != NULL);
	CHECK(plain && strcmp(plain, "{\"n\":1}") == 0);
	free(plain);
	char *empty = escape_in_chunks("", 8);

	CHECK(empty != NULL);
	CHECK(empty && strcmp(empty, "") == 0);
	free(empty);
}

/* A stream opened for reading only rejects every write, as a full disk or closed pipe would. */
static void test_write_errors(void)
{
	FILE *readonly = fopen("/dev/null", "r");

	CHECK(readonly != NULL);
	if (!readonly)
		return;
	CHECK(cgomal_viewer_write_head(readonly) < 0);
	CHECK(cgomal_viewer_write_json(readonly, "{\"a\":1}", 7) < 0);
	CHECK(cgomal_viewer_write_json(readonly, "<", 1) < 0);
	CHECK(cgomal_viewer_write_json(readonly, "x<", 2) < 0);
	CHECK(cgomal_viewer_write_tail(readonly) < 0);
	/* Nothing to write is no error, even on a stream that rejects writes. */
	CHECK(cgomal_viewer_write_json(readonly, "", 0) == 0);
	fclose(readonly);

	FILE *full = fopen("/dev/full", "w");

	if (full) {
		setvbuf(full, NULL, _IONBF, 0);
		CHECK(cgomal_viewer_write_head(full) == -ENOSPC);
		CHECK(cgomal_viewer_write_json(full, "<", 1) == -ENOSPC);
		fclose(full);
	}
}

int main(void)
{
	test_page_split();
	test_escaping();
	test_write_errors();
	if (failures) {
		fprintf(stderr, "%d checks failed\n", failures);
		return 1;
	}
	printf("viewer assets: all checks passed\n");
	return 0;
}
