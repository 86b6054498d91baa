/*
 * neardup.c - near-duplicate conversations: a MinHash signature per conversation and an
 * LSH index that finds, for a new signature, the earliest earlier one like it (issue 14).
 * Uses buf.c and error.c; utf8proc to tell words, XXH3 for every hash.
 *
 * Text -> shingles. A conversation is the sequence of its turns' tokens, each turn preceded
 * by a token for its role, so that moving text from one speaker to the other changes it. A
 * token is a word: a maximal run of letters, marks and numbers (Unicode categories L*, M*,
 * N*), lower-cased, so that case, punctuation and spacing, the things a light edit of a
 * copy changes, do not count; or a character of its own: an "other symbol" (So: emoji,
 * dingbats) or a letter of a script written without spaces (Han, kana, Thai, ...:
 * alone_ranges), with the marks after it. Variation selectors and emoji skin tones do not
 * count. Shingles are the windows of 3 consecutive tokens (all of them, with fewer than 3),
 * each hashed once with XXH3-64 over the tokens' bytes joined by a NUL (which no token
 * contains). Before issue 21 a sentence of Chinese was one word, so two-turn conversations
 * had two shingles, and emoji were nothing at all.
 *
 * Signature. One-permutation MinHash (Li, Owen & Zhang 2012): the top 8 bits of a
 * shingle's hash choose one of 256 bins and the rest is its value; a bin keeps its least
 * value. One hash per shingle, where classic MinHash needs 256. Bins no shingle fell in
 * (a conversation needs some 1,500 shingles to leave none empty) take the value of a
 * non-empty bin chosen by optimal densification (Shrivastava 2017): empty bin i probes bins
 * XXH3(i, seed = 1, 2, ...) mod 256 until one was filled by a shingle; this keeps the
 * chance that two signatures agree in a bin equal to their Jaccard similarity. Only 4 bits
 * of each bin are kept (b-bit minwise hashing, Li & Koenig 2010): 128 bytes a conversation.
 * A filled bin keeps its value's low 4 bits, an empty one 4 bits of a hash of the value it
 * took and its own number (copied_bits() says why), so that two unrelated bins agree with
 * chance 1/16 each, independently; the share m of equal bins then estimates
 * J = (m - 1/16) / (1 - 1/16); with 256 bins its standard error is about 0.023 at J = 0.85.
 *
 * Exact sets. The estimate is right on average, but near the threshold it errs either way
 * by its standard error, and a short conversation's pairs sit there: an edit of one word
 * changes up to 3 of n shingles, J = (n - 3) / (n + 3), which is below 0.8 exactly when
 * n < 27 (a word edited in a short reply, a greeting swapped). So a conversation of at most
 * DLG_NEARDUP_EXACT = 32 distinct shingles keeps its set (32-bit fingerprints: 128 bytes at
 * most, no more than the signature), and a candidate is confirmed against it: two kept sets
 * give the exact Jaccard; a kept one of n against one not kept (more than 32) gives at most
 * n / 33, which rejects it at 0.8 for n < 27. Every pair with a conversation of up to 26
 * shingles is thus decided exactly at the default threshold; pairs of two larger ones by the
 * estimate, as before. Fingerprints of two different shingles are equal with chance 2^-32,
 * which could only add one shingle to an intersection. Distinct shingles are counted in a
 * small table while a conversation is signed, up to 33 of them (more: too many to keep).
 *
 * A conversation without a single token has the empty signature, similar to nothing: its
 * shingles would be role tokens only, and every such conversation ("...", "?!") would be a
 * copy of every other.
 *
 * Index. LSH banding: bins 0-127 form 16 bands of 8 bins, and a band's key is its eight
 * 4-bit values (32 bits). Two conversations of similarity J share a band with chance
 * p^8, p = J + (1 - J) / 16, so at least one of 16 with chance 1 - (1 - p^8)^16: 0.97
 * at J = 0.8, 0.996 at 0.85, 0.1 at 0.5. Each band has an open-addressing table from key
 * to the first id that had the key (ids count insertions from 0); a later holder of the
 * same key is reached through its other bands, and when it is a near copy of the first
 * holder the first is the answer anyway. Candidates are verified (exactly, or against the
 * whole signature) in ascending id order, so the earliest near duplicate wins and the
 * answer does not depend on table layout.
 *
 * Memory. Per id: its 128 signature bytes, its conversation id (16), cluster (4), where its
 * exact set is (4), the set's size, tag and a flag (1 each): 156 bytes with padding; per band
 * and distinct key: a 4-byte slot (the id; the key is read back from the signature) at a
 * load of 3/8 to 3/4 (tables double at 3/4); per conversation of at most 32 shingles, 4
 * bytes a shingle, in chunks of 256 KiB that are never copied. Arrays double, so for
 * N >= 1024 conversations the index takes at most
 *     156 * 2^ceil(log2 N) + 16 * 4 * 2^ceil(log2(N / 0.75)) + 128 * N   bytes,
 * plus the old copy of what is doubling: 220-440 bytes a conversation, by where N falls
 * between powers of two, and up to 128 more for a short one's exact set. For 1M
 * conversations, 156 MiB + 128 MiB, and at most 122 MiB of exact sets (67 MiB for measure
 * 8's one-exchange chats, two thirds of which have 32 shingles or fewer).
 * Texts are never kept.
 */
