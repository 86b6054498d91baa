/*
 * bpe.c - byte-pair encoding of one piece (docs/tokenizers.md). Uses buf.c and error.c;
 * XXH3 for the hash tables.
 *
 * A piece starts as symbols (characters, or bytes for tiktoken) in a linked list; every
 * neighbouring pair that can merge is in a min-heap ordered by (rank, position of its
 * left symbol). The top pair merges (the right symbol goes into the left one), and the new
 * pairs with its neighbours go into the heap; a heap entry made stale by an earlier merge
 * is told by the symbols' versions and skipped. This is the order of Hugging Face's and
 * tiktoken's merge loops (lowest rank first, the leftmost among equals) in O(n log n)
 * instead of their O(n^2) on a long piece. Pieces of up to CACHE_PIECE bytes are cached
 * per thread: prose repeats its words.
 */
#include "bpe.h"
#include "error.h"

#include <stdio.h>
#include <xxhash.h>

enum {
	CACHE_PIECE = 128,       /* longer pieces are rarely seen twice */
	CACHE_SLOTS = 1 << 15,
	CACHE_BYTES = 4 << 20    /* the cache starts over past this many key bytes */
};

typedef struct tok_slot {
	uint64_t hash;
	uint32_t off, len, id; /* len 0: empty (no token is empty) */
} tok_slot;

typedef struct merge_slot {
	uint64_t key; /* left << 32 | right; UINT64_MAX: empty */
	uint32_t rank, merged;
} merge_slot;

struct dlg_bpe {
	const dlg_allocator *alloc;
	dlg_bpe_kind kind;
	tok_slot *toks;
	size_t tok_mask, tok_count, tok_max;
	dlg_buf tok_bytes;
	merge_slot *merges;
	size_t merge_mask, merge_count, merge_max;
	bool byte_fallback, whole_first, byte_symbols;
	uint32_t unk;
	uint32_t byte_ids[256];
};

typedef struct sym {
	uint32_t start, end, id, prev, next, version;
	bool alive;
} sym;

typedef struct heap_entry {
	uint32_t rank, pos, left, right, vleft, vright, merged;
} heap_entry;

typedef struct cache_slot {
	uint64_t hash;
	uint32_t key_off, key_len, ids_off, ids_len; /* key_len 0: empty */
} cache_slot;

struct dlg_bpe_scratch {
	const dlg_allocator *alloc;
	dlg_buf syms, heap;
	cache_slot *cache;
	size_t cache_count;
	dlg_buf cache_keys, cache_ids;
};

static size_t slots_for(size_t n)
{
	size_t s = 16;
	while (s < n + n / 2 + 1)
		s <<= 1;
	return s;
}

dlg_status dlg_bpe__new(dlg_bpe **out, const dlg_allocator *a, dlg_bpe_kind kind,
			size_t max_tokens, size_t max_merges, dlg_error *err)
{
	*out = NULL;
	dlg_bpe *b = dlg_mem__alloc(a, sizeof *b);
	if (!b)
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	memset(b, 0, sizeof *b);
	b->alloc = a;
	b->kind = kind;
	b->byte_symbols = kind == DLG_BPE_RANKS;
	b->unk = DLG_BPE_NONE;
	b->tok_max = max_tokens;
	b->merge_max = max_merges;
	dlg_buf__init(&b->tok_bytes, a, UINT32_MAX);
	size_t ts = slots_for(max_tokens), ms = slots_for(max_merges);
	b->toks = dlg_mem__alloc(a, ts * sizeof *b->toks);
	b->merges = dlg_mem__alloc(a, ms * sizeof *b->merges);
	if (!b->toks || !b->merges) {
		dlg_bpe__free(b);
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	}
	memset(b->toks, 0, ts * sizeof *b->toks);
	memset(b->merges, 0xff, ms * sizeof *b->merges);
	b->tok_mask = ts - 1;
	b->merge_mask = ms - 1;
	for (size_t i = 0; i < 256; i++)
		b->byte_ids[i] = DLG_BPE_NONE;
	*out = b;
	return DLG_OK;
}

void dlg_bpe__free(dlg_bpe *b)
{
	if (!b)
		return;
	dlg_buf__dispose(&b->tok_bytes);
	dlg_mem__free(b->alloc, b->toks);
	dlg_mem__free(b->alloc, b->merges);
	dlg_mem__free(b->alloc, b);
}

