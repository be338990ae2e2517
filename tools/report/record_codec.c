/* SPDX-License-Identifier: MIT */
/* Compact binary records for the report writer's temporary files (see record_codec.h). */
#include "record_codec.h"

#include <errno.h>
#include <string.h>

/* Flag bits of the shared byte. */
#define FLAG_UNCERTAIN   0x01
#define FLAG_HAS_ID      0x02 /* allocation: has_object_id; call: has_fn */
#define FLAG_HAS_START   0x02 /* GC cycle */
#define FLAG_HAS_END     0x04 /* GC cycle */
#define FLAG_HAS_ADDR    0x02 /* anomaly */
#define FLAG_HAS_MESSAGE 0x04 /* anomaly: the message is not NULL */
#define FLAG_ENUM_SHIFT  3    /* kind, and the state above it, start here */

static uint8_t *put_unsigned(uint8_t *out, uint64_t value)
{
	while (value >= 0x80) {
		*out++ = (uint8_t)(value | 0x80);
		value >>= 7;
	}
	*out++ = (uint8_t)value;
	return out;
}

/* Zigzag: small negative values such as LT_NONE (-1) stay one byte long. */
static uint8_t *put_signed(uint8_t *out, int64_t value)
{
	return put_unsigned(out, ((uint64_t)value << 1) ^ (uint64_t)(value >> 63));
}

/* Reads one varint. A clean end of file before it is allowed when at_start is set. */
static int get_unsigned(FILE *in, uint64_t *value, int at_start)
{
	uint64_t result = 0;

	for (unsigned shift = 0; shift < 64; shift += 7) {
		int byte = getc_unlocked(in);

		if (byte == EOF)
			return at_start && shift == 0 && !ferror(in) ? 0 : -EIO;
		result |= (uint64_t)(byte & 0x7f) << shift;
		if (!(byte & 0x80)) {
			*value = result;
			return 1;
		}
	}
	return -EIO;
}

static int get_signed(FILE *in, int64_t *value)
{
	uint64_t raw;
	int status = get_unsigned(in, &raw, 0);

	if (status == 1)
		*value = (int64_t)(raw >> 1) ^ -(int64_t)(raw & 1);
	return status;
}

/* Reads the next count unsigned varints into values; the first may meet a clean end. */
static int get_unsigned_fields(FILE *in, uint64_t *values, size_t count, int at_start)
{
	for (size_t i = 0; i < count; i++) {
		int status = get_unsigned(in, &values[i], at_start && i == 0);

		if (status != 1)
			return status;
	}
	return 1;
}

static int get_signed_fields(FILE *in, int64_t *values, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		int status = get_signed(in, &values[i]);

		if (status != 1)
			return status;
	}
	return 1;
}

size_t cg_record_encode_allocation(uint8_t *out, const struct lt_allocation *record)
{
	uint8_t *start = out;
	unsigned flags = (record->uncertain ? FLAG_UNCERTAIN : 0) |
	                 (record->has_object_id ? FLAG_HAS_ID : 0) |
	                 ((unsigned)record->kind << FLAG_ENUM_SHIFT) |
	                 ((unsigned)record->state << (FLAG_ENUM_SHIFT + 2));

	out = put_unsigned(out, record->id);
	out = put_unsigned(out, flags);
	out = put_unsigned(out, record->object_id);
	out = put_unsigned(out, record->trace);
	out = put_unsigned(out, record->addr);
	out = put_unsigned(out, record->size);
	out = put_signed(out, record->pid);
	out = put_signed(out, record->m);
	out = put_signed(out, record->tid);
	out = put_signed(out, record->depth);
	out = put_signed(out, record->alloc);
	out = put_signed(out, record->release);
	out = put_signed(out, record->free);
	out = put_signed(out, record->gc_cycle);
	return (size_t)(out - start);
}

