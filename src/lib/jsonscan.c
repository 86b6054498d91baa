/*
 * jsonscan.c - the strict JSON scanner (jsonscan.h). cJSON also takes text that Python's json
 * and pyarrow refuse (`+1`, `.5`, `01`, raw control characters in strings), so an input's own
 * text is copied into an output only when this scan says it is strict (RFC 8259); otherwise
 * cJSON prints the value again. The same scan gives a value's type, for the dataset card, and
 * finds where a record's member stands in its text; and repeated keys dropped as Python's json
 * drops them. Uses buf.c and cJSON.
 */
#include "jsonscan.h"
#include "buf.h"
#include "unit.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

/* cJSON refuses deeper nesting (CJSON_NESTING_LIMIT), so a value it read is within this */
#define SCAN_DEPTH 1000

static bool json_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t skip_space(const char *p, size_t n, size_t i)
{
	while (i < n && json_space(p[i]))
		i++;
	return i;
}

/*
 * Where cJSON's reading goes on after white space: it takes every byte up to 32 for white
 * space (and a UTF-8 byte-order mark at the very start), so positions in a text it has read
 * are found by its rule, not JSON's.
 */
size_t dlg_jsonscan__skip_cjson_space(const char *p, size_t n, size_t i)
{
	if (i == 0 && n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	while (i < n && (uint8_t)p[i] <= ' ')
		i++;
	return i;
}

/* Copy p[from, s->i) when copying. */
static void copy_token(dlg_jsonscan *s, size_t from)
{
	if (s->min && s->status == DLG_OK)
		s->status = dlg_buf__append(s->min, s->p + from, s->i - from, s->err);
}

static bool scan_string(dlg_jsonscan *s)
{
	size_t from = s->i++;
	while (s->i < s->n) {
		uint8_t c = (uint8_t)s->p[s->i];
		if (c == '"') {
			s->i++;
			copy_token(s, from);
			return true;
		}
		if (c < 0x20)
			return false;
		if (c != '\\') {
			s->i++;
			continue;
		}
		char e = s->i + 1 < s->n ? s->p[s->i + 1] : '\0';
		if (e == 'u') {
			for (size_t k = 2; k < 6; k++)
				if (s->i + k >= s->n ||
				    !strchr("0123456789abcdefABCDEF", s->p[s->i + k]) ||
				    !s->p[s->i + k])
					return false;
			s->i += 6;
		} else if (e && strchr("\"\\/bfnrt", e)) {
			s->i += 2;
		} else {
			return false;
		}
	}
	return false;
}

static bool digit_at(const dlg_jsonscan *s)
{
	return s->i < s->n && s->p[s->i] >= '0' && s->p[s->i] <= '9';
}

/* Whether the integer p[0, n) ("-" and digits, no leading zero) fits an int64: pyarrow reads
 * a larger one as a double, so its column is float64, not int64. */
static bool fits_int64(const char *p, size_t n)
{
	static const char max[] = "9223372036854775807", min[] = "-9223372036854775808";
	const char *limit = p[0] == '-' ? min : max;
	size_t len = strlen(limit);
	return n < len || (n == len && memcmp(p, limit, n) <= 0);
}

/* *as_double: pyarrow reads it as a double: it has a fraction or an exponent, or is an
 * integer past int64. */
static bool scan_number(dlg_jsonscan *s, bool *as_double)
{
	size_t from = s->i;
	*as_double = false;
	if (s->p[s->i] == '-')
		s->i++;
	if (!digit_at(s))
		return false;
	if (s->p[s->i++] != '0')
		while (digit_at(s))
			s->i++;
	*as_double = !fits_int64(s->p + from, s->i - from);
	if (s->i < s->n && s->p[s->i] == '.') {
		*as_double = true;
		s->i++;
		if (!digit_at(s))
			return false;
		while (digit_at(s))
			s->i++;
	}
	if (s->i < s->n && (s->p[s->i] == 'e' || s->p[s->i] == 'E')) {
		*as_double = true;
		s->i++;
		if (s->i < s->n && (s->p[s->i] == '+' || s->p[s->i] == '-'))
			s->i++;
		if (!digit_at(s))
			return false;
		while (digit_at(s))
			s->i++;
	}
	copy_token(s, from);
	return true;
}

/*
 * Type trees, as pyarrow infers them from JSON: "string", "int64", "float64", "bool",
 * "null"; {"list": T}; {"struct": {"key": T, ...}} (keys in the order first met).
 */
static cJSON *scalar_type(dlg_jsonscan *s, const char *name)
{
	cJSON *t = cJSON_CreateString(name);
	if (!t)
		s->status = DLG_E_NOMEM;
	return t;
}

bool dlg_jsonscan__is_type(const cJSON *t, const char *name)
{
	return !t || (cJSON_IsString(t) && strcmp(t->valuestring, name) == 0);
}

/* Member `name` of `object` becomes `item` (replacing one of that name); false when out of
 * memory, and then the caller still owns `item`. */
static bool set_member(cJSON *object, const char *name, cJSON *item)
{
	if (cJSON_GetObjectItemCaseSensitive(object, name))
		return cJSON_ReplaceItemInObjectCaseSensitive(object, name, item);
	return cJSON_AddItemToObject(object, name, item);
}

/* A copy of what a and b (NULL: "null") both fit in; NULL with *conflict when there is none
 * (a string and an object), NULL alone when out of memory. */
cJSON *dlg_jsonscan__join_types(const cJSON *a, const cJSON *b, bool *conflict)
{
	if ((a && dlg_jsonscan__is_type(a, "mixed")) || (b && dlg_jsonscan__is_type(b, "mixed"))) {
		*conflict = true;
		return NULL;
	}
	if (dlg_jsonscan__is_type(a, "null") || dlg_jsonscan__is_type(b, "null"))
		return cJSON_Duplicate(dlg_jsonscan__is_type(a, "null") ? b : a, true);
	if (cJSON_IsString(a) && cJSON_IsString(b)) {
		if (strcmp(a->valuestring, b->valuestring) == 0)
			return cJSON_Duplicate(a, true);
		if ((dlg_jsonscan__is_type(a, "int64") && dlg_jsonscan__is_type(b, "float64")) ||
		    (dlg_jsonscan__is_type(a, "float64") && dlg_jsonscan__is_type(b, "int64")))
			return cJSON_CreateString("float64");
		*conflict = true;
		return NULL;
	}
	const cJSON *la = cJSON_GetObjectItemCaseSensitive(a, "list");
	const cJSON *lb = cJSON_GetObjectItemCaseSensitive(b, "list");
	const cJSON *sa = cJSON_GetObjectItemCaseSensitive(a, "struct");
	const cJSON *sb = cJSON_GetObjectItemCaseSensitive(b, "struct");
	if (la && lb) {
		cJSON *inner = dlg_jsonscan__join_types(la, lb, conflict);
		cJSON *list = cJSON_CreateObject();
		if (!inner || !list || !cJSON_AddItemToObject(list, "list", inner)) {
			cJSON_Delete(inner);
			cJSON_Delete(list);
			return NULL;
		}
		return list;
	}
	if (!sa || !sb) {
		*conflict = true;
		return NULL;
	}
	cJSON *joined = cJSON_Duplicate(a, true);
	cJSON *fields = cJSON_GetObjectItemCaseSensitive(joined, "struct");
	for (const cJSON *f = sb->child; joined && f; f = f->next) {
		cJSON *mine = cJSON_GetObjectItemCaseSensitive(fields, f->string);
		cJSON *j = mine ? dlg_jsonscan__join_types(mine, f, conflict) :
				  cJSON_Duplicate(f, true);
		if (!j || !set_member(fields, f->string, j)) {
			cJSON_Delete(j);
			cJSON_Delete(joined);
			joined = NULL;
		}
	}
	return joined;
}

/* The token `c` after any white space, copied when copying. */
static bool expect(dlg_jsonscan *s, char c)
{
	s->i = skip_space(s->p, s->n, s->i);
	if (s->i >= s->n || s->p[s->i] != c)
		return false;
	size_t from = s->i++;
	copy_token(s, from);
	return true;
}

/*
 * Join the type of a member `name` (or of an item, when name is NULL) into the container's
 * *inner. Types that do not join (a list of strings and numbers, which no column holds)
 * make "mixed", which joins with nothing.
 */
static bool join_into(dlg_jsonscan *s, cJSON **inner, const char *name, const cJSON *sub)
{
	cJSON *mine = name ? cJSON_GetObjectItemCaseSensitive(*inner, name) : *inner;
	bool conflict = false;
	cJSON *joined = dlg_jsonscan__join_types(mine, sub, &conflict);
	if (!joined && conflict)
		joined = cJSON_CreateString("mixed");
	if (!joined) {
		s->status = DLG_E_NOMEM;
		return false;
	}
	if (!name) {
		cJSON_Delete(*inner);
		*inner = joined;
	} else if (!set_member(*inner, name, joined)) {
		cJSON_Delete(joined);
		s->status = DLG_E_NOMEM;
		return false;
	}
	return true;
}

/* An object or an array; with `type`, a struct of its members' types, or a list of its
 * items' joined type. */
static bool scan_container(dlg_jsonscan *s, int depth, cJSON **type)
{
	bool object = s->p[s->i] == '{';
	char close = object ? '}' : ']';
	size_t from = s->i++;
	copy_token(s, from);
	cJSON *inner = NULL; /* object: its members' types; array: its items' type */
	if (type && object && !(inner = cJSON_CreateObject()))
		s->status = DLG_E_NOMEM;
	bool ok = s->status == DLG_OK;
	s->i = skip_space(s->p, s->n, s->i);
	for (bool first = true; ok && s->i < s->n && s->p[s->i] != close; first = false) {
		cJSON *key = NULL, *sub = NULL;
		ok = first || expect(s, ',');
		if (ok && object) {
			s->i = skip_space(s->p, s->n, s->i);
			from = s->i;
			ok = s->i < s->n && s->p[s->i] == '"' && scan_string(s);
			/* a strict string parses: only memory can fail */
			if (ok && type && !(key = cJSON_ParseWithLength(s->p + from, s->i - from)))
				s->status = DLG_E_NOMEM;
			ok = ok && s->status == DLG_OK && expect(s, ':');
		}
		ok = ok && dlg_jsonscan__value(s, depth + 1, type ? &sub : NULL);
		/* a repeated key (Python keeps the last) joins the earlier one's type */
		if (ok && type)
			ok = join_into(s, &inner, object ? key->valuestring : NULL, sub);
		cJSON_Delete(key);
		cJSON_Delete(sub);
		s->i = skip_space(s->p, s->n, s->i);
	}
	ok = ok && expect(s, close);
	if (ok && type) {
		*type = cJSON_CreateObject();
		cJSON *body = inner ? inner : cJSON_CreateString("null");
		if (!*type || !body ||
		    !cJSON_AddItemToObject(*type, object ? "struct" : "list", body)) {
			s->status = DLG_E_NOMEM;
			cJSON_Delete(*type);
			*type = NULL;
			if (body != inner)
				cJSON_Delete(body);
			ok = false;
		}
		inner = NULL;
	}
	cJSON_Delete(inner);
	return ok;
}

/* Whether a type tree holds "mixed" anywhere. */
bool dlg_jsonscan__mixed(const cJSON *t)
{
	if (cJSON_IsString(t))
		return strcmp(t->valuestring, "mixed") == 0;
	for (const cJSON *c = t ? t->child : NULL; c; c = c->next)
		if (dlg_jsonscan__mixed(c))
			return true;
	return false;
}

/* The value at s->i (white space before it skipped), strictly; *type (when `type` is
 * non-NULL) gets its type tree. */
bool dlg_jsonscan__value(dlg_jsonscan *s, int depth, cJSON **type)
{
	s->i = skip_space(s->p, s->n, s->i);
	if (s->i >= s->n || depth > SCAN_DEPTH)
		return false;
	char c = s->p[s->i];
	static const char *const literals[] = { "true", "false", "null" };
	for (int k = 0; k < 3; k++) {
		size_t len = strlen(literals[k]);
		if (s->n - s->i >= len && memcmp(s->p + s->i, literals[k], len) == 0) {
			size_t from = s->i;
			s->i += len;
			copy_token(s, from);
			return !type || (*type = scalar_type(s, k < 2 ? "bool" : "null"));
		}
	}
	bool as_double;
	if (c == '"')
		return scan_string(s) && (!type || (*type = scalar_type(s, "string")));
	if (c == '-' || (c >= '0' && c <= '9'))
		return scan_number(s, &as_double) &&
		       (!type || (*type = scalar_type(s, as_double ? "float64" : "int64")));
	if (c == '{' || c == '[')
		return scan_container(s, depth, type);
	return false;
}

/* Whether p[0, n) is one strict JSON value (white space around it allowed). */
bool dlg_jsonscan__strict(const char *p, size_t n)
{
	dlg_jsonscan s = { p, n, 0, NULL, DLG_OK, NULL };
	return dlg_jsonscan__value(&s, 0, NULL) && skip_space(p, n, s.i) == n;
}

/* Past the value at p[i] (after any white space) of a text cJSON has read, which may not be
 * strict JSON. */
size_t dlg_jsonscan__skip_lenient(const char *p, size_t n, size_t i)
{
	size_t depth = 0;
	for (i = dlg_jsonscan__skip_cjson_space(p, n, i); i < n; i++) {
		char c = p[i];
		if (c == '"') {
			for (i++; i < n && p[i] != '"'; i++)
				i += p[i] == '\\';
		} else if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			depth--;
		} else if (depth == 0) {
			/* a number or a literal runs to white space or punctuation */
			while (i < n && (uint8_t)p[i] > ' ' && p[i] != ',' && p[i] != '}' &&
			       p[i] != ']')
				i++;
			return i;
		}
		if (depth == 0)
			return i < n ? i + 1 : n;
	}
	return n;
}

