/*
 * tokenizer.c - a model's tokenizer (docs/tokenizers.md): tokenizer.json read with cJSON
 * into normalizers, pre-tokenizers (pretok.c) and a BPE model (bpe.c), or a tiktoken rank
 * file (tiktoken.c); then a text encoded as transformers.js encodes it: added tokens cut
 * out first, each text between them normalized, pre-tokenized and merged. utf8proc
 * normalizes; files are read with input.c (plain or gzip).
 *
 * Byte-level BPE (GPT-2, Llama 3, Qwen): its vocabulary spells each byte as a printable
 * character (bytes_to_unicode); the tokens are read back into bytes here, so that pieces
 * are merged as bytes and never mapped.
 */
#define _GNU_SOURCE /* memmem */
#include "tokenizer.h"
#include "bpe.h"
#include "encoding.h"
#include "error.h"
#include "input.h"
#include "pretok.h"
#include "tiktoken.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <utf8proc.h>

typedef enum norm_kind { NORM_UNICODE, NORM_PREPEND, NORM_REPLACE } norm_kind;

typedef struct norm_step {
	norm_kind kind;
	int flags;   /* NORM_UNICODE: utf8proc's */
	char *from;  /* NORM_PREPEND: the text; NORM_REPLACE: what is replaced */
	char *to;    /* NORM_REPLACE: by what */
} norm_step;

typedef struct added_token {
	char *text;
	size_t len;
	uint32_t id;
	bool lstrip, rstrip;
} added_token;

struct dlg_tokenizer {
	const dlg_allocator *alloc;
	dlg_bpe *bpe;
	dlg_buf norms;   /* norm_step */
	dlg_buf pretoks; /* dlg_pretok * */
	dlg_buf added;   /* added_token, by first byte, the longest first */
	uint32_t added_from[257]; /* those starting with byte c: [added_from[c], [c + 1]) */
	char *config; /* tokenizer_config.json as JSON text, or NULL */
};

typedef struct section {
	uint32_t off, len, added; /* added: index of an added token, or DLG_BPE_NONE */
} section;

struct dlg_tok_scratch {
	const dlg_allocator *alloc;
	dlg_bpe_scratch *bpe;
	dlg_pretok_scratch *pre;
	dlg_buf norm[2];
	dlg_pieces pieces[2];
	dlg_buf sections;
	dlg_buf ids; /* dlg_tokenizer__count's */
};

/* ---- loading ---- */

typedef struct loader {
	dlg_tokenizer *t;
	const char *path;
	bool byte_level;
	int byte_of[324]; /* bytes_to_unicode reversed: code point -> byte, or -1 */
	dlg_buf bytes;
	dlg_error *err;
} loader;

static dlg_status unsupported(loader *l, const char *what, const char *name,
			      const char *supported)
{
	return dlg_error__set(l->err, DLG_E_ARG, 0, "tokenizer '%s': unsupported %s '%s' (%s)",
			      l->path, what, name ? name : "?", supported);
}

static const char *str_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool true_of(const cJSON *o, const char *key)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, key));
}

static dlg_status read_json(cJSON **out, const char *path, const dlg_options *o,
			    dlg_error *err)
{
	dlg_buf text;
	dlg_buf__init(&text, o->allocator, DLG_BUF_UNCAPPED);
	dlg_status st = dlg_input__read_file(&text, path, o, err);
	if (st == DLG_OK && !(*out = cJSON_ParseWithLength(text.data, text.len)))
		st = dlg_error__set(err, DLG_E_ARG, 0, "tokenizer '%s': not JSON", path);
	dlg_buf__dispose(&text);
	return st;
}

static dlg_status add_norm(loader *l, norm_step step)
{
	dlg_status st = dlg_buf__append(&l->t->norms, &step, sizeof step, l->err);
	if (st != DLG_OK) {
		dlg_mem__free(l->t->alloc, step.from);
		dlg_mem__free(l->t->alloc, step.to);
	}
	return st;
}

static char *copy_str(loader *l, const char *s)
{
	return s ? dlg_mem__strndup(l->t->alloc, s, strlen(s)) : NULL;
}