#include "neardup.h"
#include "buf.h"
#include "error.h"
#include "unit.h"

#include <pthread.h>
#include <string.h>
#include <utf8proc.h>
/* xxHash's own header-only mode: the same functions compiled in here, so that the few
 * hundred hashes of a conversation do not each pay a call into the shared library */
#define XXH_INLINE_ALL
#include <xxhash.h>

#define BINS DLG_NEARDUP_BINS
#define NO_VALUE UINT64_MAX   /* a bin no shingle fell in: values have 56 bits */
#define TOKEN_SEPARATOR '\0'

_Static_assert(UTF8PROC_CATEGORY_LU == 1 && UTF8PROC_CATEGORY_MN == 6 &&
		       UTF8PROC_CATEGORY_ME == 8 && UTF8PROC_CATEGORY_NO == 11,
	       "letters, marks and numbers are categories LU to NO, marks MN to ME");

/* ---- signature ---- */

/* Slots of the table of a conversation's distinct shingles while there are few: at most
 * DLG_NEARDUP_MANY of them are ever taken, so it stays at most about half full. */
#define SEEN (2 * DLG_NEARDUP_EXACT)
_Static_assert(DLG_NEARDUP_MANY < SEEN && (SEEN & (SEEN - 1)) == 0, "a power of two, half free");

typedef struct shingler {
	uint64_t mins[BINS];
	size_t start[4]; /* offsets in the scratch buffer of the last four tokens, oldest first */
	uint64_t tokens;
	bool words;
	uint64_t seen[SEEN]; /* open addressing: the distinct shingle hashes (0: free) */
	size_t n_seen;       /* counted up to DLG_NEARDUP_MANY, where it stops */
	const volatile sig_atomic_t *cancel; /* options.cancel, looked at per stride of text */
	bool canceled;       /* it asked, and the tokens stopped short */
} shingler;

/* A shingle hash into the table of distinct ones, until it holds more than the exact set may;
 * past that, the cost is one predictable branch. */
static void remember(shingler *sh, uint64_t h)
{
	uint64_t key = h | !h; /* 0 marks a free slot: a hash of 0 is stored as 1 */
	size_t i = (size_t)key & (SEEN - 1);
	while (sh->seen[i] != 0 && sh->seen[i] != key)
		i = (i + 1) & (SEEN - 1);
	sh->n_seen += sh->seen[i] == 0;
	sh->seen[i] = key;
}

static void add_shingle(shingler *sh, uint64_t h)
{
	uint64_t value = h & (NO_VALUE >> 8);
	size_t bin = (size_t)(h >> 56);
	uint64_t least = sh->mins[bin];
	sh->mins[bin] = value < least ? value : least; /* no branch: which is less is a toss-up */
	if (sh->n_seen < DLG_NEARDUP_MANY)
		remember(sh, h);
}

/*
 * The token at buf[start, end) is complete: separate it, and hash the shingle that the
 * token before it ended (tokens are one separator apart). Hashing a token late keeps the
 * hash's loads off bytes stored moments ago, which they would have to wait for. Returns
 * where the next token starts; positions go by value because every byte stored through
 * `buf` (a char *) could alias them and keep them out of registers.
 */
