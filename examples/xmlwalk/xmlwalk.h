/* SPDX-License-Identifier: MIT */
/*
 * Types shared by xmlwalk's parts: the managed tree (tree.c), the foreign
 * code around libxml2 (foreign.c) and the command line (main.c).
 *
 * Every string in the tree is a copy that foreign code made with
 * cgomal_cgo_allocate. A struct string_ref carries, beside the pointer, the
 * length and FNV-1a hash that foreign code computed from libxml2's bytes, so
 * managed code can later tell whether the copy still holds those bytes.
 */
#ifndef XMLWALK_H
#define XMLWALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* FNV-1a, 64 bits: the per-string hashes and the tree checksum. */
#define FNV_OFFSET_BASIS 0xcbf29ce484222325ull
#define FNV_PRIME        0x100000001b3ull

static inline uint64_t fnv_add(uint64_t hash, const void *bytes, size_t len)
{
	const unsigned char *p = bytes;

	for (size_t i = 0; i < len; i++) {
		hash ^= p[i];
		hash *= FNV_PRIME;
	}
	return hash;
}

static inline uint64_t fnv_add_byte(uint64_t hash, unsigned char byte)
{
	return fnv_add(hash, &byte, 1);
}

/*
 * Markers of the checksum's serialization: an element is START name END_NAME,
 * then ATTRIBUTE name END_NAME value END_NAME per attribute, its content, then
 * END_ELEMENT; text adds its bytes unmarked. XML 1.0 text never contains
 * bytes 0x00 to 0x03, so the markers cannot be confused with content.
 */
enum checksum_marker {
	MARK_END_NAME = 0x00,
	MARK_START = 0x01,
	MARK_ATTRIBUTE = 0x02,
	MARK_END_ELEMENT = 0x03,
	/* Added in place of the bytes of a copy that is no longer readable. */
	MARK_UNREADABLE = 0xff,
};

/* A copy in managed memory; bytes has len + 1 bytes, the last one NUL. */
struct string_ref {
	const char *bytes;
	uint32_t len;
	uint64_t hash; /* FNV-1a of the len bytes, computed as they were copied */
};

struct attribute {
	struct string_ref name;
	struct string_ref value;
};

enum node_kind { NODE_ELEMENT, NODE_TEXT };

/* One managed node (cgomal_alloc). Text nodes have no children. */
struct node {
	struct node *parent;
	struct node *next; /* next sibling, in document order */
	struct node *first_child;
	struct node *last_child;
	struct attribute *attributes; /* a foreign copy of nattributes entries */
	uint32_t nattributes;
	enum node_kind kind;
	struct string_ref str; /* the element's qualified name, or the text */
};

/* Managed state of one parse: what the callbacks build. */
struct tree_builder {
	struct node *root;
	struct node *current; /* the open element, NULL outside the root */
	int out_of_memory;    /* a callback could not allocate a node */
};

/* What foreign code passes to managed code at the start of an element. */
struct element_event {
	struct tree_builder *builder;
	struct string_ref name;
	struct attribute *attributes;
	uint32_t nattributes;
};

struct text_event {
	struct tree_builder *builder;
	struct string_ref text;
};

/* Counts and checksum of one document, from the tree or from xmlTextReader. */
struct doc_count {
	uint64_t elements;
	uint64_t attributes;
	uint64_t text_bytes;
	uint64_t checksum;
	uint64_t strings;     /* copies the tree references (tree only) */
	uint64_t bad_strings; /* of those, freed, reused or overwritten */
};

/* Maximum length of a parse error message, libxml2's included. */
#define ERROR_MESSAGE_MAX 512

/* A file to parse, passed from managed code to foreign code. */
struct parse_job {
	const char *path;
	struct tree_builder *builder; /* managed; also the foreign call's argument */
	int failed;
	char message[ERROR_MESSAGE_MAX]; /* set when failed */
};

/* A file to count with xmlTextReader, outside the runtime. */
struct reader_job {
	const char *path;
	struct doc_count count;
	int failed;
	char message[ERROR_MESSAGE_MAX];
};

/* foreign.c: run with cgomal_cgocall, never from managed code. */
void foreign_parse_file(void *parse_job);
void foreign_reader_count(void *reader_job);

/* tree.c: managed code, run through cgomal_cgocallback. */
void managed_element_start(void *element_event);
void managed_element_end(void *builder);
void managed_text(void *text_event);

/* tree.c: managed code. Walk the tree and fill *out, counting in
 * out->bad_strings the copies that are not readable, share memory with
 * another copy or no longer match their hash. Returns 0 or -ENOMEM. */
int tree_count(const struct tree_builder *builder, struct doc_count *out);

#endif
