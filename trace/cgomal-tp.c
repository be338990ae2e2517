/* SPDX-License-Identifier: MIT */
/*
 * The probes of the LTTng-UST provider `cgomal`, built into libcgomal-tp.so.
 * Loading this library (libcgomal does it with dlopen at init) registers the
 * provider with liblttng-ust, which then connects the call sites that
 * libcgomal defined to the events that sessions enable.
 */
#define LTTNG_UST_TRACEPOINT_CREATE_PROBES
#include "cgomal-tp.h"