static size_t end_token(shingler *sh, char *buf, size_t start, size_t end)
{
	memmove(sh->start, sh->start + 1, 3 * sizeof *sh->start);
	sh->start[3] = start;
	if (++sh->tokens >= 4)
		add_shingle(sh, XXH3_64bits(buf + sh->start[0], start - 1 - sh->start[0]));
	buf[end] = TOKEN_SEPARATOR;
	return end + 1;
}

/* What a code point is to the tokenizer. */
typedef enum cp_class {
	CP_OTHER, /* ends a token: spaces, punctuation, most symbols */
	CP_WORD,  /* a letter or number of a word (letters, numbers, marks: L*, N*, M*) */
	CP_MARK,  /* a mark (M*): continues a word or a token of its own, else starts a word */
	CP_ALONE, /* a token of its own: an "other symbol" (So: emoji, dingbats, ...), or a
		     letter or number of a script written without spaces */
	CP_SKIP   /* not there at all: a variation selector or an emoji skin tone */
} cp_class;

/* Code points of the scripts written without spaces between words, where a run of letters
 * would be a whole sentence (one token): Thai and Lao, Myanmar, Khmer, 々〆〇, kana, CJK
 * ideographs (extension A, unified, compatibility, halfwidth katakana, the supplementary
 * planes). Each of their letters and numbers is a token, so shingles are 3-grams of
 * characters there, the usual unit for such text. */
static const uint32_t alone_ranges[][2] = {
	{ 0x0E00, 0x0EFF },   { 0x1000, 0x109F }, { 0x1780, 0x17FF }, { 0x3005, 0x3007 },
	{ 0x3040, 0x30FF },   { 0x31F0, 0x31FF }, { 0x3400, 0x4DBF }, { 0x4E00, 0x9FFF },
	{ 0xF900, 0xFAFF },   { 0xFF66, 0xFF9F }, { 0x20000, 0x3FFFF },
};

static bool in_alone_script(utf8proc_int32_t cp)
{
	for (size_t k = 0; k < sizeof alone_ranges / sizeof alone_ranges[0]; k++)
		if ((uint32_t)cp >= alone_ranges[k][0] && (uint32_t)cp <= alone_ranges[k][1])
			return true;
	return false;
}

/*
 * The class of the code point at s[0, len) (len > 0), which is *n bytes long. For a
 * CP_WORD, CP_MARK or CP_ALONE, it is written lower-cased at `out`, *w_out bytes. The ASCII
 * word characters are exactly [0-9A-Za-z], so plain text needs no utf8proc look-up.
 */
static cp_class classify(char *out, size_t *w_out, const uint8_t *s, size_t len, size_t *n)
{
	*w_out = 0;
	if (s[0] < 0x80) {
		*n = 1;
		if ((unsigned)(s[0] - '0') < 10u) {
			*out = (char)s[0];
			*w_out = 1;
			return CP_WORD;
		}
		uint8_t lower = s[0] | 0x20;
		if ((unsigned)(lower - 'a') < 26u) {
			*out = (char)lower;
			*w_out = 1;
			return CP_WORD;
		}
		return CP_OTHER;
	}
	utf8proc_int32_t cp;
	utf8proc_ssize_t cp_len = utf8proc_iterate(s, (utf8proc_ssize_t)len, &cp);
	/* normalized text is valid UTF-8; were it not, a bad byte would just end a word */
	*n = cp_len > 0 ? (size_t)cp_len : 1;
	if (cp_len <= 0)
		return CP_OTHER;
	/* presentation only: an edit that adds or drops one is a light one */
	if ((cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0x1F3FB && cp <= 0x1F3FF) ||
	    (cp >= 0xE0100 && cp <= 0xE01EF))
		return CP_SKIP;
	utf8proc_category_t c = utf8proc_category(cp);
	cp_class k;
	if (c == UTF8PROC_CATEGORY_SO)
		k = CP_ALONE;
	else if (c >= UTF8PROC_CATEGORY_MN && c <= UTF8PROC_CATEGORY_ME)
		k = CP_MARK;
	else if (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_NO)
		k = in_alone_script(cp) ? CP_ALONE : CP_WORD;
	else
		return CP_OTHER;
	*w_out = (size_t)utf8proc_encode_char(utf8proc_tolower(cp), (uint8_t *)out);
	return k;
}

/*
 * Eight bytes of text at once: one bit (0x80) per byte in *word_out for each ASCII letter or
 * digit, and the bytes with letters lower-cased as the result. Bytes from 0x80 are no word's
 * here: the caller looks at them one code point at a time.
 */
