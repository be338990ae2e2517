/* SPDX-License-Identifier: MIT */
/* Configuration: defaults, the environment's option table, and messages. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* Format into a buffer and write(2) it whole: the collector may report
 * with the world stopped, when another thread can hold stderr's lock. */
static void message_write(const char *prefix, const char *fmt, va_list ap)
{
	char buf[512];
	size_t len = strlen(prefix);
	int n;

	memcpy(buf, prefix, len);
	n = vsnprintf(buf + len, sizeof(buf) - len - 1, fmt, ap);
	if (n < 0)
		n = 0;
	len += (size_t)n < sizeof(buf) - len - 1 ? (size_t)n : sizeof(buf) - len - 2;
	buf[len++] = '\n';
	if (write(STDERR_FILENO, buf, len) < 0)
		return; /* nowhere left to report it */
}

void cgomal_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	message_write("cgomal: fatal: ", fmt, ap);
	va_end(ap);
	abort();
}

void cgomal_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	message_write("cgomal: warning: ", fmt, ap);
	va_end(ap);
}

void cgomal_config_init(struct cgomal_config *config)
{
	memset(config, 0, sizeof(*config));
	config->gc_percent = 100;
	/* Below 4 MiB a collection costs more than the memory it returns. */
	config->gc_min_heap = (size_t)4 << 20;
	/* Address space only: pages are committed as jemalloc touches them. */
	config->heap_reserve = (size_t)64 << 30;
	/* 1 Mi entries is 8 MiB of mark stack, enough for wide heaps. */
	config->mark_stack_max = (size_t)1 << 20;
	config->cgomal_track = 1;
	config->verify = config_debug;
}

/* Parse a whole non-negative decimal number into *out. */
static bool parse_uint(const char *s, long max, long *out)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return false;
	*out = v;
	return true;
}

static void env_gogc(struct cgomal_config *out)
{
	const char *s = getenv("CGOMAL_GOGC");
	long v;

	if (s == NULL || *s == '\0')
		return;
	if (strcmp(s, "off") == 0) {
		out->gc_percent = -1;
		return;
	}
	if (!parse_uint(s, 1000000, &v)) {
		cgomal_warn("invalid CGOMAL_GOGC='%s' (expected a percent such as 100, or off); "
		            "keeping %d",
		            s, out->gc_percent);
		return;
	}
	out->gc_percent = (int)v;
}

/* The CGOMAL_DEBUG option table: name=value pairs, each 0 or 1. */
struct debug_option {
	const char *name;
	size_t offset; /* of the int in struct cgomal_config */
	const char *meaning;
};

static const struct debug_option debug_options[] = {
        {"gctrace", offsetof(struct cgomal_config, gctrace), "one line per collection"},
        {"cgomaltrack", offsetof(struct cgomal_config, cgomal_track),
         "0 stops treating the cgomal list as a root (diagnostic)"},
        {"verify", offsetof(struct cgomal_config, verify),
         "run the heap verifier around each collection"},
};

static const struct debug_option *debug_option_find(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(debug_options) / sizeof(debug_options[0]); i++) {
		if (strlen(debug_options[i].name) == len &&
		    strncmp(debug_options[i].name, name, len) == 0)
			return &debug_options[i];
	}
	return NULL;
}

/* Apply one "name=value" item of CGOMAL_DEBUG. */
static void env_debug_item(struct cgomal_config *out, const char *item, size_t len)
{
	const char *eq = memchr(item, '=', len);
	const struct debug_option *opt;
	char value[16];
	size_t name_len = eq ? (size_t)(eq - item) : len;
	size_t value_len = eq ? len - name_len - 1 : 0;
	long v;

	opt = debug_option_find(item, name_len);
	if (opt == NULL) {
		cgomal_warn("unknown CGOMAL_DEBUG option '%.*s' (known: gctrace, cgomaltrack, "
		            "verify); ignored",
		            (int)name_len, item);
		return;
	}
	if (eq == NULL || value_len == 0 || value_len >= sizeof(value)) {
		cgomal_warn("CGOMAL_DEBUG option '%.*s' needs a value, as in %s=1; ignored",
		            (int)len, item, opt->name);
		return;
	}
	memcpy(value, eq + 1, value_len);
	value[value_len] = '\0';
	if (!parse_uint(value, 1, &v)) {
		cgomal_warn("invalid value '%s' for CGOMAL_DEBUG option %s (expected 0 or 1); "
		            "ignored",
		            value, opt->name);
		return;
	}
	*(int *)((char *)out + opt->offset) = (int)v;
}

static void env_debug(struct cgomal_config *out)
{
	const char *s = getenv("CGOMAL_DEBUG");

	if (s == NULL)
		return;
	while (*s != '\0') {
		size_t len = strcspn(s, ",");

		if (len > 0)
			env_debug_item(out, s, len);
		s += len;
		if (*s == ',')
			s++;
	}
}

int config_resolve(const struct cgomal_config *config, struct cgomal_config *out)
{
	if (config != NULL)
		*out = *config;
	else
		cgomal_config_init(out);
	env_gogc(out);
	env_debug(out);

	if (out->heap_reserve < ((size_t)1 << 20) || out->mark_stack_max < 1)
		return -EINVAL;
	/* Whole GiBs keep the side tables simple to size. */
	out->heap_reserve = (out->heap_reserve + ((size_t)1 << 30) - 1) & ~(((size_t)1 << 30) - 1);
	return 0;
}
