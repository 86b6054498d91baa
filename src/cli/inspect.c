/*
 * inspect.c - `dlgconv inspect FILE...` (docs/usage.md "Inspect"): how each file will be read.
 * Each file is validated on its own, as it is; what its findings ask for (a --role for an
 * unknown speaker, the question and answer fields of E201, --keep-fields and
 * --keep-message-fields for W322, --rejected-field for a pair's other side) is added and
 * the file validated again, until nothing more is asked, so that the options suggested are
 * the ones that read it whole. Prints the shape its records have and the fields they are
 * read from, what is still not carried, the counts and the first finding as it is: a
 * table, or with --json one JSON object per file (as Together's `files check` prints one).
 */
#include "inspect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NAMES 64
#define NAME_CAP 96
#define ROUNDS 4 /* the file as it is, then with what each round's findings asked for */

typedef struct missed {
	char level; /* 'r' a record's field, 'm' a message's */
	char name[NAME_CAP];
	unsigned long long records;
} missed;

/* What one validate run of a file said. */
typedef struct run_seen {
	char shape[40], fields[160];
	char first[320];           /* the first finding, "E205 record 1: unknown role ..." */
	missed missed[MAX_NAMES];  /* W322 */
	size_t n_missed;
	char roles[2][NAME_CAP];   /* unknown roles (E205), the first two met */
	size_t n_roles;
	char prompt[NAME_CAP], answer[NAME_CAP]; /* E201's question and answer fields */
} run_seen;

/* The options a file is read with: the command line's and the suggested. */
typedef struct suggestion {
	dlg_options opts;
	dlg_role_label roles[CLI_MAX_LIST];
	const char *keep[CLI_MAX_LIST], *keep_msg[CLI_MAX_LIST];
	char names[3 * MAX_NAMES][NAME_CAP]; /* what the suggested options point into */
	size_t n_names;
	char text[8][512];         /* the suggested options as command-line words */
	size_t n_text;
	size_t n_roles;            /* roles suggested so far */
} suggestion;

/* The text between `open` and the next `close` after it in s, into out. */
static bool between(char *out, size_t cap, const char *s, const char *open, const char *close)
{
	const char *a = strstr(s, open);
	if (!a)
		return false;
	a += strlen(open);
	const char *b = strstr(a, close);
	if (!b || (size_t)(b - a) >= cap)
		return false;
	memcpy(out, a, (size_t)(b - a));
	out[b - a] = '\0';
	return true;
}

static void on_diag(const dlg_diag *d, void *payload)
{
	run_seen *r = payload;
	if (!r->first[0])
		snprintf(r->first, sizeof r->first, "%s record %llu: %s", dlg_diag_id(d->code),
			 (unsigned long long)d->record, d->msg);
	if (d->code == DLG_DIAG_FIELD_NOT_CARRIED && r->n_missed < MAX_NAMES) {
		missed *m = &r->missed[r->n_missed];
		static const char after[] = "' not carried in ";
		const char *count = strstr(d->msg, after);
		m->level = strncmp(d->msg, "message ", 8) == 0 ? 'm' : 'r';
		if (count && between(m->name, sizeof m->name, d->msg, "field '", after)) {
			m->records = strtoull(count + sizeof after - 1, NULL, 10);
			r->n_missed++;
		}
	}
	if (d->code == DLG_DIAG_UNKNOWN_ROLE && r->n_roles < 2 &&
	    between(r->roles[r->n_roles], NAME_CAP, d->msg, "unknown role '", "';") &&
	    (r->n_roles == 0 || strcmp(r->roles[0], r->roles[1]) != 0))
		r->n_roles++;
	const char *answer = strstr(d->msg, " --response-field ");
	if (d->code == DLG_DIAG_NO_TURNS && !r->prompt[0] && answer &&
	    between(r->prompt, NAME_CAP, d->msg, "--prompt-field ", " --response-field "))
		snprintf(r->answer, sizeof r->answer, "%s", answer + 18);
}

