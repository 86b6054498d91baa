/*
 * options.h - the option table's internal side (options.c): resolved options, choice names,
 * and the manifest's form of each option.
 */
#ifndef DLG_OPTIONS_H
#define DLG_OPTIONS_H

#include "internal.h"

/** `in` with every default filled in (a version-0 struct's zero fields); DLG_E_ARG for a
 * version newer than this library's. Pointers are borrowed from `in`. */
dlg_status dlg_options__resolved(dlg_options *out, const dlg_options *in, dlg_error *err) DLG_WUR;

/** The name of the choice option `name` ("stage") holds in `o` ("extract"). Static. */
const char *dlg_options__choice(const dlg_options *o, const char *name);

/** How an option is written in manifest.json. */
typedef enum dlg_option_form {
	DLG_FORM_SKIP = 0, /* not written */
	DLG_FORM_NULL,
	DLG_FORM_BOOL,
	DLG_FORM_NUMBER,
	DLG_FORM_STRING,
	DLG_FORM_STRINGS,  /* strings[0, n) */
	DLG_FORM_CODES,    /* codes[0, n), as "W303" */
	DLG_FORM_ROLES,    /* the run context's labels, each with its role */
	DLG_FORM_SPLITS    /* the run context's splits, each with its weight */
} dlg_option_form;

typedef struct dlg_option_value {
	dlg_option_form form;
	const char *key;
	bool boolean;
	double number;
	const char *string;
	char digits[24];
	const char *const *strings;
	const dlg_diag_code *codes;
	size_t n;
} dlg_option_value;

/** Option i of the table (dlg_option_get's order, the manifest's) as the manifest of a run
 * with the resolved options `o` says it; borrowed from `o` and the table. DLG_FORM_ROLES and
 * DLG_FORM_SPLITS are the run context's to write (its labels and splits, defaults
 * included). */
void dlg_options__manifest_value(dlg_option_value *out, const dlg_options *o, size_t i);

#endif
