/* SPDX-License-Identifier: MIT */
/* Log-linear histogram with bounded relative error (see histogram.h). */
#include "histogram.h"

#include <string.h>

void lt_histogram_init(struct lt_histogram *histogram)
{
	memset(histogram, 0, sizeof(*histogram));
}

static unsigned histogram_bucket(uint64_t value)
{
	unsigned power;

	if (value < 128)
		return (unsigned)value;
	power = 63 - (unsigned)__builtin_clzll(value); /* 7 .. 63 */
	return 128 + (power - 7) * 64 + (unsigned)((value >> (power - LT_HISTOGRAM_SUB_BITS)) & 63);
}

/* Largest value that falls into bucket. */
static uint64_t histogram_bucket_max(unsigned bucket)
{
	unsigned power, sub;
	uint64_t low, width;

	if (bucket < 128)
		return bucket;
	power = (bucket - 128) / 64 + 7;
	sub = (bucket - 128) % 64;
	width = 1ULL << (power - LT_HISTOGRAM_SUB_BITS);
	low = (1ULL << power) + sub * width;
	return low + (width - 1);
}

void lt_histogram_add(struct lt_histogram *histogram, uint64_t value)
{
	if (histogram->count == 0 || value < histogram->min)
		histogram->min = value;
	if (value > histogram->max)
		histogram->max = value;
	histogram->count++;
	if (histogram->total > UINT64_MAX - value)
		histogram->total = UINT64_MAX;
	else
		histogram->total += value;
	histogram->buckets[histogram_bucket(value)]++;
}

uint64_t lt_histogram_percentile(const struct lt_histogram *histogram, unsigned percent)
{
	uint64_t rank, seen = 0;

	if (histogram->count == 0)
		return 0;
	/* Rank of the percentile, 1-based, rounded up, computed without overflow. */
	rank = histogram->count / 100 * percent + (histogram->count % 100 * percent + 99) / 100;
	if (rank == 0)
		rank = 1;
	for (unsigned i = 0; i < LT_HISTOGRAM_BUCKETS; i++) {
		seen += histogram->buckets[i];
		if (seen >= rank) {
			uint64_t value = histogram_bucket_max(i);

			if (value > histogram->max)
				value = histogram->max;
			if (value < histogram->min)
				value = histogram->min;
			return value;
		}
	}
	return histogram->max;
}
