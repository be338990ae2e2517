/* SPDX-License-Identifier: MIT */
/*
 * An open-addressing hash table from 64-bit keys to non-NULL pointers, with
 * linear probing and backward-shift deletion (no tombstones), so lookups
 * stay short however many inserts and removes a long trace makes.
 *
 * Error convention: lt_table_put() returns 0 or -ENOMEM; the table is
 * unchanged after a failure.
 */
#ifndef CGOMAL_TABLE_H
#define CGOMAL_TABLE_H

#include <stddef.h>
#include <stdint.h>

struct lt_table_slot {
	uint64_t key;
	void *value; /* NULL marks an empty slot */
};

struct lt_table {
	struct lt_table_slot *slots; /* owned */
	size_t capacity;             /* a power of two, or 0 */
	size_t count;
};

void lt_table_init(struct lt_table *table);
void lt_table_destroy(struct lt_table *table);

/* Returns the value stored under key, or NULL. */
void *lt_table_get(const struct lt_table *table, uint64_t key);

/* Stores value (not NULL) under key, replacing any previous value. */
int lt_table_put(struct lt_table *table, uint64_t key, void *value);

/* Removes key and returns its value, or NULL when it was absent. */
void *lt_table_remove(struct lt_table *table, uint64_t key);

/*
 * Iterates in slot order, which depends on the insert history: callers that
 * write output sort what they collect. *cursor starts at 0. Returns NULL at
 * the end.
 */
void *lt_table_next(const struct lt_table *table, size_t *cursor, uint64_t *key);

#endif /* CGOMAL_TABLE_H */
