/*
 * manual.h - `dlgconv options`: the option table as a list, a JSON schema or a manual
 * section (manual.c).
 */
#ifndef DLG_CLI_MANUAL_H
#define DLG_CLI_MANUAL_H

/** Run `dlgconv options ...` (argv[1] is "options"); returns the exit code. */
int cli_manual(int argc, char **argv);

#endif
