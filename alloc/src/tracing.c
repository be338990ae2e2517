/* SPDX-License-Identifier: MIT */
/*
 * The runtime's side of tracing: the definition of every `cgomal` call site
 * and the dlopen() of the provider library libcgomal-tp.so at init.
 *
 * The call sites are registered with liblttng-ust-tracepoint.so.1 (a small
 * library without the tracer) by constructors from <lttng/tracepoint.h>; if
 * that library is missing they stay disabled. Only loading the provider pulls
 * in liblttng-ust, so a program whose provider is absent or that sets
 * CGOMAL_TRACE=0 never starts LTTng's threads.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* dladdr() */
#endif

#if CGOMAL_TRACING
#define LTTNG_UST_TRACEPOINT_DEFINE
#define LTTNG_UST_TRACEPOINT_PROBE_DYNAMIC_LINKAGE
#endif

#include "internal.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if CGOMAL_TRACING
_Static_assert(CGOMAL_TP_REASON_AUTOMATIC == CGOMAL_GC_AUTOMATIC, "gc_reason differs");
_Static_assert(CGOMAL_TP_REASON_FORCED == CGOMAL_GC_FORCED, "gc_reason differs");
_Static_assert(CGOMAL_TP_REASON_OUT_OF_MEMORY == CGOMAL_GC_OUT_OF_MEMORY, "gc_reason differs");

/* File name of the provider library. CMake passes the name of the file it builds. */
#ifndef CGOMAL_TP_LIBRARY
#define CGOMAL_TP_LIBRARY "libcgomal-tp.so"
#endif

/* dlopen() flags. RTLD_NODELETE keeps the provider, and so its registered
 * probes, until the process exits: nothing in the runtime unloads it. */
#define TRACING_DLOPEN_FLAGS (RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE)

/*
 * Write into buf the path of the provider in the folder that contains
 * libcgomal itself. Returns false when that folder is unknown (dladdr failed
 * or returned no folder) or the path does not fit.
 */
static bool tracing_path_beside_runtime(char *buf, size_t size)
{
	Dl_info info;
	const char *slash;
	int len;

	if (dladdr((void *)cgomal_tracing_init, &info) == 0 || info.dli_fname == NULL)
		return false;
	slash = strrchr(info.dli_fname, '/');
	if (slash == NULL)
		return false;
	len = snprintf(buf, size, "%.*s/%s", (int)(slash - info.dli_fname), info.dli_fname,
	               CGOMAL_TP_LIBRARY);
	return len > 0 && (size_t)len < size;
}

/* Load the provider that CGOMAL_TRACE names, with one warning if it fails. */
static void tracing_load_named(const char *path)
{
	if (dlopen(path, TRACING_DLOPEN_FLAGS) == NULL)
		cgomal_warn("cannot load the tracepoint provider CGOMAL_TRACE=%s: %s; "
		            "tracing stays off (unset CGOMAL_TRACE to search for it)",
		            path, dlerror());
}

/*
 * Load the provider from beside libcgomal, else from the dynamic linker's
 * search path. Returns false when neither loads. A file that is installed
 * beside libcgomal but fails to load (a missing liblttng-ust, say) gets one
 * warning, because a broken install must not look like a missing one.
 */
static bool tracing_load_installed(void)
{
	char path[PATH_MAX];

	if (tracing_path_beside_runtime(path, sizeof(path)) && access(path, F_OK) == 0) {
		if (dlopen(path, TRACING_DLOPEN_FLAGS) != NULL)
			return true;
		cgomal_warn("cannot load the tracepoint provider %s: %s; tracing stays off "
		            "(set CGOMAL_TRACE=0 to skip it)",
		            path, dlerror());
		return false;
	}
	return dlopen(CGOMAL_TP_LIBRARY, TRACING_DLOPEN_FLAGS) != NULL;
}

void cgomal_tracing_init(void)
{
	const char *setting = getenv("CGOMAL_TRACE");

	if (setting == NULL || setting[0] == '\0') {
		tracing_load_installed();
	} else if (strcmp(setting, "0") == 0) {
		return;
	} else if (strcmp(setting, "1") == 0) {
		if (!tracing_load_installed())
			cgomal_warn("CGOMAL_TRACE=1 but the tracepoint provider %s is not "
			            "installed beside libcgomal nor on the library search path",
			            CGOMAL_TP_LIBRARY);
	} else if (strchr(setting, '/') != NULL) {
		tracing_load_named(setting);
	} else {
		cgomal_warn("invalid CGOMAL_TRACE=%s: expected 0, 1 or the path of %s; "
		            "loading the provider as if it were unset",
		            setting, CGOMAL_TP_LIBRARY);
		tracing_load_installed();
	}
}

#else /* !CGOMAL_TRACING */

void cgomal_tracing_init(void)
{
	const char *setting = getenv("CGOMAL_TRACE");

	if (setting != NULL && setting[0] != '\0' && strcmp(setting, "0") != 0)
		cgomal_warn("CGOMAL_TRACE=%s is ignored: this libcgomal was built with "
		            "CGOMAL_TRACING=OFF",
		            setting);
}

#endif /* CGOMAL_TRACING */
