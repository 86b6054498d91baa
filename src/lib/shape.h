/*
 * shape.h - which shape a JSON record has, and where each of its turns is (shape.c): a
 * messages array, alpaca, prompt/response, TRL's preference and KTO shapes, a transcript
 * string; with a system prompt before any of them. For the record reader (jsonread.c).
 */
#ifndef DLG_SHAPE_H
#define DLG_SHAPE_H

#include "internal.h"

#include <cjson/cJSON.h>

/* What a part of a record is read as. */
typedef enum dlg_part_kind {
	DLG_PART_STRING,   /* one turn of `role`: node's text, and a line break and node2's when
			      node2 is a non-empty string (alpaca's instruction and input) */
	DLG_PART_MESSAGES, /* a messages array, or one message object (LLaMA-Factory's chosen) */
	DLG_PART_HISTORY   /* alpaca's history: an array of [prompt, reply] string pairs */
} dlg_part_kind;

typedef struct dlg_part {
	dlg_part_kind kind;
	dlg_role role;
	const cJSON *node, *node2;
} dlg_part;

#define DLG_SHAPE_PARTS 5
#define DLG_SHAPE_USED 8

typedef struct dlg_shape {
	const char *name;      /* "messages", "alpaca", ...; NULL: none could be read */
	/* the transcript shape: the string (or NULL) and its reply (or NULL) */
	bool one_side;         /* the chosen side of a pair read as one conversation, whose
				  id (the pair's) is not its own */
	bool transcript;
	const cJSON *text, *reply;
	dlg_part parts[DLG_SHAPE_PARTS]; /* the other shapes: their turns in order */
	size_t n_parts;
	const char *used[DLG_SHAPE_USED]; /* the top-level keys read (a path's first key) */
	size_t n_used;
} dlg_shape;

/** The node at a dotted path such as "choices.0.turns.0": object keys, array indices. */
const cJSON *dlg_shape__at_path(const cJSON *node, const char *path);

/**
 * The shape of record object `root` under the options (docs/rules.md "JSON records"), for
 * the side a preference pair reads (`rejected_side`). A record whose named fields are
 * missing gets a shape whose parts say so to the reader (a NULL or non-string node).
 */
void dlg_shape__find(dlg_shape *s, const cJSON *root, const dlg_options *o, bool rejected_side);

/** What the shape reads each field as, "system -> system, conversations -> messages",
 * into out[0, cap). */
void dlg_shape__describe(char *out, size_t cap, const dlg_shape *s);

/**
 * A record of none of the shapes that looks like a question and its answer: a string field
 * named as a prompt is (question, prompt, query, instruction, input, q) and one named as a
 * reply is (a name holding answer, response, output, reply or completion, or a).
 */
bool dlg_shape__guess(const cJSON *root, const char **prompt, const char **answer);

/** Whether m is a message: an object with a role (role, from or speaker) and no
 * conversation of its own. A .json document whose every element is one is one
 * conversation (SMILECHAT's files). */
bool dlg_shape__is_message(const cJSON *m);

#endif