static dlg_status load_normalizer(loader *l, const cJSON *n)
{
	if (!n || cJSON_IsNull(n))
		return DLG_OK;
	const char *type = str_of(n, "type");
	static const char *const forms[] = {"NFC", "NFD", "NFKC", "NFKD"};
	static const int flags[] = {
		UTF8PROC_STABLE | UTF8PROC_COMPOSE, UTF8PROC_STABLE | UTF8PROC_DECOMPOSE,
		UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT,
		UTF8PROC_STABLE | UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT};
	for (size_t i = 0; type && i < 4; i++)
		if (strcmp(type, forms[i]) == 0)
			return add_norm(l, (norm_step){.kind = NORM_UNICODE, .flags = flags[i]});
	if (type && strcmp(type, "Sequence") == 0) {
		const cJSON *each;
		cJSON_ArrayForEach(each, cJSON_GetObjectItemCaseSensitive(n, "normalizers"))
			DLG_TRY(load_normalizer(l, each));
		return DLG_OK;
	}
	if (type && strcmp(type, "Prepend") == 0 && str_of(n, "prepend")) {
		norm_step s = {.kind = NORM_PREPEND, .from = copy_str(l, str_of(n, "prepend"))};
		return s.from ? add_norm(l, s) :
				dlg_error__set(l->err, DLG_E_NOMEM, 0, "out of memory");
	}
	if (type && strcmp(type, "Replace") == 0) {
		const char *from = str_of(cJSON_GetObjectItemCaseSensitive(n, "pattern"), "String");
		const char *to = str_of(n, "content");
		if (!from || !*from || !to)
			return unsupported(l, "normalizer", "Replace with a Regex pattern",
					   "Replace takes a String pattern");
		norm_step s = {.kind = NORM_REPLACE, .from = copy_str(l, from),
			       .to = copy_str(l, to)};
		if (!s.from || !s.to) {
			dlg_mem__free(l->t->alloc, s.from);
			dlg_mem__free(l->t->alloc, s.to);
			return dlg_error__set(l->err, DLG_E_NOMEM, 0, "out of memory");
		}
		return add_norm(l, s);
	}
	return unsupported(l, "normalizer", type,
			   "supported: NFC, NFD, NFKC, NFKD, Prepend, Replace, Sequence");
}

static dlg_status add_pretok(loader *l, dlg_pretok *p, dlg_status st)
{
	if (st == DLG_OK)
		st = dlg_buf__append(&l->t->pretoks, &p, sizeof p, l->err);
	if (st != DLG_OK)
		dlg_pretok__free(p);
	return st;
}

static dlg_status load_pretok(loader *l, const cJSON *p)
{
	if (!p || cJSON_IsNull(p))
		return DLG_OK;
	const dlg_allocator *a = l->t->alloc;
	const char *type = str_of(p, "type");
	dlg_pretok *made = NULL;
	if (type && strcmp(type, "Sequence") == 0) {
		const cJSON *each;
		cJSON_ArrayForEach(each, cJSON_GetObjectItemCaseSensitive(p, "pretokenizers"))
			DLG_TRY(load_pretok(l, each));
		return DLG_OK;
	}
	if (type && strcmp(type, "Split") == 0) {
		const char *b = str_of(p, "behavior");
		static const char *const names[] = {"Isolated", "Removed", "MergedWithPrevious"};
		static const dlg_split_behavior behaviors[] = {
			DLG_SPLIT_ISOLATED, DLG_SPLIT_REMOVED, DLG_SPLIT_MERGED_WITH_PREVIOUS};
		size_t k = 0;
		while (k < 3 && !(b && strcmp(b, names[k]) == 0))
			k++;
		if (k == 3)
			return unsupported(l, "Split behavior", b,
					   "supported: Isolated, Removed, MergedWithPrevious");
		if (true_of(p, "invert"))
			return unsupported(l, "Split", "invert", "supported: invert false");
		const cJSON *pat = cJSON_GetObjectItemCaseSensitive(p, "pattern");
		const char *re = str_of(pat, "Regex"), *s = str_of(pat, "String");
		if (re)
			return add_pretok(l, made, dlg_pretok__regex(&made, a, re, DLG_SPACE_JS,
								     behaviors[k], l->err));
		if (s)
			return add_pretok(l, made, dlg_pretok__string(&made, a, s, strlen(s),
								      behaviors[k], l->err));
		return unsupported(l, "Split pattern", "?", "a Regex or a String");
	}
	if (type && strcmp(type, "ByteLevel") == 0) {
		const cJSON *use_regex = cJSON_GetObjectItemCaseSensitive(p, "use_regex");
		l->byte_level = true;
		return add_pretok(l, made, dlg_pretok__byte_level(&made, a,
							 true_of(p, "add_prefix_space"),
							 !cJSON_IsFalse(use_regex), l->err));
	}
	if (type && strcmp(type, "Metaspace") == 0) {
		const char *rep = str_of(p, "replacement");
		const char *scheme = str_of(p, "prepend_scheme");
		if (scheme && strcmp(scheme, "always") && strcmp(scheme, "first") &&
		    strcmp(scheme, "never"))
			return unsupported(l, "Metaspace prepend_scheme", scheme,
					   "supported: always, first, never");
		/* as transformers.js: no prefix without add_prefix_space */
		bool prepend = true_of(p, "add_prefix_space") &&
			       !(scheme && strcmp(scheme, "never") == 0);
		bool first = scheme && strcmp(scheme, "first") == 0;
		return add_pretok(l, made, dlg_pretok__metaspace(&made, a, rep ? rep : "\u2581",
								 prepend, first, l->err));
	}
	return unsupported(l, "pre-tokenizer", type,
			   "supported: ByteLevel, Metaspace, Split, Sequence");
}