/* The slot of s[0, n): its token's, or the empty one where it would go. */
static tok_slot *tok_find(const dlg_bpe *b, const char *s, size_t n, uint64_t h)
{
	for (size_t i = (size_t)h & b->tok_mask;; i = (i + 1) & b->tok_mask) {
		tok_slot *t = &b->toks[i];
		if (t->len == 0 ||
		    (t->hash == h && t->len == n && memcmp(b->tok_bytes.data + t->off, s, n) == 0))
			return t;
	}
}

dlg_status dlg_bpe__add_token(dlg_bpe *b, const char *s, size_t n, uint32_t id,
			      dlg_error *err)
{
	if (n == 0 || n >= UINT32_MAX || id == DLG_BPE_NONE)
		return dlg_error__set(err, DLG_E_ARG, 0, "a token is empty or its id too large");
	uint64_t h = XXH3_64bits(s, n);
	tok_slot *t = tok_find(b, s, n, h);
	if (t->len)
		return DLG_OK;
	if (b->tok_count == b->tok_max)
		return dlg_error__set(err, DLG_E_ARG, 0, "more tokens than the vocabulary holds");
	t->hash = h;
	t->off = (uint32_t)b->tok_bytes.len;
	t->len = (uint32_t)n;
	t->id = id;
	b->tok_count++;
	return dlg_buf__append(&b->tok_bytes, s, n, err);
}

uint32_t dlg_bpe__lookup(const dlg_bpe *b, const char *s, size_t n)
{
	if (n == 0)
		return DLG_BPE_NONE;
	const tok_slot *t = tok_find(b, s, n, XXH3_64bits(s, n));
	return t->len ? t->id : DLG_BPE_NONE;
}

static merge_slot *merge_find(const dlg_bpe *b, uint64_t key)
{
	for (size_t i = (size_t)XXH3_64bits(&key, sizeof key) & b->merge_mask;;
	     i = (i + 1) & b->merge_mask)
		if (b->merges[i].key == key || b->merges[i].key == UINT64_MAX)
			return &b->merges[i];
}

dlg_status dlg_bpe__add_merge(dlg_bpe *b, uint32_t left, uint32_t right, uint32_t merged,
			      uint32_t rank, dlg_error *err)
{
	uint64_t key = (uint64_t)left << 32 | right;
	merge_slot *m = merge_find(b, key);
	if (m->key == key)
		return DLG_OK;
	if (b->merge_count == b->merge_max)
		return dlg_error__set(err, DLG_E_ARG, 0, "more merges than announced");
	m->key = key;
	m->rank = rank;
	m->merged = merged;
	b->merge_count++;
	return DLG_OK;
}

void dlg_bpe__set_fallback(dlg_bpe *b, bool byte_fallback, uint32_t unk)
{
	b->byte_fallback = byte_fallback;
	b->unk = unk;
	for (unsigned i = 0; i < 256; i++) {
		char name[8];
		snprintf(name, sizeof name, "<0x%02X>", i);
		b->byte_ids[i] = dlg_bpe__lookup(b, name, 6);
	}
}

void dlg_bpe__set_byte_symbols(dlg_bpe *b, bool byte_symbols)
{
	b->byte_symbols = byte_symbols;
}

void dlg_bpe__set_whole_first(dlg_bpe *b, bool whole_first)
{
	b->whole_first = whole_first;
}

dlg_status dlg_bpe_scratch__new(dlg_bpe_scratch **out, const dlg_allocator *a, dlg_error *err)
{
	*out = NULL;
	dlg_bpe_scratch *s = dlg_mem__alloc(a, sizeof *s);
	cache_slot *cache = dlg_mem__alloc(a, CACHE_SLOTS * sizeof *cache);
	if (!s || !cache) {
		dlg_mem__free(a, s);
		dlg_mem__free(a, cache);
		return dlg_error__set(err, DLG_E_NOMEM, 0, "out of memory");
	}
	memset(s, 0, sizeof *s);
	memset(cache, 0, CACHE_SLOTS * sizeof *cache);
	s->alloc = a;
	s->cache = cache;
	dlg_buf__init(&s->syms, a, DLG_BUF_UNCAPPED);
	dlg_buf__init(&s->heap, a, DLG_BUF_UNCAPPED);
	dlg_buf__init(&s->cache_keys, a, DLG_BUF_UNCAPPED);
	dlg_buf__init(&s->cache_ids, a, DLG_BUF_UNCAPPED);
	*out = s;
	return DLG_OK;
}

