/*
 * manual.c - `dlgconv options`: the option table as a list, as the --config JSON schema
 * (schemas/config.schema.json) or as the manual's OPTIONS section (docs/dlgconv.1). Both
 * files are this command's output, and the `manual` test fails when they are not, so the
 * parser, --help, the schema and the manual cannot disagree.
 */
#include "manual.h"
#include "opts.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* JSON numbers are doubles: a config gives larger numbers as strings of digits. */
#define EXACT_DOUBLE_MAX 9007199254740992.0

static cJSON *string_schema(void)
{
	cJSON *s = cJSON_CreateObject();
	cJSON_AddStringToObject(s, "type", "string");
	cJSON_AddNumberToObject(s, "minLength", 1);
	return s;
}

/* What a config file may give for one option. */
static cJSON *option_schema(const dlg_option_info *info)
{
	cJSON *s = cJSON_CreateObject();
	cJSON *one_of = NULL;
	switch (info->type) {
	case DLG_OPTION_FLAG:
		cJSON_AddStringToObject(s, "type", "boolean");
		break;
	case DLG_OPTION_NUMBER: {
		one_of = cJSON_AddArrayToObject(s, "oneOf");
		cJSON *n = cJSON_CreateObject();
		cJSON_AddStringToObject(n, "type", "integer");
		cJSON_AddNumberToObject(n, "minimum", info->min);
		cJSON_AddNumberToObject(n, "maximum", info->max < EXACT_DOUBLE_MAX ? info->max :
							    EXACT_DOUBLE_MAX);
		cJSON_AddItemToArray(one_of, n);
		cJSON *digits = cJSON_CreateObject();
		cJSON_AddStringToObject(digits, "type", "string");
		cJSON_AddStringToObject(digits, "pattern", "^[0-9]+$");
		cJSON_AddItemToArray(one_of, digits);
		break;
	}
	case DLG_OPTION_FRACTION: {
		one_of = cJSON_AddArrayToObject(s, "oneOf");
		cJSON *n = cJSON_CreateObject();
		cJSON_AddStringToObject(n, "type", "number");
		cJSON_AddNumberToObject(n, "minimum", info->min);
		cJSON_AddNumberToObject(n, "maximum", info->max);
		cJSON_AddItemToArray(one_of, n);
		cJSON_AddItemToArray(one_of, string_schema());
		break;
	}
	case DLG_OPTION_CHOICE: {
		cJSON *choices = cJSON_AddArrayToObject(s, "enum");
		for (size_t k = 0; info->choices[k]; k++)
			cJSON_AddItemToArray(choices, cJSON_CreateString(info->choices[k]));
		break;
	}
	case DLG_OPTION_TEXT:
		cJSON_Delete(s);
		s = string_schema();
		break;
	case DLG_OPTION_LIST:
		if (!(info->flags & DLG_OPTION_REPEATABLE)) {
			cJSON_Delete(s);
			s = string_schema();
			break;
		}
		one_of = cJSON_AddArrayToObject(s, "oneOf");
		cJSON_AddItemToArray(one_of, string_schema());
		cJSON *array = cJSON_CreateObject();
		cJSON_AddStringToObject(array, "type", "array");
		cJSON_AddItemToObject(array, "items", string_schema());
		cJSON_AddItemToArray(one_of, array);
		break;
	}
	cJSON_AddStringToObject(s, "description", info->help);
	return s;
}

/* The config schema: every option a command takes by name, keyed as on the command line. */
static int print_schema(void)
{
	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "$schema", "https://json-schema.org/draft/2020-12/schema");
	cJSON_AddStringToObject(root, "$id", "https://dlgconv.dev/schemas/config.schema.json");
	cJSON_AddStringToObject(root, "title", "dlgconv --config file");
	cJSON_AddStringToObject(root, "description", "Any option of a dlgconv command, keyed by "
				"its long name without the dashes (`dlgconv options` lists them). "
				"Options on the command line win; repeatable ones add up. Generated "
				"by `dlgconv options --schema`.");
	cJSON_AddStringToObject(root, "type", "object");
	cJSON_AddBoolToObject(root, "additionalProperties", 0);
	cJSON *props = cJSON_AddObjectToObject(root, "properties");
	for (size_t i = 0; i < cli_option_count(); i++) {
		cli_option_view o = cli_option_at(i);
		if (strcmp(o.name, "help") == 0 || strcmp(o.name, "config") == 0 ||
		    cJSON_GetObjectItemCaseSensitive(props, o.name))
			continue; /* one entry for a name that two commands use alike */
		cJSON_AddItemToObject(props, o.name, option_schema(o.info));
	}
	char *text = cJSON_Print(root);
	cJSON_Delete(root);
	if (!text) {
		fprintf(stderr, "dlgconv: out of memory\n");
		return 3;
	}
	printf("%s\n", text);
	cJSON_free(text);
	return 0;
}