int cg_record_decode_allocation(FILE *in, struct lt_allocation *record)
{
	uint64_t fields[6];
	int64_t signed_fields[8];
	int status = get_unsigned_fields(in, fields, 6, 1);

	if (status == 1)
		status = get_signed_fields(in, signed_fields, 8);
	if (status != 1)
		return status;
	memset(record, 0, sizeof(*record));
	record->id = fields[0];
	record->uncertain = fields[1] & FLAG_UNCERTAIN;
	record->has_object_id = fields[1] & FLAG_HAS_ID;
	record->kind = (enum lt_alloc_kind)((fields[1] >> FLAG_ENUM_SHIFT) & 3);
	record->state = (enum lt_alloc_state)(fields[1] >> (FLAG_ENUM_SHIFT + 2));
	record->object_id = fields[2];
	record->trace = (uint32_t)fields[3];
	record->addr = fields[4];
	record->size = fields[5];
	record->pid = signed_fields[0];
	record->m = signed_fields[1];
	record->tid = signed_fields[2];
	record->depth = signed_fields[3];
	record->alloc = signed_fields[4];
	record->release = signed_fields[5];
	record->free = signed_fields[6];
	record->gc_cycle = signed_fields[7];
	record->end = LT_NONE;
	return 1;
}

size_t cg_record_encode_call(uint8_t *out, const struct lt_call *record)
{
	uint8_t *start = out;
	unsigned flags = (record->uncertain ? FLAG_UNCERTAIN : 0) |
	                 (record->has_fn ? FLAG_HAS_ID : 0) |
	                 ((unsigned)record->kind << FLAG_ENUM_SHIFT);

	out = put_unsigned(out, record->id);
	out = put_unsigned(out, flags);
	out = put_unsigned(out, record->trace);
	out = put_unsigned(out, record->m);
	out = put_unsigned(out, record->depth);
	out = put_unsigned(out, record->fn);
	out = put_signed(out, record->pid);
	out = put_signed(out, record->tid);
	out = put_signed(out, record->entry);
	out = put_signed(out, record->exit);
	return (size_t)(out - start);
}

int cg_record_decode_call(FILE *in, struct lt_call *record)
{
	uint64_t fields[6];
	int64_t signed_fields[4];
	int status = get_unsigned_fields(in, fields, 6, 1);

	if (status == 1)
		status = get_signed_fields(in, signed_fields, 4);
	if (status != 1)
		return status;
	memset(record, 0, sizeof(*record));
	record->id = fields[0];
	record->uncertain = fields[1] & FLAG_UNCERTAIN;
	record->has_fn = fields[1] & FLAG_HAS_ID;
	record->kind = (enum lt_call_kind)(fields[1] >> FLAG_ENUM_SHIFT);
	record->trace = (uint32_t)fields[2];
	record->m = fields[3];
	record->depth = fields[4];
	record->fn = fields[5];
	record->pid = signed_fields[0];
	record->tid = signed_fields[1];
	record->entry = signed_fields[2];
	record->exit = signed_fields[3];
	record->end = LT_NONE;
	return 1;
}

size_t cg_record_encode_gc_cycle(uint8_t *out, const struct lt_gc_cycle *cycle)
{
	uint8_t *start = out;
	unsigned flags = (cycle->uncertain ? FLAG_UNCERTAIN : 0) |
	                 (cycle->has_start ? FLAG_HAS_START : 0) |
	                 (cycle->has_end ? FLAG_HAS_END : 0);

	out = put_unsigned(out, cycle->cycle);
	out = put_unsigned(out, flags);
	out = put_unsigned(out, cycle->trace);
	out = put_unsigned(out, cycle->reason);
	out = put_unsigned(out, cycle->live_bytes_before);
	out = put_unsigned(out, cycle->goal_bytes);
	out = put_unsigned(out, cycle->marked_objects);
	out = put_unsigned(out, cycle->freed_objects);
	out = put_unsigned(out, cycle->freed_bytes);
	out = put_unsigned(out, cycle->live_bytes_after);
	out = put_unsigned(out, cycle->pause_ns);
	out = put_signed(out, cycle->pid);
	out = put_signed(out, cycle->start);
	out = put_signed(out, cycle->end);
	return (size_t)(out - start);
}