/* s[0, n), a vocabulary string, as the bytes it stands for appended to l->bytes; false
 * when a byte-level string has a character no byte maps to (no piece can ever be that
 * token). */
static bool append_bytes(loader *l, const char *s, size_t n, dlg_status *st)
{
	if (!l->byte_level) {
		*st = dlg_buf__append(&l->bytes, s, n, l->err);
		return true;
	}
	for (size_t i = 0; i < n;) {
		utf8proc_int32_t c;
		utf8proc_ssize_t len = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
							(utf8proc_ssize_t)(n - i), &c);
		if (len <= 0 || c < 0 || c >= 324 || l->byte_of[c] < 0)
			return false;
		if ((*st = dlg_buf__putc(&l->bytes, (char)l->byte_of[c], l->err)) != DLG_OK)
			return true;
		i += (size_t)len;
	}
	return true;
}

static bool token_bytes(loader *l, const char *s, dlg_status *st)
{
	l->bytes.len = 0;
	return append_bytes(l, s, strlen(s), st);
}

static uint32_t lookup_token(loader *l, const char *s, dlg_status *st)
{
	return s && token_bytes(l, s, st) && *st == DLG_OK ?
		dlg_bpe__lookup(l->t->bpe, l->bytes.data, l->bytes.len) : DLG_BPE_NONE;
}

/* A merge of left[0, ln) and right[0, rn), with its rank; one of or into a string that is
 * no token can never apply, and is dropped. */
static dlg_status add_merge(loader *l, const char *left, size_t ln, const char *right,
			    size_t rn, uint32_t rank)
{
	dlg_status st = DLG_OK;
	l->bytes.len = 0;
	if (!append_bytes(l, left, ln, &st) || st != DLG_OK)
		return st;
	size_t cut = l->bytes.len;
	if (!append_bytes(l, right, rn, &st) || st != DLG_OK)
		return st;
	const dlg_bpe *b = l->t->bpe;
	uint32_t x = dlg_bpe__lookup(b, l->bytes.data, cut);
	uint32_t y = dlg_bpe__lookup(b, l->bytes.data + cut, l->bytes.len - cut);
	uint32_t merged = dlg_bpe__lookup(b, l->bytes.data, l->bytes.len);
	if (x == DLG_BPE_NONE || y == DLG_BPE_NONE || merged == DLG_BPE_NONE)
		return DLG_OK;
	return dlg_bpe__add_merge(l->t->bpe, x, y, merged, rank, l->err);
}

static dlg_status load_merges(loader *l, const cJSON *merges)
{
	uint32_t rank = 0;
	const cJSON *m;
	cJSON_ArrayForEach(m, merges) {
		const char *left = NULL, *right = NULL;
		size_t ln = 0, rn = 0;
		if (cJSON_IsString(m)) { /* "left right": the first two words, as transformers.js */
			const char *sp = strchr(m->valuestring, ' ');
			if (sp) {
				const char *end = strchr(sp + 1, ' ');
				left = m->valuestring;
				ln = (size_t)(sp - left);
				right = sp + 1;
				rn = end ? (size_t)(end - right) : strlen(right);
			}
		} else if (cJSON_GetArraySize(m) == 2) {
			left = cJSON_GetStringValue(cJSON_GetArrayItem(m, 0));
			right = cJSON_GetStringValue(cJSON_GetArrayItem(m, 1));
			ln = left ? strlen(left) : 0;
			rn = right ? strlen(right) : 0;
		}
		if (!left || !right)
			return dlg_error__set(l->err, DLG_E_ARG, 0, "tokenizer '%s': merge %u is "
					      "not a pair", l->path, rank);
		DLG_TRY(add_merge(l, left, ln, right, rn, rank));
		rank++;
	}
	return DLG_OK;
}