static uint64_t lower_ascii8(uint64_t *word_out, uint64_t x)
{
	/* with the top bits clear, adding (0x80 - c) sets a byte's top bit exactly when the
	 * byte is >= c, and carries into no other byte */
	uint64_t x7 = x & ~DLG_HIGHS;
	uint64_t digit = (x7 + DLG_ONES * (0x80 - '0')) & ~(x7 + DLG_ONES * (0x80 - '9' - 1));
	uint64_t folded = x7 | DLG_ONES * 0x20;
	uint64_t letter =
		(folded + DLG_ONES * (0x80 - 'a')) & ~(folded + DLG_ONES * (0x80 - 'z' - 1));
	*word_out = (digit | letter) & ~x & DLG_HIGHS;
	return x7 | (letter & ~x & DLG_HIGHS) >> 2;
}

/* The index of the first byte whose 0x80 bit is set in `mask` (not 0), in memory order. */
static size_t first_byte(uint64_t mask)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return (size_t)__builtin_clzll(mask) / 8;
#else
	return (size_t)__builtin_ctzll(mask) / 8;
#endif
}

/* Room turn_tokens() needs for a turn of `len` bytes: a token of k bytes takes at most 2k
 * with its separator (an ASCII letter stays one byte, a longer code point grows by at most
 * one byte lower-cased, and a token of its own is at least 2 bytes long); the role token
 * takes 3; eight bytes go at once. */
#define TURN_ROOM(len) (2 * (len) + 4 + 8)

/*
 * The role token and the words of one turn onto buf at `at`; returns where they end. Plain
 * ASCII goes 8 bytes at a time, so that a word costs a few steps and one branch the
 * predictor cannot know (where it ends) rather than a few per byte.
 */
static size_t turn_tokens(shingler *sh, char *buf, size_t at, dlg_role role, const char *text,
			  size_t len)
{
	static const char role_tokens[][2] = {
		[DLG_ROLE_SYSTEM] = { 1, 's' },
		[DLG_ROLE_USER] = { 1, 'u' },
		[DLG_ROLE_ASSISTANT] = { 1, 'a' },
		[DLG_ROLE_TOOL] = { 1, 't' },
	};
	DLG_ASSERT((size_t)role < sizeof role_tokens / sizeof role_tokens[0]);
	memcpy(buf + at, role_tokens[role], 2);
	at = end_token(sh, buf, at, at + 2);

	const uint8_t *s = (const uint8_t *)text;
	size_t i = 0, polled = 0;
	for (;;) {
		if (i - polled >= DLG_CANCEL_STRIDE) {
			polled = i;
			if ((sh->canceled = dlg_unit__cancel_asked(sh->cancel)))
				return at;
		}
		/* to the first code point of a token */
		size_t n, w = 0;
		cp_class k = CP_OTHER;
		while (k != CP_WORD && k != CP_MARK && k != CP_ALONE) {
			if (i + 8 <= len) {
				uint64_t x = dlg_load64(text + i), word;
				lower_ascii8(&word, x);
				uint64_t look = word | (x & DLG_HIGHS);
				if (!look) {
					i += 8;
					continue;
				}
				i += first_byte(look);
			}
			if (i == len)
				return at;
			k = classify(buf + at, &w, s + i, len - i, &n);
			i += n;
		}
		size_t start = at;
		at += w;
		if (k == CP_ALONE) {
			/* a token of its own, with the marks after it */
			while (i < len) {
				k = classify(buf + at, &w, s + i, len - i, &n);
				if (k != CP_MARK && k != CP_SKIP)
					break;
				i += n;
				at += w;
			}
			sh->words = true;
			at = end_token(sh, buf, start, at);
			continue;
		}
		/* to its end */
		while (i < len) {
			if (i + 8 <= len) {
				uint64_t x = dlg_load64(text + i), word;
				uint64_t lower = lower_ascii8(&word, x);
				/* the bytes past the word are written over later */
				memcpy(buf + at, &lower, 8);
				uint64_t stop = ~word & DLG_HIGHS;
				if (!stop) {
					i += 8;
					at += 8;
					continue;
				}
				n = first_byte(stop);
				i += n;
				at += n;
				if (s[i] < 0x80) {
					i++;
					break;
				}
			}
			k = classify(buf + at, &w, s + i, len - i, &n);
			if (k == CP_ALONE)
				break; /* the next token, read again from there */
			i += n;
			if (k == CP_OTHER)
				break;
			at += w; /* nothing for a CP_SKIP */
		}
		sh->words = true;
		at = end_token(sh, buf, start, at);
	}
}