/* Text for roff: hyphens as minus signs (option names), backslashes escaped, and no line
 * that starts with a control character. */
static void roff(const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", stdout);
	for (; *s; s++)
		if (*s == '-')
			fputs("\\-", stdout);
		else if (*s == '\\')
			fputs("\\e", stdout);
		else
			putchar(*s);
}

/* "convert, validate and stats" for a set of commands. */
static void command_list(unsigned commands)
{
	static const cli_command order[] = { CLI_CONVERT, CLI_VALIDATE, CLI_STATS, CLI_LEAKAGE,
					     CLI_MAP, CLI_REDUCE, CLI_FINALIZE };
	size_t n = 0, total = 0;
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
		total += (commands & order[i]) != 0;
	if (total == sizeof order / sizeof order[0]) {
		printf("every command");
		return;
	}
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		if (!(commands & order[i]))
			continue;
		printf("%s%s", n == 0 ? "" : n + 1 == total ? " and " : ", ",
		       cli_command_name(order[i]));
		n++;
	}
}

static void print_man_entry(const cli_option_view *o)
{
	printf(".TP\n");
	const char *meta = o->info->metavar;
	printf(meta ? ".BI " : ".BR ");
	if (o->letter)
		printf("\\-%c \", \" ", o->letter);
	printf("\\-\\-");
	roff(o->name);
	if (meta) {
		printf(" \" ");
		roff(meta);
		printf("\"");
	}
	printf("\n");
	roff(o->info->doc);
	printf("\n");
}

/* The manual's OPTIONS section: the options grouped by the commands that take them. */
static int print_man(void)
{
	printf(".SH OPTIONS\n");
	size_t n = cli_option_count();
	for (size_t i = 0; i < n; i++) {
		unsigned group = cli_option_at(i).commands;
		bool first = true;
		for (size_t k = 0; k < i && first; k++)
			first = cli_option_at(k).commands != group;
		if (!first)
			continue;
		printf(".SS \"");
		command_list(group);
		printf("\"\n");
		for (size_t k = i; k < n; k++) {
			cli_option_view o = cli_option_at(k);
			if (o.commands == group)
				print_man_entry(&o);
		}
	}
	printf(".TP\n.B \\-\\-\nEvery argument after it is an input, even one that starts with\n"
	       ".BR \\- .\n.B \\-\n(stdin) may be named once.\n");
	return 0;
}

/* One line per option: name, what it takes, which commands, whether it changes the
 * output. */
static int print_list(void)
{
	for (size_t i = 0; i < cli_option_count(); i++) {
		cli_option_view o = cli_option_at(i);
		printf("--%-22s %-10s %s", o.name, o.info->metavar ? o.info->metavar : "",
		       o.info->flags & DLG_OPTION_OUTPUT ? "output  " : "        ");
		command_list(o.commands);
		printf("\n");
	}
	return 0;
}

int cli_manual(int argc, char **argv)
{
	if (argc == 2)
		return print_list();
	if (argc == 3 && strcmp(argv[2], "--schema") == 0)
		return print_schema();
	if (argc == 3 && strcmp(argv[2], "--man") == 0)
		return print_man();
	if (argc == 3 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
		printf("usage: dlgconv options [--schema | --man]\n\n"
		       "List every option: its name, its value, whether it changes the output\n"
		       "(then it is in manifest.json), and the commands that take it. --schema\n"
		       "prints the JSON schema of a --config file, --man the manual's OPTIONS\n"
		       "section.\n");
		return 0;
	}
	fprintf(stderr, "dlgconv options: unknown argument '%s'\nTry 'dlgconv options --help'.\n",
		argc > 2 ? argv[2] : "");
	return 2;
}