static dlg_status load_model(loader *l, const cJSON *model)
{
	const char *type = str_of(model, "type");
	if (!type || strcmp(type, "BPE") != 0)
		return unsupported(l, "model type", type, "supported: BPE");
	const char *affixes[] = {"continuing_subword_prefix", "end_of_word_suffix"};
	for (size_t i = 0; i < 2; i++)
		if (str_of(model, affixes[i]) && *str_of(model, affixes[i]))
			return unsupported(l, "BPE option", affixes[i], "supported: none set");
	const cJSON *vocab = cJSON_GetObjectItemCaseSensitive(model, "vocab");
	const cJSON *merges = cJSON_GetObjectItemCaseSensitive(model, "merges");
	if (!cJSON_IsObject(vocab) || !cJSON_IsArray(merges))
		return dlg_error__set(l->err, DLG_E_ARG, 0,
				      "tokenizer '%s': the BPE model has no vocab or no merges",
				      l->path);
	DLG_TRY(dlg_bpe__new(&l->t->bpe, l->t->alloc, DLG_BPE_MERGES,
			     (size_t)cJSON_GetArraySize(vocab),
			     (size_t)cJSON_GetArraySize(merges), l->err));
	const cJSON *v;
	dlg_status st = DLG_OK;
	cJSON_ArrayForEach(v, vocab) {
		if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble >= DLG_BPE_NONE)
			return dlg_error__set(l->err, DLG_E_ARG, 0,
					      "tokenizer '%s': token '%.40s' has no valid id",
					      l->path, v->string);
		if (token_bytes(l, v->string, &st) && st == DLG_OK)
			st = dlg_bpe__add_token(l->t->bpe, l->bytes.data, l->bytes.len,
						(uint32_t)v->valuedouble, l->err);
		DLG_TRY(st);
	}
	DLG_TRY(load_merges(l, merges));
	uint32_t unk = lookup_token(l, str_of(model, "unk_token"), &st);
	DLG_TRY(st);
	dlg_bpe__set_fallback(l->t->bpe, true_of(model, "byte_fallback"), unk);
	dlg_bpe__set_whole_first(l->t->bpe, true_of(model, "ignore_merges"));
	dlg_bpe__set_byte_symbols(l->t->bpe, l->byte_level);
	return DLG_OK;
}

static dlg_status add_added(dlg_tokenizer *t, const char *text, uint32_t id, bool lstrip,
			    bool rstrip, dlg_error *err)
{
	added_token a = {.len = strlen(text), .id = id, .lstrip = lstrip, .rstrip = rstrip};
	if (a.len == 0)
		return DLG_OK;
	if (!(a.text = dlg_mem__strndup(t->alloc, text, a.len)))
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	dlg_status st = dlg_buf__append(&t->added, &a, sizeof a, err);
	if (st != DLG_OK)
		dlg_mem__free(t->alloc, a.text);
	return st;
}

static int by_first_byte_longest(const void *x, const void *y)
{
	const added_token *a = x, *b = y;
	unsigned char ca = (unsigned char)a->text[0], cb = (unsigned char)b->text[0];
	if (ca != cb)
		return ca < cb ? -1 : 1;
	return a->len > b->len ? -1 : a->len < b->len;
}

static void index_added(dlg_tokenizer *t)
{
	size_t n = DLG_BUF_COUNT(&t->added, added_token);
	added_token *a = (added_token *)(void *)t->added.data;
	if (n)
		qsort(a, n, sizeof *a, by_first_byte_longest);
	size_t k = 0;
	for (unsigned c = 0; c <= 256; c++) {
		while (k < n && (unsigned char)a[k].text[0] < c)
			k++;
		t->added_from[c] = (uint32_t)k;
	}
}

/* tokenizer_config.json as JSON text: chat.c reads its chat template. */
static dlg_status keep_config(loader *l, const cJSON *config)
{
	char *text = config ? cJSON_PrintUnformatted(config) : NULL;
	if (!config)
		return DLG_OK;
	size_t n = text ? strlen(text) + 1 : 0;
	if (text && (l->t->config = dlg_mem__alloc(l->t->alloc, n)))
		memcpy(l->t->config, text, n);
	cJSON_free(text);
	return l->t->config ? DLG_OK : dlg_error__set(l->err, DLG_E_NOMEM, 0, "out of memory");
}