/* Whether the key token p[0, n) (quotes included) is `name`. */
static bool key_is(const char *p, size_t n, const char *name)
{
	if (n < 2)
		return false;
	if (!memchr(p, '\\', n))
		return n - 2 == strlen(name) && memcmp(p + 1, name, n - 2) == 0;
	cJSON *key = cJSON_ParseWithLength(p, n);
	bool same = cJSON_IsString(key) && strcmp(key->valuestring, name) == 0;
	cJSON_Delete(key);
	return same;
}

/* Where the value of the record's top-level member `name` is in its text: the last one,
 * as the tree keeps (jsonread.c). */
bool dlg_jsonscan__member_text(dlg_span *out, const char *p, size_t n, const char *name)
{
	size_t i = dlg_jsonscan__skip_cjson_space(p, n, 0);
	if (i >= n || p[i] != '{')
		return false;
	bool found = false;
	for (i = dlg_jsonscan__skip_cjson_space(p, n, i + 1); i < n && p[i] == '"';) {
		size_t key = i;
		i = dlg_jsonscan__skip_lenient(p, n, i);
		bool match = key_is(p + key, i - key, name);
		i = dlg_jsonscan__skip_cjson_space(p, n, i);
		if (i >= n || p[i] != ':')
			return found;
		size_t value = dlg_jsonscan__skip_cjson_space(p, n, i + 1);
		i = dlg_jsonscan__skip_lenient(p, n, value);
		if (match) {
			*out = (dlg_span){ value, i - value };
			found = true;
		}
		i = dlg_jsonscan__skip_cjson_space(p, n, i);
		if (i < n && p[i] == ',')
			i = dlg_jsonscan__skip_cjson_space(p, n, i + 1);
	}
	return found;
}

