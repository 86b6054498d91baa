/*
 * tiktoken.c - tiktoken rank files (docs/tokenizers.md): each line a token's bytes in
 * base64 and its rank, which is its id. The split expressions and special tokens are
 * tiktoken's own (tiktoken_ext/openai_public.py); the file is read with input.c (plain or
 * gzip) and decoded with OpenSSL's base64.
 */
#include "tiktoken.h"
#include "error.h"
#include "input.h"

#include <openssl/evp.h>
#include <stdlib.h>

static const dlg_tiktoken_special cl100k_specials[] = {
	{"<|endoftext|>", 100257}, {"<|fim_prefix|>", 100258}, {"<|fim_middle|>", 100259},
	{"<|fim_suffix|>", 100260}, {"<|endofprompt|>", 100276}};
static const dlg_tiktoken_special o200k_specials[] = {
	{"<|endoftext|>", 199999}, {"<|endofprompt|>", 200018}};

static const dlg_tiktoken_encoding encodings[] = {
	{"cl100k_base",
	 "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?"
	 "[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
	 cl100k_specials, sizeof cl100k_specials / sizeof *cl100k_specials},
	{"o200k_base",
	 "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}"
	 "\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}"
	 "\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|"
	 "\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
	 o200k_specials, sizeof o200k_specials / sizeof *o200k_specials},
};

const dlg_tiktoken_encoding *dlg_tiktoken__encoding(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t n = strlen(base);
	if (n > 3 && strcmp(base + n - 3, ".gz") == 0)
		n -= 3;
	if (n > 9 && memcmp(base + n - 9, ".tiktoken", 9) == 0)
		n -= 9;
	for (size_t i = 0; i < sizeof encodings / sizeof *encodings; i++)
		if (strlen(encodings[i].name) == n && memcmp(base, encodings[i].name, n) == 0)
			return &encodings[i];
	return NULL;
}

/* One line "BASE64 RANK" into b; false when it is not one. */
static bool add_line(dlg_bpe *b, const char *p, size_t n, dlg_status *st, dlg_error *err)
{
	const char *sp = memchr(p, ' ', n);
	if (!sp || sp == p || (sp - p) % 4 || sp - p > 1024)
		return false;
	size_t b64 = (size_t)(sp - p);
	char *end;
	unsigned long rank = strtoul(sp + 1, &end, 10);
	if (end != p + n || end == sp + 1 || rank >= DLG_BPE_NONE)
		return false;
	unsigned char bytes[768];
	int len = EVP_DecodeBlock(bytes, (const unsigned char *)p, (int)b64);
	if (len < 0)
		return false;
	len -= (p[b64 - 1] == '=') + (p[b64 - 2] == '=');
	*st = dlg_bpe__add_token(b, (const char *)bytes, (size_t)len, (uint32_t)rank, err);
	return true;
}

dlg_status dlg_tiktoken__load(dlg_bpe **out, const char *path, const dlg_options *o,
			      dlg_error *err)
{
	*out = NULL;
	dlg_buf text;
	dlg_buf__init(&text, o->allocator, DLG_BUF_UNCAPPED);
	dlg_status st = dlg_input__read_file(&text, path, o, err);
	size_t lines = 1;
	for (size_t i = 0; st == DLG_OK && i < text.len; i++)
		lines += text.data[i] == '\n';
	if (st == DLG_OK)
		st = dlg_bpe__new(out, o->allocator, DLG_BPE_RANKS, lines, 0, err);
	size_t line = 1;
	for (size_t i = 0; st == DLG_OK && i < text.len; line++) {
		const char *nl = memchr(text.data + i, '\n', text.len - i);
		size_t n = nl ? (size_t)(nl - text.data) - i : text.len - i;
		if (n && !add_line(*out, text.data + i, n, &st, err) && st == DLG_OK)
			st = dlg_error__set(err, DLG_E_ARG, 0, "tiktoken rank file '%s', line "
					    "%zu: not \"BASE64 RANK\"", path, line);
		i += n + 1;
	}
	dlg_buf__dispose(&text);
	if (st != DLG_OK) {
		dlg_bpe__free(*out);
		*out = NULL;
	}
	return st;
}