const char *dlg_tokenizer__config(const dlg_tokenizer *t)
{
	return t->config;
}

static dlg_status load_json(loader *l, const cJSON *root, const cJSON *config)
{
	DLG_TRY(keep_config(l, config));
	if (config) {
		const char *cls = str_of(config, "tokenizer_class");
		if (cls && strncmp(cls, "LlamaTokenizer", 14) == 0 &&
		    cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(config, "legacy")))
			return unsupported(l, "tokenizer_config.json setting", "legacy: false",
					   "supported: a LlamaTokenizer with legacy true");
		if (true_of(config, "remove_space") ||
		    true_of(config, "do_lowercase_and_remove_accent"))
			return unsupported(l, "tokenizer_config.json setting",
					   true_of(config, "remove_space") ? "remove_space" :
					   "do_lowercase_and_remove_accent", "supported: neither");
	}
	DLG_TRY(load_normalizer(l, cJSON_GetObjectItemCaseSensitive(root, "normalizer")));
	DLG_TRY(load_pretok(l, cJSON_GetObjectItemCaseSensitive(root, "pre_tokenizer")));
	DLG_TRY(load_model(l, cJSON_GetObjectItemCaseSensitive(root, "model")));
	const cJSON *a;
	cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(root, "added_tokens")) {
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(a, "id");
		const char *text = str_of(a, "content");
		if (!text || !cJSON_IsNumber(id) || id->valuedouble < 0 ||
		    id->valuedouble >= DLG_BPE_NONE)
			return dlg_error__set(l->err, DLG_E_ARG, 0, "tokenizer '%s': an added "
					      "token without content or id", l->path);
		DLG_TRY(add_added(l->t, text, (uint32_t)id->valuedouble, true_of(a, "lstrip"),
				  true_of(a, "rstrip"), l->err));
	}
	return DLG_OK;
}

static dlg_status load_tiktoken(loader *l, const dlg_tiktoken_encoding *enc,
				const dlg_options *o)
{
	dlg_pretok *split = NULL;
	DLG_TRY(dlg_tiktoken__load(&l->t->bpe, l->path, o, l->err));
	dlg_bpe__set_whole_first(l->t->bpe, true);
	DLG_TRY(add_pretok(l, split, dlg_pretok__regex(&split, l->t->alloc, enc->pattern,
						       DLG_SPACE_UNICODE, DLG_SPLIT_ISOLATED,
						       l->err)));
	for (size_t i = 0; i < enc->n_specials; i++)
		DLG_TRY(add_added(l->t, enc->specials[i].text, enc->specials[i].id, false, false,
				  l->err));
	return DLG_OK;
}