/*
 * The value of each bin, empty ones filled by optimal densification: empty bin i takes the
 * value of the first bin XXH3(i, seed = attempt) mod 256, attempt = 1, 2, ..., that a
 * shingle filled. Every bin reaches every other within 2915 attempts (the unit tests check
 * it), so this ends.
 *
 * Whether an attempt hits is a coin toss when about half the bins are filled, the common
 * case, and a mispredicted branch costs more than the hash. So attempts go in rounds, one
 * for each bin still empty, without branches. A short conversation fills few bins (four
 * shingles, four of 256), and a round over the empty ones then finds a hit in one of 64:
 * so with FEW_FILLED bins or fewer, it goes the other way, from each filled bin through
 * every (attempt, bin) whose probe lands on it, in the order of attempts (the probes
 * inverted, computed once), each empty bin keeping its earliest. Either way each bin takes
 * the first attempt that hits. Past the attempts computed once, one bin at a time.
 */
/* The bins empty bin `bin` probes at attempts 1..PROBED, and, for each bin f, the attempts
 * and bins whose probe lands on f (landing_attempt and landing_bin from landing_at[f] to
 * landing_at[f + 1]), computed once: hashing each probe, then rounds over the empty bins,
 * were most of a short conversation's signature. */
#define PROBED 512
#define FEW_FILLED 8
static uint8_t probe_bins[PROBED][BINS];
static uint32_t landing_at[BINS + 1];
static uint16_t landing_attempt[PROBED * BINS];
static uint8_t landing_bin[PROBED * BINS];
static pthread_once_t probe_bins_once = PTHREAD_ONCE_INIT;

static void fill_probe_bins(void)
{
	for (size_t a = 0; a < PROBED; a++)
		for (size_t i = 0; i < BINS; i++) {
			/* hashed as one byte: the same on every machine */
			uint8_t bin = (uint8_t)i;
			probe_bins[a][i] = (uint8_t)(XXH3_64bits_withSeed(&bin, 1, a + 1) % BINS);
		}
	/* counting sort of the (attempt, bin) pairs by where they land, attempts ascending */
	for (size_t a = 0; a < PROBED; a++)
		for (size_t i = 0; i < BINS; i++)
			landing_at[probe_bins[a][i] + 1]++;
	for (size_t f = 0; f < BINS; f++)
		landing_at[f + 1] += landing_at[f];
	uint32_t at[BINS];
	memcpy(at, landing_at, sizeof at);
	for (size_t a = 0; a < PROBED; a++)
		for (size_t i = 0; i < BINS; i++) {
			uint32_t k = at[probe_bins[a][i]]++;
			landing_attempt[k] = (uint16_t)(a + 1);
			landing_bin[k] = (uint8_t)i;
		}
}

static size_t probed_bin(uint8_t bin, uint64_t attempt)
{
	if (attempt <= PROBED)
		return probe_bins[attempt - 1][bin];
	return XXH3_64bits_withSeed(&bin, 1, attempt) % BINS;
}

size_t dlg_neardup__probed_bin(uint8_t bin, uint64_t attempt)
{
	pthread_once(&probe_bins_once, fill_probe_bins);
	return probed_bin(bin, attempt);
}

/*
 * The 4 bits empty bin `bin` keeps of `least`, the value of the bin it took it from: not
 * least's own low bits but a hash of it with the bin's number (splitmix64's mixer). With
 * least's bits copied as they were, a conversation of one shingle had the same 4 bits in
 * all 256 bins, so any two such conversations agreed everywhere with chance 1/16 ("?" then
 * "answer<i>": 1,000 distinct conversations fell into 16 "near-duplicate" clusters), and
 * two of a few shingles agreed in whole blocks of bins at once. Hashed with the bin, two
 * bins that copy different values agree by a chance of 1/16 of their own, as b-bit
 * minwise hashing assumes; two that copy the same value (the same least shingle of both
 * conversations) still agree, so the chance of agreeing stays the Jaccard similarity.
 */
static uint8_t copied_bits(uint64_t least, size_t bin)
{
	uint64_t z = least ^ (uint64_t)(bin + 1) * 0x9E3779B97F4A7C15ULL;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return (uint8_t)((z ^ (z >> 31)) & 15);
}