void dlg_bpe_scratch__free(dlg_bpe_scratch *s)
{
	if (!s)
		return;
	dlg_buf__dispose(&s->syms);
	dlg_buf__dispose(&s->heap);
	dlg_buf__dispose(&s->cache_keys);
	dlg_buf__dispose(&s->cache_ids);
	dlg_mem__free(s->alloc, s->cache);
	dlg_mem__free(s->alloc, s);
}

static bool heap_less(const heap_entry *x, const heap_entry *y)
{
	return x->rank < y->rank || (x->rank == y->rank && x->pos < y->pos);
}

static dlg_status heap_push(dlg_buf *heap, const heap_entry *e, dlg_error *err)
{
	DLG_TRY(dlg_buf__append(heap, e, sizeof *e, err));
	heap_entry *h = (heap_entry *)(void *)heap->data;
	for (size_t i = DLG_BUF_COUNT(heap, heap_entry) - 1; i > 0;) {
		size_t up = (i - 1) / 2;
		if (!heap_less(&h[i], &h[up]))
			break;
		heap_entry t = h[i];
		h[i] = h[up];
		h[up] = t;
		i = up;
	}
	return DLG_OK;
}

static heap_entry heap_pop(dlg_buf *heap)
{
	heap_entry *h = (heap_entry *)(void *)heap->data;
	size_t n = DLG_BUF_COUNT(heap, heap_entry) - 1;
	heap_entry top = h[0];
	h[0] = h[n];
	heap->len -= sizeof *h;
	for (size_t i = 0;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < n && heap_less(&h[l], &h[m]))
			m = l;
		if (r < n && heap_less(&h[r], &h[m]))
			m = r;
		if (m == i)
			break;
		heap_entry t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
	return top;
}

/* Into the heap if symbols l and r may merge. */
static dlg_status push_pair(const dlg_bpe *b, dlg_bpe_scratch *s, const char *p, uint32_t l,
			    uint32_t r, dlg_error *err)
{
	const sym *y = (const sym *)(const void *)s->syms.data;
	heap_entry e = {.pos = y[l].start, .left = l, .right = r, .vleft = y[l].version,
			.vright = y[r].version};
	if (b->kind == DLG_BPE_RANKS) {
		e.merged = dlg_bpe__lookup(b, p + y[l].start, y[r].end - y[l].start);
		e.rank = e.merged;
	} else {
		if (y[l].id == DLG_BPE_NONE || y[r].id == DLG_BPE_NONE)
			return DLG_OK;
		const merge_slot *m = merge_find(b, (uint64_t)y[l].id << 32 | y[r].id);
		e.merged = m->key == UINT64_MAX ? DLG_BPE_NONE : m->merged;
		e.rank = m->rank;
	}
	return e.merged == DLG_BPE_NONE ? DLG_OK : heap_push(&s->heap, &e, err);
}

static size_t char_len(const char *p, size_t n)
{
	unsigned char c = (unsigned char)p[0];
	size_t len = c < 0xc0 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
	return len < n ? len : n;
}

/* What a final symbol that is no token becomes (dlg_bpe__set_fallback). */
static dlg_status fallback(const dlg_bpe *b, const char *p, size_t n, dlg_buf *ids,
			   dlg_error *err)
{
	bool bytes = b->byte_fallback;
	for (size_t i = 0; bytes && i < n; i++)
		bytes = b->byte_ids[(unsigned char)p[i]] != DLG_BPE_NONE;
	if (bytes) {
		for (size_t i = 0; i < n; i++)
			DLG_TRY(dlg_buf__append(ids, &b->byte_ids[(unsigned char)p[i]],
						sizeof(uint32_t), err));
		return DLG_OK;
	}
	if (b->unk != DLG_BPE_NONE)
		return dlg_buf__append(ids, &b->unk, sizeof b->unk, err);
	char q[64];
	dlg_error__quote(q, sizeof q, p, n);
	return dlg_error__set(err, DLG_E_ARG, 0,
			      "the tokenizer has no token for %s and no unknown token", q);
}