static bool is_file(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* dir/name, or dir/name.gz when only that is there; NULL when neither is. */
static char *in_dir(const dlg_allocator *a, dlg_buf *b, const char *dir, const char *name,
		    dlg_status *st, dlg_error *err)
{
	for (int gz = 0; gz < 2 && *st == DLG_OK; gz++) {
		b->len = 0;
		*st = dlg_buf__printf(b, err, "%s/%s%s", dir, name, gz ? ".gz" : "");
		if (*st == DLG_OK && is_file(b->data))
			return dlg_mem__strndup(a, b->data, b->len);
	}
	return NULL;
}

static dlg_status load(loader *l, const char *path, const dlg_options *o)
{
	const dlg_tiktoken_encoding *enc = dlg_tiktoken__encoding(path);
	if (enc)
		return load_tiktoken(l, enc, o);
	if (strstr(path, ".tiktoken"))
		return dlg_error__set(l->err, DLG_E_ARG, 0,
				      "tokenizer '%s': unknown tiktoken encoding (known: "
				      "cl100k_base, o200k_base)", path);
	struct stat sb;
	if (stat(path, &sb) != 0)
		return dlg_error__io(l->err, errno, "read tokenizer", path);
	cJSON *root = NULL, *config = NULL;
	char *json = NULL, *cfg = NULL;
	dlg_status st = DLG_OK;
	if (S_ISDIR(sb.st_mode)) {
		dlg_buf name;
		dlg_buf__init(&name, l->t->alloc, DLG_BUF_UNCAPPED);
		json = in_dir(l->t->alloc, &name, path, "tokenizer.json", &st, l->err);
		cfg = in_dir(l->t->alloc, &name, path, "tokenizer_config.json", &st, l->err);
		dlg_buf__dispose(&name);
		if (st == DLG_OK && !json)
			st = dlg_error__set(l->err, DLG_E_ARG, 0,
					    "tokenizer '%s': no tokenizer.json in the directory",
					    path);
	}
	if (st == DLG_OK)
		st = read_json(&root, json ? json : path, o, l->err);
	if (st == DLG_OK && cfg)
		st = read_json(&config, cfg, o, l->err);
	if (st == DLG_OK)
		st = load_json(l, root, config);
	cJSON_Delete(root);
	cJSON_Delete(config);
	dlg_mem__free(l->t->alloc, json);
	dlg_mem__free(l->t->alloc, cfg);
	return st;
}

dlg_status dlg_tokenizer__load(dlg_tokenizer **out, const char *path, const dlg_options *o,
			       dlg_error *err)
{
	*out = NULL;
	dlg_tokenizer *t = dlg_mem__alloc(o->allocator, sizeof *t);
	if (!t)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	memset(t, 0, sizeof *t);
	t->alloc = o->allocator;
	dlg_buf__init(&t->norms, t->alloc, DLG_BUF_UNCAPPED);
	dlg_buf__init(&t->pretoks, t->alloc, DLG_BUF_UNCAPPED);
	dlg_buf__init(&t->added, t->alloc, DLG_BUF_UNCAPPED);
	loader l = {.t = t, .path = path, .err = err};
	dlg_buf__init(&l.bytes, t->alloc, DLG_BUF_UNCAPPED);
	for (int c = 0; c < 324; c++)
		l.byte_of[c] = -1;
	for (int b = 0, extra = 0; b < 256; b++) {
		bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174;
		l.byte_of[printable ? b : 256 + extra++] = b;
	}
	dlg_status st = load(&l, path, o);
	dlg_buf__dispose(&l.bytes);
	if (st != DLG_OK) {
		dlg_tokenizer__free(t);
		return st;
	}
	index_added(t);
	*out = t;
	return DLG_OK;
}

void dlg_tokenizer__free(dlg_tokenizer *t)
{
	if (!t)
		return;
	dlg_bpe__free(t->bpe);
	for (size_t i = 0; i < DLG_BUF_COUNT(&t->norms, norm_step); i++) {
		dlg_mem__free(t->alloc, DLG_BUF_AT(&t->norms, norm_step, i).from);
		dlg_mem__free(t->alloc, DLG_BUF_AT(&t->norms, norm_step, i).to);
	}
	for (size_t i = 0; i < DLG_BUF_COUNT(&t->pretoks, dlg_pretok *); i++)
		dlg_pretok__free(DLG_BUF_AT(&t->pretoks, dlg_pretok *, i));
	for (size_t i = 0; i < DLG_BUF_COUNT(&t->added, added_token); i++)
		dlg_mem__free(t->alloc, DLG_BUF_AT(&t->added, added_token, i).text);
	dlg_buf__dispose(&t->norms);
	dlg_buf__dispose(&t->pretoks);
	dlg_buf__dispose(&t->added);
	dlg_mem__free(t->alloc, t->config);
	dlg_mem__free(t->alloc, t);
}

/* ---- encoding ---- */

dlg_status dlg_tok_scratch__new(dlg_tok_scratch **out, const dlg_allocator *a, dlg_error *err)
{
	dlg_tok_scratch *s = dlg_mem__alloc(a, sizeof *s);
	*out = s;
	if (!s)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	memset(s, 0, sizeof *s);
	s->alloc = a;
	for (int i = 0; i < 2; i++) {
		dlg_buf__init(&s->norm[i], a, UINT32_MAX);
		dlg_pieces__init(&s->pieces[i], a);
	}
	dlg_buf__init(&s->sections, a, DLG_BUF_UNCAPPED);
	dlg_buf__init(&s->ids, a, DLG_BUF_UNCAPPED);
	DLG_TRY(dlg_bpe_scratch__new(&s->bpe, a, err));
	return dlg_pretok_scratch__new(&s->pre, a, err);
}

void dlg_tok_scratch__free(dlg_tok_scratch *s)
{
	if (!s)
		return;
	dlg_bpe_scratch__free(s->bpe);
	dlg_pretok_scratch__free(s->pre);
	for (int i = 0; i < 2; i++) {
		dlg_buf__dispose(&s->norm[i]);
		dlg_pieces__dispose(&s->pieces[i]);
	}
	dlg_buf__dispose(&s->sections);
	dlg_buf__dispose(&s->ids);
	dlg_mem__free(s->alloc, s);
}

static dlg_status check_utf8(const char *text, size_t n, dlg_error *err)
{
	for (size_t i = 0; i < n;) {
		if ((unsigned char)text[i] < 0x80) {
			i++;
			continue;
		}
		size_t prefix, len = dlg_encoding__utf8_sequence(&prefix,
								 (const uint8_t *)text + i, n - i);
		if (!len)
			return dlg_error__set(err, DLG_E_ARG, 0,
					      "text to tokenize is not UTF-8 at byte %zu", i);
		i += len;
	}
	return DLG_OK;
}

/* The text and added-token sections of text[0, n), lstrip and rstrip applied. */
static dlg_status cut_sections(const dlg_tokenizer *t, dlg_tok_scratch *s, const char *text,
			       size_t n, dlg_error *err)
{
	const added_token *added = (const added_token *)(const void *)t->added.data;
	s->sections.len = 0;
	size_t start = 0;
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)text[i];
		uint32_t k = t->added_from[c];
		while (k < t->added_from[c + 1] && !(added[k].len <= n - i &&
			memcmp(text + i, added[k].text, added[k].len) == 0))
			k++;
		if (k == t->added_from[c + 1]) {
			i++;
			continue;
		}
		section sec[2] = {{(uint32_t)start, (uint32_t)(i - start), DLG_BPE_NONE},
				  {(uint32_t)i, (uint32_t)added[k].len, k}};
		DLG_TRY(dlg_buf__append(&s->sections, sec + (i == start),
					((i > start) + 1u) * sizeof *sec, err));
		i += added[k].len;
		start = i;
	}
	section last = {(uint32_t)start, (uint32_t)(n - start), DLG_BPE_NONE};
	if (n > start)
		DLG_TRY(dlg_buf__append(&s->sections, &last, sizeof last, err));
	section *sec = (section *)(void *)s->sections.data;
	size_t count = DLG_BUF_COUNT(&s->sections, section);
	for (size_t i = 0; i < count; i++) {
		if (sec[i].added == DLG_BPE_NONE)
			continue;
		section *before = i > 0 && sec[i - 1].added == DLG_BPE_NONE ? &sec[i - 1] : NULL;
		section *after = i + 1 < count && sec[i + 1].added == DLG_BPE_NONE ?
			&sec[i + 1] : NULL;
		while (added[sec[i].added].lstrip && before && before->len) {
			size_t at = before->off + before->len - 1;
			while (at > before->off && ((unsigned char)text[at] & 0xc0) == 0x80)
				at--;
			utf8proc_int32_t cp;
			utf8proc_iterate((const utf8proc_uint8_t *)text + at,
					 (utf8proc_ssize_t)(before->off + before->len - at), &cp);
			if (!dlg_pretok__is_js_space((uint32_t)cp))
				break;
			before->len = (uint32_t)(at - before->off);
		}
		while (added[sec[i].added].rstrip && after && after->len) {
			utf8proc_int32_t cp;
			utf8proc_ssize_t len = utf8proc_iterate(
				(const utf8proc_uint8_t *)text + after->off, after->len, &cp);
			if (!dlg_pretok__is_js_space((uint32_t)cp))
				break;
			after->off += (uint32_t)len;
			after->len -= (uint32_t)len;
		}
	}
	return DLG_OK;
}

