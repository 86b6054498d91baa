/*
 * explain.h - `dlgconv explain`: what a finding code means, from the library's own table.
 */
#ifndef DLG_CLI_EXPLAIN_H
#define DLG_CLI_EXPLAIN_H

/** Run `dlgconv explain` on argv[1..argc-1] (argv[0] is "explain"); returns the exit code:
 * 0, 2 for a usage error or an unknown code, 3 when stdout cannot be written. */
int cli_explain(int argc, char **argv);

#endif
