/* SPDX-License-Identifier: MIT */
/* Entry point of the `cgomal report` subcommand. */
#ifndef CGOMAL_REPORT_H
#define CGOMAL_REPORT_H

/* Runs `cgomal report`; argv[0] is "report". Returns the process exit status. */
int cg_report_main(int argc, char **argv);

#endif /* CGOMAL_REPORT_H */