/* Section text through the normalizers; *out points at the result (in s->norm). */
static dlg_status normalize(const dlg_tokenizer *t, dlg_tok_scratch *s, const char *text,
			    size_t n, const char **out, size_t *out_n, dlg_error *err)
{
	int which = 0;
	for (size_t i = 0; i < DLG_BUF_COUNT(&t->norms, norm_step); i++) {
		const norm_step *step = &DLG_BUF_AT(&t->norms, norm_step, i);
		dlg_buf *b = &s->norm[which];
		b->len = 0;
		if (step->kind == NORM_UNICODE) {
			utf8proc_uint8_t *mapped;
			utf8proc_ssize_t len = utf8proc_map((const utf8proc_uint8_t *)text,
							    (utf8proc_ssize_t)n, &mapped,
							    (utf8proc_option_t)step->flags);
			if (len < 0)
				return dlg_error__set(err, DLG_E_ARG, 0, "normalizing: %s",
						      utf8proc_errmsg(len));
			dlg_status st = dlg_buf__append(b, mapped, (size_t)len, err);
			free(mapped);
			DLG_TRY(st);
		} else if (step->kind == NORM_PREPEND) {
			DLG_TRY(dlg_buf__append(b, step->from, strlen(step->from), err));
			DLG_TRY(dlg_buf__append(b, text, n, err));
		} else {
			size_t fn = strlen(step->from), tn = strlen(step->to), at = 0;
			for (const char *m; (m = memmem(text + at, n - at, step->from, fn));) {
				size_t upto = (size_t)(m - text);
				DLG_TRY(dlg_buf__append(b, text + at, upto - at, err));
				DLG_TRY(dlg_buf__append(b, step->to, tn, err));
				at = (size_t)(m - text) + fn;
			}
			DLG_TRY(dlg_buf__append(b, text + at, n - at, err));
		}
		text = b->data;
		n = b->len;
		which ^= 1;
	}
	*out = text;
	*out_n = n;
	return DLG_OK;
}

