/* SPDX-License-Identifier: MIT */
/* Open-addressing hash table from 64-bit keys to pointers (see table.h). */
#include "table.h"

#include <errno.h>
#include <stdlib.h>

/* Smallest capacity, in slots; grows by doubling past a 1/2 load factor. */
#define LT_TABLE_MIN_CAPACITY 16

/* Mixes the key bits (the finalizer of splitmix64) so that aligned addresses spread. */
static uint64_t table_hash(uint64_t key)
{
	key ^= key >> 30;
	key *= 0xbf58476d1ce4e5b9ULL;
	key ^= key >> 27;
	key *= 0x94d049bb133111ebULL;
	key ^= key >> 31;
	return key;
}

void lt_table_init(struct lt_table *table)
{
	table->slots = NULL;
	table->capacity = 0;
	table->count = 0;
}

void lt_table_destroy(struct lt_table *table)
{
	free(table->slots);
	lt_table_init(table);
}

static size_t table_find(const struct lt_table *table, uint64_t key)
{
	size_t mask = table->capacity - 1;
	size_t i = table_hash(key) & mask;

	while (table->slots[i].value && table->slots[i].key != key)
		i = (i + 1) & mask;
	return i;
}

void *lt_table_get(const struct lt_table *table, uint64_t key)
{
	if (table->count == 0)
		return NULL;
	return table->slots[table_find(table, key)].value;
}

static int table_grow(struct lt_table *table)
{
	size_t capacity = table->capacity ? table->capacity * 2 : LT_TABLE_MIN_CAPACITY;
	struct lt_table_slot *old = table->slots;
	size_t old_capacity = table->capacity;
	struct lt_table_slot *slots = calloc(capacity, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	table->slots = slots;
	table->capacity = capacity;
	for (size_t i = 0; i < old_capacity; i++) {
		if (old[i].value)
			table->slots[table_find(table, old[i].key)] = old[i];
	}
	free(old);
	return 0;
}

int lt_table_put(struct lt_table *table, uint64_t key, void *value)
{
	size_t i;

	if ((table->count + 1) * 2 > table->capacity) {
		int err = table_grow(table);

		if (err)
			return err;
	}
	i = table_find(table, key);
	if (!table->slots[i].value)
		table->count++;
	table->slots[i].key = key;
	table->slots[i].value = value;
	return 0;
}

void *lt_table_remove(struct lt_table *table, uint64_t key)
{
	size_t mask, i, j;
	void *value;

	if (table->count == 0)
		return NULL;
	mask = table->capacity - 1;
	i = table_find(table, key);
	value = table->slots[i].value;
	if (!value)
		return NULL;

	/* Shift later members of the probe run back over the hole. */
	j = i;
	for (;;) {
		size_t home;

		j = (j + 1) & mask;
		if (!table->slots[j].value)
			break;
		home = table_hash(table->slots[j].key) & mask;
		/* Leave slot j alone when its home lies cyclically in (i, j]. */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		table->slots[i] = table->slots[j];
		i = j;
	}
	table->slots[i].value = NULL;
	table->count--;
	return value;
}

void *lt_table_next(const struct lt_table *table, size_t *cursor, uint64_t *key)
{
	while (*cursor < table->capacity) {
		struct lt_table_slot *slot = &table->slots[(*cursor)++];

		if (slot->value) {
			if (key)
				*key = slot->key;
			return slot->value;
		}
	}
	return NULL;
}
