/* SPDX-License-Identifier: MIT */
/* Entry point of the `cgomal record` subcommand. */
#ifndef CGOMAL_RECORD_H
#define CGOMAL_RECORD_H

/*
 * Runs `cgomal record`; argv[0] is "record". Returns the traced program's
 * exit status, or 125 to 127 for record's own failures.
 */
int cg_record_main(int argc, char **argv);

#endif /* CGOMAL_RECORD_H */
