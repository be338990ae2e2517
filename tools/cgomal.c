/* SPDX-License-Identifier: MIT */
/* The `cgomal` command: dispatches to its subcommands (record, report). */
#include <stdio.h>
#include <string.h>

#include "record/record.h"
#include "report/report.h"

#ifndef CGOMAL_VERSION
#define CGOMAL_VERSION "unknown"
#endif

struct subcommand {
	const char *name;
	const char *summary;
	int (*main)(int argc, char **argv);
};

static const struct subcommand subcommands[] = {
        {"record", "trace a program or a running process with LTTng, then report on it",
         cg_record_main},
        {"report", "rebuild allocation lifetimes from LTTng traces into a JSON report",
         cg_report_main},
};

#define SUBCOMMAND_COUNT (sizeof(subcommands) / sizeof(subcommands[0]))

static void print_usage(FILE *out)
{
	fputs("Usage: cgomal COMMAND [OPTIONS] [ARGS]\n"
	      "       cgomal --help | --version\n"
	      "\n"
	      "Tools for the cgomal runtime's traces and for any program traced with\n"
	      "LTTng's malloc wrapper.\n"
	      "\n"
	      "Commands:\n",
	      out);
	for (size_t i = 0; i < SUBCOMMAND_COUNT; i++)
		fprintf(out, "  %-10s %s\n", subcommands[i].name, subcommands[i].summary);
	fputs("\n'cgomal COMMAND --help' describes a command's options. The manual page is\n"
	      "cgomal(1).\n",
	      out);
}

static const struct subcommand *find_subcommand(const char *name)
{
	for (size_t i = 0; i < SUBCOMMAND_COUNT; i++) {
		if (strcmp(subcommands[i].name, name) == 0)
			return &subcommands[i];
	}
	return NULL;
}

int main(int argc, char **argv)
{
	const struct subcommand *subcommand;

	if (argc < 2) {
		print_usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		print_usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("cgomal %s\n", CGOMAL_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "help") == 0) {
		char help_option[] = "--help";
		char *help_argv[] = {argc > 2 ? argv[2] : NULL, help_option, NULL};

		if (argc < 3) {
			print_usage(stdout);
			return 0;
		}
		subcommand = find_subcommand(argv[2]);
		if (subcommand)
			return subcommand->main(2, help_argv);
	} else {
		subcommand = find_subcommand(argv[1]);
		if (subcommand)
			return subcommand->main(argc - 1, argv + 1);
	}
	fprintf(stderr, "cgomal: unknown command '%s'; run 'cgomal --help' for the list\n",
	        argc > 2 && strcmp(argv[1], "help") == 0 ? argv[2] : argv[1]);
	return 2;
}