static void densify(uint8_t values[BINS], const uint64_t mins[BINS])
{
	pthread_once(&probe_bins_once, fill_probe_bins);
	uint8_t left[BINS], filled[BINS]; /* bins empty and filled, in ascending order */
	size_t n_left = 0, n_filled = 0;
	for (size_t i = 0; i < BINS; i++) {
		values[i] = (uint8_t)(mins[i] & 15);
		if (mins[i] == NO_VALUE)
			left[n_left++] = (uint8_t)i;
		else
			filled[n_filled++] = (uint8_t)i;
	}
	uint64_t attempt = 1;
	if (n_filled <= FEW_FILLED) {
		/* each empty bin's earliest attempt that lands on a filled bin, and that bin */
		uint16_t first[BINS];
		uint8_t from[BINS];
		for (size_t e = 0; e < n_left; e++)
			first[left[e]] = PROBED + 1;
		for (size_t k = 0; k < n_filled; k++) {
			uint8_t f = filled[k];
			for (uint32_t j = landing_at[f]; j < landing_at[f + 1]; j++) {
				uint8_t bin = landing_bin[j];
				/* a filled bin has no use for it: its own value stands */
				if (mins[bin] == NO_VALUE && landing_attempt[j] < first[bin]) {
					first[bin] = landing_attempt[j];
					from[bin] = f;
				}
			}
		}
		size_t kept = 0;
		for (size_t e = 0; e < n_left; e++) {
			uint8_t bin = left[e];
			if (first[bin] <= PROBED)
				values[bin] = copied_bits(mins[from[bin]], bin);
			else
				left[kept++] = bin;
		}
		n_left = kept;
		attempt = PROBED + 1;
	}
	/* many filled: a round over the empty bins, without branches */
	for (size_t hits = n_left; attempt <= PROBED && n_left > 0 && hits * 4 >= n_left;
	     attempt++) {
		size_t kept = 0;
		for (size_t e = 0; e < n_left; e++) {
			uint8_t bin = left[e];
			uint64_t m = mins[probe_bins[attempt - 1][bin]];
			uint8_t hit = m != NO_VALUE;
			values[bin] ^= (values[bin] ^ copied_bits(m, bin)) & (uint8_t)-hit;
			left[kept] = bin;
			kept += !hit;
		}
		hits = n_left - kept;
		n_left = kept;
	}
	for (size_t e = 0; e < n_left; e++) {
		uint8_t bin = left[e];
		for (uint64_t a = attempt;; a++) {
			uint64_t m = mins[probed_bin(bin, a)];
			if (m != NO_VALUE) {
				values[bin] = copied_bits(m, bin);
				break;
			}
		}
	}
}

/* The conversation's exact set into out->exact, when it has few enough shingles: each
 * hash's low 32 bits (the bin took the top 8), ascending, each once. */
static void exact_set(dlg_neardup_sig *out, const shingler *sh)
{
	if (sh->n_seen > DLG_NEARDUP_EXACT) {
		out->n_exact = DLG_NEARDUP_MANY;
		return;
	}
	/* insertion sort: at most 32, and qsort's calls cost more than the moves */
	size_t n = 0;
	for (size_t i = 0; i < SEEN; i++) {
		if (sh->seen[i] == 0)
			continue;
		uint32_t fp = (uint32_t)sh->seen[i];
		size_t at = n;
		while (at > 0 && out->exact[at - 1] > fp)
			at--;
		if (at > 0 && out->exact[at - 1] == fp)
			continue; /* two hashes with the same low 32 bits: one fingerprint */
		memmove(out->exact + at + 1, out->exact + at, (n - at) * sizeof *out->exact);
		out->exact[at] = fp;
		n++;
	}
	out->n_exact = (uint8_t)n;
}