static dlg_status merge_piece(const dlg_bpe *b, dlg_bpe_scratch *s, const char *p, size_t n,
			      dlg_buf *ids, dlg_error *err)
{
	s->syms.len = 0;
	s->heap.len = 0;
	for (size_t i = 0; i < n;) {
		size_t len = b->byte_symbols ? 1 : char_len(p + i, n - i);
		uint32_t k = (uint32_t)DLG_BUF_COUNT(&s->syms, sym);
		sym y = {.start = (uint32_t)i, .end = (uint32_t)(i + len),
			 .id = dlg_bpe__lookup(b, p + i, len), .prev = k ? k - 1 : DLG_BPE_NONE,
			 .next = i + len < n ? k + 1 : DLG_BPE_NONE, .alive = true};
		DLG_TRY(dlg_buf__append(&s->syms, &y, sizeof y, err));
		i += len;
	}
	uint32_t count = (uint32_t)DLG_BUF_COUNT(&s->syms, sym);
	for (uint32_t k = 0; k + 1 < count; k++)
		DLG_TRY(push_pair(b, s, p, k, k + 1, err));
	while (s->heap.len) {
		heap_entry e = heap_pop(&s->heap);
		sym *y = (sym *)(void *)s->syms.data;
		sym *l = &y[e.left], *r = &y[e.right];
		if (!l->alive || !r->alive || l->next != e.right || l->version != e.vleft ||
		    r->version != e.vright)
			continue;
		l->end = r->end;
		l->id = e.merged;
		l->next = r->next;
		l->version++;
		r->alive = false;
		if (l->next != DLG_BPE_NONE)
			y[l->next].prev = e.left;
		uint32_t prev = l->prev, next = l->next;
		if (prev != DLG_BPE_NONE)
			DLG_TRY(push_pair(b, s, p, prev, e.left, err));
		if (next != DLG_BPE_NONE)
			DLG_TRY(push_pair(b, s, p, e.left, next, err));
	}
	for (uint32_t k = 0; k != DLG_BPE_NONE;) {
		const sym *y = &DLG_BUF_AT(&s->syms, sym, k);
		if (y->id != DLG_BPE_NONE)
			DLG_TRY(dlg_buf__append(ids, &y->id, sizeof y->id, err));
		else
			DLG_TRY(fallback(b, p + y->start, y->end - y->start, ids, err));
		k = DLG_BUF_AT(&s->syms, sym, k).next;
	}
	return DLG_OK;
}

static void cache_clear(dlg_bpe_scratch *s)
{
	memset(s->cache, 0, CACHE_SLOTS * sizeof *s->cache);
	s->cache_count = 0;
	s->cache_keys.len = 0;
	s->cache_ids.len = 0;
}

dlg_status dlg_bpe__encode(const dlg_bpe *b, dlg_bpe_scratch *s, const char *p, size_t n,
			   dlg_buf *ids, dlg_error *err)
{
	if (n == 0)
		return DLG_OK;
	if (b->whole_first) {
		uint32_t id = dlg_bpe__lookup(b, p, n);
		if (id != DLG_BPE_NONE)
			return dlg_buf__append(ids, &id, sizeof id, err);
	}
	if (n > CACHE_PIECE)
		return merge_piece(b, s, p, n, ids, err);
	uint64_t h = XXH3_64bits(p, n);
	size_t i = (size_t)h & (CACHE_SLOTS - 1);
	for (;; i = (i + 1) & (CACHE_SLOTS - 1)) {
		const cache_slot *c = &s->cache[i];
		if (c->key_len == 0)
			break;
		if (c->hash == h && c->key_len == n &&
		    memcmp(s->cache_keys.data + c->key_off, p, n) == 0)
			return dlg_buf__append(ids, s->cache_ids.data + c->ids_off,
					       c->ids_len * sizeof(uint32_t), err);
	}
	size_t first = ids->len;
	DLG_TRY(merge_piece(b, s, p, n, ids, err));
	if (s->cache_count >= CACHE_SLOTS / 2 || s->cache_keys.len >= CACHE_BYTES) {
		cache_clear(s);
		for (i = (size_t)h & (CACHE_SLOTS - 1); s->cache[i].key_len;)
			i = (i + 1) & (CACHE_SLOTS - 1);
	}
	cache_slot c = {.hash = h, .key_off = (uint32_t)s->cache_keys.len, .key_len = (uint32_t)n,
			.ids_off = (uint32_t)s->cache_ids.len,
			.ids_len = (uint32_t)((ids->len - first) / sizeof(uint32_t))};
	DLG_TRY(dlg_buf__append(&s->cache_keys, p, n, err));
	DLG_TRY(dlg_buf__append(&s->cache_ids, ids->data + first, ids->len - first, err));
	s->cache[i] = c;
	s->cache_count++;
	return DLG_OK;
}