int cg_record_decode_gc_cycle(FILE *in, struct lt_gc_cycle *cycle)
{
	uint64_t fields[11];
	int64_t signed_fields[3];
	int status = get_unsigned_fields(in, fields, 11, 1);

	if (status == 1)
		status = get_signed_fields(in, signed_fields, 3);
	if (status != 1)
		return status;
	memset(cycle, 0, sizeof(*cycle));
	cycle->cycle = fields[0];
	cycle->uncertain = fields[1] & FLAG_UNCERTAIN;
	cycle->has_start = fields[1] & FLAG_HAS_START;
	cycle->has_end = fields[1] & FLAG_HAS_END;
	cycle->trace = (uint32_t)fields[2];
	cycle->reason = fields[3];
	cycle->live_bytes_before = fields[4];
	cycle->goal_bytes = fields[5];
	cycle->marked_objects = fields[6];
	cycle->freed_objects = fields[7];
	cycle->freed_bytes = fields[8];
	cycle->live_bytes_after = fields[9];
	cycle->pause_ns = fields[10];
	cycle->pid = signed_fields[0];
	cycle->start = signed_fields[1];
	cycle->end = signed_fields[2];
	return 1;
}

size_t cg_record_encode_anomaly(uint8_t *out, const struct lt_anomaly *anomaly)
{
	uint8_t *start = out;
	size_t message_length = anomaly->message ? strlen(anomaly->message) : 0;
	unsigned flags = (anomaly->uncertain ? FLAG_UNCERTAIN : 0) |
	                 (anomaly->has_addr ? FLAG_HAS_ADDR : 0) |
	                 (anomaly->message ? FLAG_HAS_MESSAGE : 0);

	if (message_length > CG_RECORD_MESSAGE_MAX)
		return 0;
	out = put_unsigned(out, (uint64_t)anomaly->kind);
	out = put_unsigned(out, flags);
	out = put_unsigned(out, anomaly->trace);
	out = put_unsigned(out, anomaly->addr);
	out = put_signed(out, anomaly->pid);
	out = put_signed(out, anomaly->m);
	out = put_signed(out, anomaly->tid);
	out = put_signed(out, anomaly->time);
	out = put_signed(out, anomaly->allocation);
	out = put_signed(out, anomaly->call);
	out = put_unsigned(out, message_length);
	if (message_length)
		memcpy(out, anomaly->message, message_length);
	return (size_t)(out - start) + message_length;
}

int cg_record_decode_anomaly(FILE *in, struct lt_anomaly *anomaly, char *message)
{
	uint64_t fields[4], message_length;
	int64_t signed_fields[6];
	int status = get_unsigned_fields(in, fields, 4, 1);

	if (status == 1)
		status = get_signed_fields(in, signed_fields, 6);
	if (status == 1)
		status = get_unsigned(in, &message_length, 0);
	if (status != 1)
		return status;
	if (message_length > CG_RECORD_MESSAGE_MAX ||
	    fread(message, 1, (size_t)message_length, in) != message_length)
		return -EIO;
	message[message_length] = '\0';
	memset(anomaly, 0, sizeof(*anomaly));
	anomaly->kind = (enum lt_anomaly_kind)fields[0];
	anomaly->uncertain = fields[1] & FLAG_UNCERTAIN;
	anomaly->has_addr = fields[1] & FLAG_HAS_ADDR;
	anomaly->message = fields[1] & FLAG_HAS_MESSAGE ? message : NULL;
	anomaly->trace = (uint32_t)fields[2];
	anomaly->addr = fields[3];
	anomaly->pid = signed_fields[0];
	anomaly->m = signed_fields[1];
	anomaly->tid = signed_fields[2];
	anomaly->time = signed_fields[3];
	anomaly->allocation = signed_fields[4];
	anomaly->call = signed_fields[5];
	return 1;
}
