#!/usr/bin/env python3
"""Writes a chat corpus with planted near-duplicates, and what was planted.

    neardup-corpus.py OUT.jsonl N [--seed S] [--truth TRUTH.jsonl] [--short]

OUT.jsonl holds N base conversations ({"messages": [...]}, 2-8 turns of 15-60 made-up
words), and after them, in a shuffled order, a variant of about a quarter of them: 1-5% of
the words edited, the greeting swapped, the last reply regenerated, or (a near miss, which
must not be merged) the second half of the turns regenerated. TRUTH.jsonl has one line per
pair worth checking (the planted variants, and as many pairs of unrelated conversations): {"a": line, "b": line, "kind": ..., "jaccard": exact}, lines 1-based,
with the exact Jaccard similarity of the two conversations' 3-word shingle sets, computed
the way dlgconv's near-dup step reads a conversation (docs/rules.md "Near-duplicates"): words are
runs of letters, marks and digits, lower-cased; each turn starts with a token for its role.
"""
import argparse
import json
import random
import unicodedata

GREETINGS = ["Hi there.", "Hello!", "Good morning.", "Hey, quick question.", "Greetings.",
             "Hi, hope you are well.", "Hello again."]


def words(rng, vocab, n):
    return " ".join(rng.choice(vocab) for _ in range(n))


def sentence_text(rng, vocab, lo, hi):
    return words(rng, vocab, rng.randint(lo, hi)).capitalize() + "."


def base_conversation(rng, vocab, short=False):
    turns = 2 if short else 2 * rng.randint(1, 4)
    msgs = []
    for i in range(turns):
        role = "user" if i % 2 == 0 else "assistant"
        text = sentence_text(rng, vocab, 8, 20) if short else sentence_text(rng, vocab, 15, 60)
        if i == 0:
            text = rng.choice(GREETINGS) + " " + text
        msgs.append({"role": role, "content": text})
    return msgs


def edit_words(rng, vocab, msgs, rate):
    out = []
    for m in msgs:
        ws = m["content"].split(" ")
        for k in range(len(ws)):
            if rng.random() < rate:
                ws[k] = rng.choice(vocab)
        out.append({"role": m["role"], "content": " ".join(ws)})
    return out


def swap_greeting(rng, msgs):
    first = msgs[0]["content"]
    for g in GREETINGS:
        if first.startswith(g):
            first = first[len(g):]
            break
    other = rng.choice(GREETINGS)
    return [{"role": "user", "content": other + first}] + msgs[1:]


def regenerate_last(rng, vocab, msgs):
    last = msgs[-1]
    n = len(last["content"].split(" "))
    return msgs[:-1] + [{"role": last["role"], "content": sentence_text(rng, vocab, n, n)}]


def regenerate_half(rng, vocab, msgs):
    keep = len(msgs) // 2
    return msgs[:keep] + regenerate_all(rng, vocab, msgs[keep:])


def regenerate_all(rng, vocab, msgs):
    return [{"role": m["role"], "content": sentence_text(rng, vocab, 15, 60)} for m in msgs]


def tokens(msgs):
    out = []
    for m in msgs:
        out.append("\x01" + m["role"][0])
        word = []
        for ch in m["content"]:
            if unicodedata.category(ch)[0] in "LMN":
                word.append(ch.lower())
            elif word:
                out.append("".join(word))
                word = []
        if word:
            out.append("".join(word))
    return out


def shingles(msgs):
    t = tokens(msgs)
    if len(t) < 3:
        return {tuple(t)} if t else set()
    return {tuple(t[i:i + 3]) for i in range(len(t) - 2)}


def jaccard(a, b):
    sa, sb = shingles(a), shingles(b)
    if not sa and not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("n", type=int)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--truth")
    p.add_argument("--short", action="store_true",
                   help="one exchange of 8-20 words a turn (the 1M-conversation benchmark)")
    a = p.parse_args()
    rng = random.Random(a.seed)
    letters = "bcdfghjklmnprstvz"
    vowels = "aeiou"
    vocab = sorted({"".join(rng.choice(letters) + rng.choice(vowels)
                            for _ in range(rng.randint(1, 4))) for _ in range(6000)})
    convs = [base_conversation(rng, vocab, a.short) for _ in range(a.n)]
    planted = []
    for i in rng.sample(range(a.n), a.n // 4):
        kind = rng.choice(["edit", "greeting", "last-reply", "half"])
        if kind == "edit":
            v = edit_words(rng, vocab, convs[i], rng.uniform(0.01, 0.05))
        elif kind == "greeting":
            v = swap_greeting(rng, convs[i])
        elif kind == "last-reply":
            v = regenerate_last(rng, vocab, convs[i])
        else:
            v = regenerate_half(rng, vocab, convs[i])
        planted.append((i, v, kind))
    rng.shuffle(planted)
    lines = convs + [v for _, v, _ in planted]
    with open(a.out, "w", encoding="utf-8") as f:
        for msgs in lines:
            f.write(json.dumps({"messages": msgs}) + "\n")
    if not a.truth:
        return
    with open(a.truth, "w", encoding="utf-8") as f:
        for k, (i, v, kind) in enumerate(planted):
            j = a.n + k
            f.write(json.dumps({"a": i + 1, "b": j + 1, "kind": kind,
                                "jaccard": round(jaccard(convs[i], v), 4)}) + "\n")
        for _ in range(len(planted)):
            i, j = rng.sample(range(a.n), 2)
            f.write(json.dumps({"a": min(i, j) + 1, "b": max(i, j) + 1, "kind": "unrelated",
                                "jaccard": round(jaccard(convs[i], convs[j]), 4)}) + "\n")


if __name__ == "__main__":
    main()
