/* SPDX-License-Identifier: MIT */
/*
 * xmlwalk's managed code: the callbacks that build a tree of managed nodes
 * from the copies foreign code made, and the walk that counts the tree and
 * checks every copy it references.
 *
 * The callbacks allocate a node before they read the copies' pointers out
 * of the event, which lives on the foreign stack. A collection can run in
 * that allocation while the event is the only place that holds them: this is
 * the window the cgomal list exists for.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cgomal/cgomal.h>

#include "xmlwalk.h"

/* Nodes the walk visits between two safepoints: the walk never allocates,
 * and without a safepoint it would hold up other threads' collections. */
#define WALK_SAFEPOINT_INTERVAL 4096

static void node_append(struct tree_builder *builder, struct node *node)
{
	struct node *parent = builder->current;

	node->parent = parent;
	if (parent == NULL) {
		/* Well-formed XML has one root, and text outside it is not
		 * reported; a second root is ignored. */
		if (builder->root == NULL)
			builder->root = node;
		return;
	}
	if (parent->last_child != NULL)
		parent->last_child->next = node;
	else
		parent->first_child = node;
	parent->last_child = node;
}

void managed_element_start(void *arg)
{
	struct element_event *ev = arg;
	struct tree_builder *builder = ev->builder;
	struct node *element = cgomal_alloc(sizeof(*element));

	if (element == NULL) {
		builder->out_of_memory = 1;
		return;
	}
	element->kind = NODE_ELEMENT;
	element->str = ev->name;
	element->attributes = ev->attributes;
	element->nattributes = ev->nattributes;
	node_append(builder, element);
	builder->current = element;
}

void managed_element_end(void *arg)
{
	struct tree_builder *builder = arg;

	if (builder->current != NULL)
		builder->current = builder->current->parent;
}

void managed_text(void *arg)
{
	struct text_event *ev = arg;
	struct tree_builder *builder = ev->builder;
	struct node *text;

	if (builder->current == NULL)
		return;
	text = cgomal_alloc(sizeof(*text));
	if (text == NULL) {
		builder->out_of_memory = 1;
		return;
	}
	text->kind = NODE_TEXT;
	text->str = ev->text;
	node_append(builder, text);
}

/* ---- Counting and checking the tree ---- */

/* A copy that the tree references, for finding copies that share memory:
 * weight is the number of strings that depend on it. */
struct copy_seen {
	const void *start;
	uint64_t weight;
};

struct walk {
	struct doc_count *count;
	struct copy_seen *seen; /* owned, from malloc */
	size_t nseen;
	size_t seen_cap;
	int out_of_memory;
};

/* True when [start, start + size) lies inside one live object that begins
 * at start. A copy that a collection freed fails this, unless the memory
 * was allocated again, which the hash or the sharing check then finds. */
static int copy_is_readable(const void *start, size_t size)
{
	const char *p = start;

	return p != NULL && cgomal_base(p) == p && cgomal_base(p + size - 1) == p;
}

static void seen_add(struct walk *walk, const void *start, uint64_t weight)
{
	if (walk->nseen == walk->seen_cap) {
		size_t cap = walk->seen_cap ? walk->seen_cap * 2 : 1024;
		struct copy_seen *grown = realloc(walk->seen, cap * sizeof(*grown));

		if (grown == NULL) {
			walk->out_of_memory = 1;
			return;
		}
		walk->seen = grown;
		walk->seen_cap = cap;
	}
	walk->seen[walk->nseen].start = start;
	walk->seen[walk->nseen].weight = weight;
	walk->nseen++;
}

/* Add the bytes of *ref to the checksum and check them against the hash
 * foreign code computed when it made the copy. */
static void string_add(struct walk *walk, const struct string_ref *ref)
{
	struct doc_count *count = walk->count;

	count->strings++;
	/* A copy holds len bytes and a NUL. */
	if (!copy_is_readable(ref->bytes, (size_t)ref->len + 1)) {
		count->bad_strings++;
		count->checksum = fnv_add_byte(count->checksum, MARK_UNREADABLE);
		return;
	}
	count->checksum = fnv_add(count->checksum, ref->bytes, ref->len);
	if (fnv_add(FNV_OFFSET_BASIS, ref->bytes, ref->len) != ref->hash) {
		count->bad_strings++;
		return;
	}
	seen_add(walk, ref->bytes, 1);
}

static void name_add(struct walk *walk, unsigned char marker, const struct string_ref *name)
{
	walk->count->checksum = fnv_add_byte(walk->count->checksum, marker);
	string_add(walk, name);
	walk->count->checksum = fnv_add_byte(walk->count->checksum, MARK_END_NAME);
}

static void element_add(struct walk *walk, const struct node *element)
{
	struct doc_count *count = walk->count;
	size_t n = element->nattributes;

	count->elements++;
	name_add(walk, MARK_START, &element->str);
	if (n == 0)
		return;
	count->attributes += n;
	/* The array is a copy too: its entries are read only if it is intact. */
	if (!copy_is_readable(element->attributes, n * sizeof(struct attribute))) {
		count->strings += 2 * n;
		count->bad_strings += 2 * n;
		count->checksum = fnv_add_byte(count->checksum, MARK_UNREADABLE);
		return;
	}
	seen_add(walk, element->attributes, 2 * n);
	for (size_t i = 0; i < n; i++) {
		name_add(walk, MARK_ATTRIBUTE, &element->attributes[i].name);
		string_add(walk, &element->attributes[i].value);
		count->checksum = fnv_add_byte(count->checksum, MARK_END_NAME);
	}
}

static int seen_compare(const void *a, const void *b)
{
	const struct copy_seen *x = a, *y = b;

	return (x->start > y->start) - (x->start < y->start);
}

/* Every event gets copies of its own, so two references to one start mean
 * that a freed copy was allocated again for another string. */
static uint64_t shared_copies_count(struct walk *walk)
{
	uint64_t shared = 0;

	qsort(walk->seen, walk->nseen, sizeof(*walk->seen), seen_compare);
	for (size_t i = 1; i < walk->nseen; i++) {
		if (walk->seen[i].start == walk->seen[i - 1].start)
			shared += walk->seen[i].weight;
	}
	return shared;
}

int tree_count(const struct tree_builder *builder, struct doc_count *out)
{
	struct walk walk = {.count = out};
	const struct node *node = builder->root;
	uint64_t visited = 0;

	memset(out, 0, sizeof(*out));
	out->checksum = FNV_OFFSET_BASIS;
	while (node != NULL) {
		if (++visited % WALK_SAFEPOINT_INTERVAL == 0)
			cgomal_safepoint();
		if (node->kind == NODE_TEXT) {
			out->text_bytes += node->str.len;
			string_add(&walk, &node->str);
		} else {
			element_add(&walk, node);
			if (node->first_child != NULL) {
				node = node->first_child;
				continue;
			}
			out->checksum = fnv_add_byte(out->checksum, MARK_END_ELEMENT);
		}
		/* Climb to the next sibling, closing the elements left. */
		while (node != NULL && node->next == NULL) {
			node = node->parent;
			if (node != NULL)
				out->checksum = fnv_add_byte(out->checksum, MARK_END_ELEMENT);
		}
		if (node != NULL)
			node = node->next;
	}
	out->bad_strings += shared_copies_count(&walk);
	if (out->bad_strings > out->strings)
		out->bad_strings = out->strings;
	free(walk.seen);
	return walk.out_of_memory ? -ENOMEM : 0;
}
