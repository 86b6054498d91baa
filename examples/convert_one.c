/*
 * convert_one.c - convert one transcript held in memory with libdlgconv, printing its
 * record (or its findings when it is rejected).
 *
 *   cc convert_one.c $(pkg-config --cflags --libs dlgconv) -o convert_one && ./convert_one
 */
#include <dlgconv.h>
#include <stdio.h>
#include <string.h>

static void print_finding(const dlg_diag *d, void *payload)
{
	(void)payload;
	char *line = NULL;
	if (dlg_diag_format(&line, d, DLG_DIAG_STYLE_GCC, NULL) == DLG_OK)
		fprintf(stderr, "%s\n", line);
	dlg_free(line);
}

int main(void)
{
	const char *transcript = "Sure! Here's a chat:\n\n"
				 "### Human: *sighs* I had a long day.\n\n"
				 "### Assistant: I'm sorry. Do you want to talk about it?\n";
	dlg_options opts = DLG_OPTIONS_INIT;
	char *record = NULL;
	dlg_error err;
	if (dlg_convert_buffer(&record, transcript, strlen(transcript), "inline.txt", &opts,
			       print_finding, NULL, &err) != DLG_OK) {
		fprintf(stderr, "convert_one: %s\n", err.msg);
		return 2;
	}
	if (!record)
		return 1; /* rejected: the findings say why */
	fputs(record, stdout);
	dlg_free(record);
	return 0;
}