dlg_status dlg_tokenizer__encode(const dlg_tokenizer *t, dlg_tok_scratch *s, const char *text,
				 size_t n, dlg_buf *ids, dlg_error *err)
{
	DLG_TRY(check_utf8(text, n, err));
	DLG_TRY(cut_sections(t, s, text, n, err));
	size_t count = DLG_BUF_COUNT(&s->sections, section);
	for (size_t i = 0; i < count; i++) {
		section sec = DLG_BUF_AT(&s->sections, section, i);
		if (sec.added != DLG_BPE_NONE) {
			uint32_t id = DLG_BUF_AT(&t->added, added_token, sec.added).id;
			DLG_TRY(dlg_buf__append(ids, &id, sizeof id, err));
			continue;
		}
		const char *norm = NULL;
		size_t norm_n = 0;
		if (sec.len == 0)
			continue;
		DLG_TRY(normalize(t, s, text + sec.off, sec.len, &norm, &norm_n, err));
		int which = 0;
		dlg_pieces__clear(&s->pieces[0]);
		DLG_TRY(dlg_pieces__add(&s->pieces[0], norm, norm_n, err));
		for (size_t k = 0; k < DLG_BUF_COUNT(&t->pretoks, dlg_pretok *); k++) {
			DLG_TRY(dlg_pretok__apply(DLG_BUF_AT(&t->pretoks, dlg_pretok *, k), s->pre,
						  &s->pieces[which], i == 0, &s->pieces[which ^ 1],
						  err));
			which ^= 1;
		}
		const dlg_pieces *p = &s->pieces[which];
		for (size_t k = 0; k < DLG_BUF_COUNT(&p->spans, dlg_piece); k++) {
			dlg_piece sp = DLG_BUF_AT(&p->spans, dlg_piece, k);
			DLG_TRY(dlg_bpe__encode(t->bpe, s->bpe, p->bytes.data + sp.off, sp.len, ids,
						err));
		}
	}
	return DLG_OK;
}

size_t dlg_tokenizer__added_longest(const dlg_tokenizer *t)
{
	size_t n = 0;
	for (size_t i = 0; i < DLG_BUF_COUNT(&t->added, added_token); i++)
		if (DLG_BUF_AT(&t->added, added_token, i).len > n)
			n = DLG_BUF_AT(&t->added, added_token, i).len;
	return n;
}

dlg_status dlg_tokenizer__added_at(const dlg_tokenizer *t, dlg_tok_scratch *s, const char *text,
				   size_t n, dlg_buf *at, dlg_error *err)
{
	DLG_TRY(cut_sections(t, s, text, n, err));
	for (size_t i = 0; i < DLG_BUF_COUNT(&s->sections, section); i++) {
		section sec = DLG_BUF_AT(&s->sections, section, i);
		size_t pair[2] = { sec.off, (size_t)sec.off + sec.len };
		if (sec.added != DLG_BPE_NONE)
			DLG_TRY(dlg_buf__append(at, pair, sizeof pair, err));
	}
	return DLG_OK;
}

dlg_status dlg_tokenizer__count(const dlg_tokenizer *t, dlg_tok_scratch *s, const char *text,
				size_t n, uint64_t *count, dlg_error *err)
{
	s->ids.len = 0;
	DLG_TRY(dlg_tokenizer__encode(t, s, text, n, &s->ids, err));
	*count = DLG_BUF_COUNT(&s->ids, uint32_t);
	return DLG_OK;
}
