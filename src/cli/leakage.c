/*
 * leakage.c - `dlgconv leakage`: prints what dlg_leakage() found, as a table or one JSON
 * object (docs/usage.md "Leakage"), and decides the exit status from --max-leakage.
 */
#include "leakage.h"

#include <cjson/cJSON.h>
#include <stdio.h>

static double rate(uint64_t part, uint64_t whole)
{
	return whole ? (double)part / (double)whole : 0;
}

static cJSON *side_json(const dlg_leak_side *s, const char *label_key)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, label_key, s->label);
	cJSON_AddStringToObject(j, "id", s->id);
	cJSON_AddNumberToObject(j, "record", (double)s->record);
	return j;
}

static cJSON *pairs_json(const dlg_leak_pair *p, size_t n, const char *a_key)
{
	cJSON *j = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "similarity", p[i].similarity);
		cJSON_AddItemToObject(o, "a", side_json(&p[i].a, a_key));
		cJSON_AddItemToObject(o, "b", side_json(&p[i].b, "split"));
		cJSON_AddItemToArray(j, o);
	}
	return j;
}

static int print_json(const dlg_leakage_report *r, const cli_args *a)
{
	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "dataset", a->inputs[0]);
	cJSON_AddNumberToObject(root, "threshold", r->threshold);
	cJSON_AddNumberToObject(root, "conversations", (double)r->total);
	cJSON_AddNumberToObject(root, "leaked", (double)r->total_leaked);
	cJSON_AddNumberToObject(root, "rate", rate(r->total_leaked, r->total));
	cJSON_AddNumberToObject(root, "unread", (double)r->unread);
	cJSON *splits = cJSON_AddArrayToObject(root, "splits");
	for (size_t i = 0; i < r->n_splits; i++) {
		cJSON *s = cJSON_CreateObject();
		cJSON_AddStringToObject(s, "name", r->splits[i]);
		cJSON_AddNumberToObject(s, "conversations", (double)r->conversations[i]);
		cJSON *into = cJSON_AddObjectToObject(s, "near_duplicates_in");
		for (size_t j = 0; j < r->n_splits; j++)
			if (j != i)
				cJSON_AddNumberToObject(into, r->splits[j],
							(double)r->leaked[i * r->n_splits + j]);
		cJSON_AddItemToArray(splits, s);
	}
	cJSON_AddItemToObject(root, "worst", pairs_json(r->worst, r->n_worst, "split"));
	if (a->n_against) {
		cJSON *ag = cJSON_AddObjectToObject(root, "against");
		cJSON_AddNumberToObject(ag, "conversations", (double)r->against_conversations);
		cJSON_AddNumberToObject(ag, "leaked", (double)r->against_leaked);
		cJSON_AddNumberToObject(ag, "rate", rate(r->against_leaked, r->total));
		cJSON_AddItemToObject(ag, "worst",
				      pairs_json(r->against_worst, r->n_against_worst, "file"));
	}
	char *text = cJSON_Print(root);
	cJSON_Delete(root);
	if (!text)
		return 3;
	int rc = puts(text) < 0 ? 3 : 0;
	cJSON_free(text);
	return rc;
}

static void print_pairs(const dlg_leak_pair *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("  %.2f  %s:%llu %s  ~  %s:%llu %s\n", p[i].similarity, p[i].a.label,
		       (unsigned long long)p[i].a.record, p[i].a.id, p[i].b.label,
		       (unsigned long long)p[i].b.record, p[i].b.id);
}

static void print_table(const dlg_leakage_report *r, const cli_args *a)
{
	printf("dlgconv: %s: %llu of %llu conversations (%.2f%%) have a near-duplicate "
	       "(similarity >= %.2f) in another split\n", a->inputs[0],
	       (unsigned long long)r->total_leaked, (unsigned long long)r->total,
	       100 * rate(r->total_leaked, r->total), r->threshold);
	printf("  %-16s %13s  %s\n", "split", "conversations", "with a near-duplicate in");
	for (size_t i = 0; i < r->n_splits; i++) {
		printf("  %-16s %13llu ", r->splits[i], (unsigned long long)r->conversations[i]);
		for (size_t j = 0; j < r->n_splits; j++)
			if (j != i)
				printf(" %s %llu", r->splits[j],
				       (unsigned long long)r->leaked[i * r->n_splits + j]);
		putchar('\n');
	}
	if (r->n_worst) {
		puts("most similar pairs (split:record id):");
		print_pairs(r->worst, r->n_worst);
	}
	if (!a->n_against)
		return;
	printf("against %zu file%s (%llu conversations): %llu of the dataset's (%.2f%%) have a "
	       "near-duplicate there\n", a->n_against, a->n_against == 1 ? "" : "s",
	       (unsigned long long)r->against_conversations,
	       (unsigned long long)r->against_leaked, 100 * rate(r->against_leaked, r->total));
	print_pairs(r->against_worst, r->n_against_worst);
}

int cli_leakage_print(const dlg_leakage_report *r, const cli_args *a)
{
	int rc = 0;
	if (a->stats_json)
		rc = print_json(r, a);
	else
		print_table(r, a);
	if (rc == 0 && (rate(r->total_leaked, r->total) > a->max_leakage ||
			rate(r->against_leaked, r->total) > a->max_leakage)) {
		fprintf(stderr, "dlgconv: leakage above --max-leakage %g\n", a->max_leakage);
		rc = 1;
	}
	/* records that are no conversation were not looked at: a rate without them vouches
	 * for nothing, and none read at all is no dataset */
	if (r->unread)
		fprintf(stderr, "dlgconv: %llu %s left out (first: %s)\n",
			(unsigned long long)r->unread, r->unread == 1 ?
			"record could not be read as a conversation and is" :
			"records could not be read as conversations and are", r->unread_example);
	if (rc == 0 && r->total == 0) {
		fprintf(stderr, "dlgconv: no conversation read in %s\n", a->inputs[0]);
		rc = 1;
	} else if (rc == 0 && r->unread && a->max_leakage < 1) {
		fprintf(stderr, "dlgconv: --max-leakage cannot be checked on records not read\n");
		rc = 1;
	}
	return rc;
}
