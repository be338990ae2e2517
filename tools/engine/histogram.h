/* SPDX-License-Identifier: MIT */
/*
 * A log-linear histogram of unsigned 64-bit values with fixed memory.
 * Values below 128 have one bucket each. Above, each power of two is split
 * into 64 buckets, so a bucket is at most 1/64 of its values wide.
 */
#ifndef CGOMAL_HISTOGRAM_H
#define CGOMAL_HISTOGRAM_H

#include <stdint.h>

/* 64 sub-buckets per power of two for the powers 2^7 .. 2^63, plus 0 .. 127. */
#define LT_HISTOGRAM_SUB_BITS 6
#define LT_HISTOGRAM_BUCKETS  (128 + (64 - 7) * 64)

struct lt_histogram {
	uint64_t count;
	uint64_t min, max;
	uint64_t total; /* saturates at UINT64_MAX */
	uint64_t buckets[LT_HISTOGRAM_BUCKETS];
};

void lt_histogram_init(struct lt_histogram *histogram);
void lt_histogram_add(struct lt_histogram *histogram, uint64_t value);

/*
 * Returns the upper bound of the bucket that contains the value of rank
 * ceil(percent/100 * count), clamped to [min, max]; 0 when empty.
 */
uint64_t lt_histogram_percentile(const struct lt_histogram *histogram, unsigned percent);

#endif /* CGOMAL_HISTOGRAM_H */
