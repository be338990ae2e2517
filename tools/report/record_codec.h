/* SPDX-License-Identifier: MIT */
/*
 * A compact binary form of the engine's allocation, call and GC cycle
 * records, for the report writer's temporary files: each field is a
 * LEB128 varint (signed fields zigzag-encoded), and the small enums and
 * flags share one byte. A record of report-emit's flood takes an
 * estimated 25 to 45 bytes, against 150 to 265 bytes as a JSON line.
 * Writing 1 GB to a file cost about 1.9 s of system time on the benchmark
 * machine (docs/benchmarks.md), so the text of a 10M-event trace is written
 * once, to the report, and not also to a temporary file.
 *
 * Error convention: the decoders return 1 for a record, 0 at the end of
 * the file before a record, and -EIO for a file that ends inside a record
 * or cannot be read.
 */
#ifndef CGOMAL_RECORD_CODEC_H
#define CGOMAL_RECORD_CODEC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../engine/lifetime.h"

/* Largest encoded record: every field a 10-byte varint. */
#define CG_RECORD_MAX_BYTES 256

/* Encode into out (CG_RECORD_MAX_BYTES) and return the length. */
size_t cg_record_encode_allocation(uint8_t *out, const struct lt_allocation *record);
size_t cg_record_encode_call(uint8_t *out, const struct lt_call *record);
size_t cg_record_encode_gc_cycle(uint8_t *out, const struct lt_gc_cycle *cycle);

/* Decode the next record of in. Fields the encoding leaves out (`end`) are LT_NONE. */
int cg_record_decode_allocation(FILE *in, struct lt_allocation *record);
int cg_record_decode_call(FILE *in, struct lt_call *record);
int cg_record_decode_gc_cycle(FILE *in, struct lt_gc_cycle *cycle);

#endif /* CGOMAL_RECORD_CODEC_H */