static void on_conv(const dlg_conv *c, dlg_fate fate, size_t split, void *payload)
{
	(void)fate;
	(void)split;
	run_seen *r = payload;
	if (r->shape[0])
		return;
	snprintf(r->shape, sizeof r->shape, "%s", dlg_conv_shape(c));
	snprintf(r->fields, sizeof r->fields, "%s", dlg_conv_shape_fields(c));
}

/* A copy of `name` the suggested options can point into; NULL when there is no room. */
static const char *keep_name(suggestion *s, const char *name)
{
	if (s->n_names == sizeof s->names / sizeof s->names[0])
		return NULL;
	snprintf(s->names[s->n_names], NAME_CAP, "%s", name);
	return s->names[s->n_names++];
}

static void say(suggestion *s, const char *flag, const char *value)
{
	for (size_t i = 0; i < s->n_text; i++) {
		size_t len = strlen(flag);
		/* a list option's names go on one word, "--keep-fields a,b" */
		if (strncmp(s->text[i], flag, len) == 0 && s->text[i][len] == ' ' &&
		    (strcmp(flag, "--keep-fields") == 0 ||
		     strcmp(flag, "--keep-message-fields") == 0)) {
			size_t at = strlen(s->text[i]);
			snprintf(s->text[i] + at, sizeof s->text[i] - at, ",%s", value);
			return;
		}
	}
	if (s->n_text < sizeof s->text / sizeof s->text[0])
		snprintf(s->text[s->n_text++], sizeof s->text[0], "%s %s", flag, value);
}