typedef struct keyed {
	cJSON *item;
	size_t index; /* place in the object */
} keyed;

static int by_key_then_place(const void *a, const void *b)
{
	const keyed *x = a, *y = b;
	int c = strcmp(x->item->string, y->item->string);
	return c ? c : (x->index > y->index) - (x->index < y->index);
}

/* Keys are sorted to find repeats, so a record with 100000 keys costs n log n, not n^2; an
 * object with at most this many needs no allocation. */
#define FEW_KEYS 16

/* Python's json keeps the last of repeated keys and cJSON the first: the earlier ones go. */
static void drop_earlier_keys(dlg_jsonscan_dups *d, cJSON *object, const dlg_allocator *alloc)
{
	size_t n = 0;
	for (const cJSON *c = object->child; c; c = c->next)
		n++;
	if (n < 2)
		return;
	keyed few[FEW_KEYS], *k = few;
	if (n > FEW_KEYS && !(k = dlg_mem__alloc(alloc, n * sizeof *k))) {
		d->status = DLG_E_NOMEM;
		return;
	}
	size_t i = 0;
	for (cJSON *c = object->child; c; c = c->next, i++)
		k[i] = (keyed){ c, i };
	qsort(k, n, sizeof *k, by_key_then_place);
	/* in each run of one key all but the last go; the run whose second place comes first
	 * holds the first repeat a reader meets */
	bool seen_before = d->first != NULL;
	size_t first_at = SIZE_MAX;
	for (size_t run = 0, end; run < n; run = end) {
		end = run + 1;
		while (end < n && strcmp(k[end].item->string, k[run].item->string) == 0)
			end++;
		if (end - run < 2)
			continue;
		if (!seen_before && k[run + 1].index < first_at) {
			first_at = k[run + 1].index;
			d->times = end - run;
			d->first = k[end - 1].item->string;
		}
		for (size_t j = run; j < end - 1; j++)
			cJSON_Delete(cJSON_DetachItemViaPointer(object, k[j].item));
	}
	if (k != few)
		dlg_mem__free(alloc, k);
}

void dlg_jsonscan__drop_repeated_keys(dlg_jsonscan_dups *d, cJSON *node, const dlg_allocator *alloc)
{
	if (cJSON_IsObject(node))
		drop_earlier_keys(d, node, alloc);
	for (cJSON *c = node->child; c && d->status == DLG_OK; c = c->next)
		if (cJSON_IsObject(c) || cJSON_IsArray(c))
			dlg_jsonscan__drop_repeated_keys(d, c, alloc);
}

/* Walks the backslashes, an escape's length at a time: memmem for the whole needle was 3% of
 * validate on records whose texts have a `\n` every few hundred bytes. */
size_t dlg_jsonscan__escaped_nul(const char *p, size_t n)
{
	for (const char *at = memchr(p, '\\', n); at;) {
		size_t rest = n - (size_t)(at - p);
		if (rest >= 6 && memcmp(at, "\\u0000", 6) == 0)
			return (size_t)(at - p);
		/* the escaped character is no escape of its own: `\\u0000` is text */
		at = rest > 2 ? memchr(at + 2, '\\', rest - 2) : NULL;
	}
	return SIZE_MAX;
}