dlg_status dlg_neardup__signature(dlg_neardup_sig *out, const dlg_unit *u, dlg_buf *scratch,
				  dlg_error *err)
{
	shingler sh;
	for (size_t i = 0; i < BINS; i++)
		sh.mins[i] = NO_VALUE;
	memset(sh.start, 0, sizeof sh.start);
	sh.tokens = 0;
	sh.words = false;
	memset(sh.seen, 0, sizeof sh.seen);
	sh.n_seen = 0;
	sh.cancel = u->ctx->opts->cancel;
	sh.canceled = false;
	scratch->len = 0;
	size_t n_turns = DLG_BUF_COUNT(&u->turns, dlg_turn), unpolled = 0;
	for (size_t t = 0; t < n_turns; t++) {
		const dlg_turn *turn = &DLG_BUF_AT(&u->turns, dlg_turn, t);
		/* a stride of text in one turn or in many (millions of tiny turns) */
		if ((unpolled += turn->text.len + 1) >= DLG_CANCEL_STRIDE) {
			unpolled = 0;
			DLG_TRY(dlg_unit__check_cancel(u, err));
		}
		if (turn->text.len > SIZE_MAX / 2 - 12)
			return dlg_error__set(err, DLG_E_LIMIT, 0, "turn too long to compare");
		DLG_TRY(dlg_buf__reserve(scratch, TURN_ROOM(turn->text.len), err));
		scratch->len = turn_tokens(&sh, scratch->data, scratch->len, turn->role,
					   u->text.data + turn->text.off, turn->text.len);
		if (sh.canceled)
			return dlg_error__set(err, DLG_E_CANCELED, 0, "interrupted");
	}
	memset(out, 0, sizeof *out);
	if (!sh.words) {
		out->empty = true;
		return DLG_OK;
	}
	/* the last shingle; with fewer than 3 tokens, all of them */
	size_t last = sh.tokens < 3 ? 0 : sh.start[1];
	add_shingle(&sh, XXH3_64bits(scratch->data + last, scratch->len - 1 - last));
	uint8_t values[BINS];
	densify(values, sh.mins);
	for (size_t k = 0; k < BINS / 2; k++)
		out->nib[k] = (uint8_t)(values[2 * k] | values[2 * k + 1] << 4);
	exact_set(out, &sh);
	return DLG_OK;
}

/* Bins with equal 4-bit values: XOR, then one bit per nibble that is not zero. */
static unsigned equal_bins(const uint8_t *a, const uint8_t *b)
{
	unsigned differ = 0;
	for (size_t k = 0; k < BINS / 2; k += 8) {
		uint64_t x = dlg_load64((const char *)a + k) ^ dlg_load64((const char *)b + k);
		x = (x | x >> 1 | x >> 2 | x >> 3) & 0x1111111111111111ULL;
		differ += (unsigned)__builtin_popcountll(x);
	}
	return BINS - differ;
}

static double estimate(const uint8_t *a, const uint8_t *b)
{
	double chance = 1.0 / 16;
	double j = ((double)equal_bins(a, b) / BINS - chance) / (1 - chance);
	return j < 0 ? 0 : j;
}

/* |A n B| / |A u B| of two exact sets (ascending fingerprints). */
static double exact_jaccard(const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
	size_t both = 0;
	for (size_t i = 0, j = 0; i < na && j < nb;) {
		if (a[i] == b[j]) {
			both++;
			i++;
			j++;
		} else if (a[i] < b[j]) {
			i++;
		} else {
			j++;
		}
	}
	return (double)both / (double)(na + nb - both);
}

/*
 * The similarity of two non-empty conversations, from their signatures (nib), their numbers
 * of distinct shingles (n: 1 .. DLG_NEARDUP_EXACT, or DLG_NEARDUP_MANY) and, with few, their
 * exact sets. Both sets known: their exact Jaccard. One known, of n shingles: the other has
 * more than DLG_NEARDUP_EXACT, so J <= n / DLG_NEARDUP_MANY, which caps the estimate.
 */
double dlg_neardup__similarity_of(const uint8_t *nib_a, size_t n_a, const uint32_t *set_a,
				  const uint8_t *nib_b, size_t n_b, const uint32_t *set_b)
{
	if (n_a <= DLG_NEARDUP_EXACT && n_b <= DLG_NEARDUP_EXACT)
		return exact_jaccard(set_a, n_a, set_b, n_b);
	double j = estimate(nib_a, nib_b);
	size_t fewer = n_a < n_b ? n_a : n_b;
	double most = (double)fewer / DLG_NEARDUP_MANY;
	return j < most ? j : most;
}

double dlg_neardup__similarity(const dlg_neardup_sig *a, const dlg_neardup_sig *b)
{
	if (a->empty || b->empty)
		return 0;
	return dlg_neardup__similarity_of(a->nib, a->n_exact, a->exact, b->nib, b->n_exact,
					  b->exact);
}