/* What run r asked for, added to s; false when it asked for nothing new. */
static bool suggest(suggestion *s, const run_seen *r)
{
	dlg_options *o = &s->opts;
	bool more = false;
	static const dlg_role roles[] = { DLG_ROLE_USER, DLG_ROLE_ASSISTANT };
	for (size_t i = 0; i < r->n_roles && s->n_roles < 2 && o->n_roles < CLI_MAX_LIST; i++) {
		const char *label = keep_name(s, r->roles[i]);
		if (!label)
			break;
		/* the first speaker met asks, the second answers: a guess, said as one */
		dlg_role role = roles[s->n_roles++];
		s->roles[o->n_roles++] = (dlg_role_label){ label, role };
		char v[NAME_CAP + 16];
		snprintf(v, sizeof v, "%s=%s", label, dlg_role_name(role));
		say(s, "--role", v);
		more = true;
	}
	o->roles = s->roles;
	if (r->prompt[0] && !o->prompt_field && !o->text_field) {
		o->prompt_field = keep_name(s, r->prompt);
		o->response_field = keep_name(s, r->answer);
		say(s, "--prompt-field", r->prompt);
		say(s, "--response-field", r->answer);
		more = true;
	}
	for (size_t i = 0; i < r->n_missed; i++) {
		const missed *m = &r->missed[i];
		bool msg = m->level == 'm';
		if (!msg && strcmp(m->name, "rejected") == 0 && !o->rejected_field &&
		    !o->messages_field) {
			o->rejected_field = keep_name(s, "rejected");
			say(s, "--rejected-field", "rejected");
			more = true;
			continue;
		}
		size_t *n = msg ? &o->n_keep_message_fields : &o->n_keep_fields;
		const char **list = msg ? s->keep_msg : s->keep;
		const char *name = *n < DLG_MAX_KEEP_FIELDS ? keep_name(s, m->name) : NULL;
		if (!name)
			continue;
		list[(*n)++] = name;
		say(s, msg ? "--keep-message-fields" : "--keep-fields", name);
		more = true;
	}
	o->keep_fields = s->keep;
	o->keep_message_fields = s->keep_msg;
	return more;
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void print_json(const char *file, const run_seen *as_is, const run_seen *r,
		       const dlg_summary *sum, const suggestion *s)
{
	printf("{\"file\":");
	json_string(file);
	printf(",\"shape\":");
	json_string(r->shape[0] ? r->shape : as_is->shape);
	printf(",\"fields\":");
	json_string(r->shape[0] ? r->fields : as_is->fields);
	printf(",\"conversations\":%llu,\"valid\":%llu,\"rejected\":%llu,\"duplicates\":%llu",
	       (unsigned long long)sum->inputs, (unsigned long long)sum->written,
	       (unsigned long long)sum->rejected, (unsigned long long)sum->duplicates);
	printf(",\"not_carried\":[");
	for (size_t i = 0; i < r->n_missed; i++) {
		printf("%s{\"field\":", i ? "," : "");
		json_string(r->missed[i].name);
		printf(",\"level\":\"%s\",\"records\":%llu}",
		       r->missed[i].level == 'm' ? "message" : "record", r->missed[i].records);
	}
	printf("],\"first_finding\":");
	if (as_is->first[0])
		json_string(as_is->first);
	else
		printf("null");
	printf(",\"suggested_options\":[");
	size_t words = 0;
	for (size_t i = 0; i < s->n_text; i++) {
		const char *space = strchr(s->text[i], ' ');
		char flag[64];
		snprintf(flag, sizeof flag, "%.*s", (int)(space - s->text[i]), s->text[i]);
		printf("%s", words++ ? "," : "");
		json_string(flag);
		printf(",");
		json_string(space + 1);
		words++;
	}
	printf("]}\n");
}

static void print_table(const char *file, const run_seen *as_is, const run_seen *r,
			const dlg_summary *sum, const suggestion *s)
{
	printf("%s\n", file);
	printf("  shape          %s\n", r->shape[0] ? r->shape : as_is->shape);
	printf("  read from      %s\n", r->shape[0] ? r->fields : as_is->fields);
	printf("  conversations  %llu: %llu valid, %llu rejected, %llu duplicates\n",
	       (unsigned long long)sum->inputs, (unsigned long long)sum->written,
	       (unsigned long long)sum->rejected, (unsigned long long)sum->duplicates);
	for (size_t i = 0; i < r->n_missed; i++)
		printf("  not carried    %s%s (in %llu records)\n",
		       r->missed[i].level == 'm' ? "message field " : "", r->missed[i].name,
		       r->missed[i].records);
	printf("  first finding  %s\n", as_is->first[0] ? as_is->first : "none");
	printf("  options        ");
	for (size_t i = 0; i < s->n_text; i++)
		printf("%s%s", i ? " " : "", s->text[i]);
	printf("%s\n", s->n_text ? "" : "none needed");
}

/* One file: validated as it is, then with what its findings asked for. */
static int inspect_file(const cli_args *a, const char *file, suggestion *s)
{
	memset(s, 0, sizeof *s);
	s->opts = a->opts;
	for (size_t i = 0; i < a->opts.n_roles && i < CLI_MAX_LIST; i++)
		s->roles[i] = a->opts.roles[i];
	for (size_t i = 0; i < a->opts.n_keep_fields; i++)
		s->keep[i] = a->opts.keep_fields[i];
	for (size_t i = 0; i < a->opts.n_keep_message_fields; i++)
		s->keep_msg[i] = a->opts.keep_message_fields[i];
	s->opts.output_dir = NULL;
	s->opts.progress = NULL;
	s->opts.on_conversation = on_conv;
	run_seen as_is, r;
	dlg_summary sum = { 0 };
	for (int round = 0; round < ROUNDS; round++) {
		memset(&r, 0, sizeof r);
		dlg_error err = { 0 };
		const char *inputs[] = { file };
		dlg_status st = dlg_run(&sum, inputs, 1, &s->opts, on_diag, &r, &err);
		if (st != DLG_OK) {
			fprintf(stderr, "dlgconv: %s: %s\n", file, err.msg);
			return st == DLG_E_ARG ? 2 : 3;
		}
		if (round == 0)
			as_is = r;
		if (!suggest(s, &r))
			break;
	}
	if (a->stats_json)
		print_json(file, &as_is, &r, &sum, s);
	else
		print_table(file, &as_is, &r, &sum, s);
	return 0;
}

int cli_inspect(const cli_args *a)
{
	suggestion *s = malloc(sizeof *s);
	if (!s) {
		fprintf(stderr, "dlgconv: out of memory\n");
		return 3;
	}
	int rc = 0;
	for (size_t i = 0; i < a->n_inputs && rc == 0; i++)
		rc = inspect_file(a, a->inputs[i], s);
	free(s);
	if (rc == 0 && fflush(stdout) != 0)
		rc = 3;
	return rc;
}
