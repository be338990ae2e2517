/* SPDX-License-Identifier: MIT */
/*
 * A compact binary form of the engine's allocation, call, GC cycle and
 * anomaly records, for the report writer's temporary files. Each field is
 * a LEB128 varint (signed fields zigzag-encoded), and the flags share one
 * byte with the kind and state of an allocation or call. An anomaly's
 * message follows its fields as a length and the bytes. A record of report-emit's flood takes an
 * estimated 25 to 45 bytes, against 150 to 265 bytes as a JSON line.
 * Writing 1 GB to a file cost about 1.9 s of system time on the benchmark
 * machine (docs/benchmarks.md), so the text of a 10M-event trace is written
 * once, to the report, and not also to a temporary file.
 *
 * Error convention: the decoders return 1 for a record, 0 at the end of
 * the file before a record, and -EIO for a file that ends inside a record,
 * contains a message longer than CG_RECORD_MESSAGE_MAX or cannot be read.
 */
#ifndef CGOMAL_RECORD_CODEC_H
#define CGOMAL_RECORD_CODEC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../engine/lifetime.h"

/* Largest encoded record: every field a 10-byte varint. */
#define CG_RECORD_MAX_BYTES 256

/*
 * Maximum length in bytes of an anomaly message that the codec accepts.
 * The engine's messages are one line of less than 256 bytes.
 */
#define CG_RECORD_MESSAGE_MAX 4096

/* Largest encoded anomaly: the fields and the longest message. */
#define CG_RECORD_ANOMALY_MAX_BYTES (CG_RECORD_MAX_BYTES + CG_RECORD_MESSAGE_MAX)

/* Encode into out (CG_RECORD_MAX_BYTES) and return the length. */
size_t cg_record_encode_allocation(uint8_t *out, const struct lt_allocation *record);
size_t cg_record_encode_call(uint8_t *out, const struct lt_call *record);
size_t cg_record_encode_gc_cycle(uint8_t *out, const struct lt_gc_cycle *cycle);

/*
 * Encodes an anomaly and its message into out (CG_RECORD_ANOMALY_MAX_BYTES)
 * and returns the length, or 0 when the message is longer than
 * CG_RECORD_MESSAGE_MAX. A NULL message stays NULL.
 */
size_t cg_record_encode_anomaly(uint8_t *out, const struct lt_anomaly *anomaly);

/* Decode the next record of in. Fields the encoding leaves out (`end`) are LT_NONE. */
int cg_record_decode_allocation(FILE *in, struct lt_allocation *record);
int cg_record_decode_call(FILE *in, struct lt_call *record);
int cg_record_decode_gc_cycle(FILE *in, struct lt_gc_cycle *cycle);

/*
 * Decodes the next anomaly of in. Its message goes to message
 * (CG_RECORD_MESSAGE_MAX + 1 bytes, NUL-terminated), and anomaly->message
 * points there, or is NULL for a NULL message.
 */
int cg_record_decode_anomaly(FILE *in, struct lt_anomaly *anomaly, char *message);

#endif /* CGOMAL_RECORD_CODEC_H */
