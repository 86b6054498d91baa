#!/usr/bin/env python3
"""Writes a chat corpus with planted near-duplicates, and what was planted.

    neardup-corpus.py OUT.jsonl N [--seed S] [--truth TRUTH.jsonl] [--short]
    neardup-corpus.py OUT.jsonl N --shape SHAPE [--seed S] [--realworld DIR]

OUT.jsonl holds N base conversations ({"messages": [...]}, 2-8 turns of 15-60 made-up
words), and after them, in a shuffled order, a variant of about a quarter of them: 1-5% of
the words edited, the greeting swapped, the last reply regenerated, or (a near miss, which
must not be merged) the second half of the turns regenerated. TRUTH.jsonl has one line per
pair worth checking (the planted variants, and as many pairs of unrelated conversations): {"a": line, "b": line, "kind": ..., "jaccard": exact}, lines 1-based,
with the exact Jaccard similarity of the two conversations' 3-word shingle sets, computed
the way dlgconv's near-dup step reads a conversation (docs/rules.md "Near-duplicates"): words are
runs of letters, marks and digits, lower-cased; a character of a script written without
spaces (Han, kana, Thai, ...) and an emoji (any "other symbol") is a token of its own;
variation selectors and skin tones do not count; each turn starts with a token for its role.

With --shape, OUT.jsonl holds the adversarial set of one shape of short conversation (issue
21): N conversations that share little or nothing, then near-copies of a tenth of them (the
same tokens in other bytes) and edits of another tenth (one token changed). SHAPES names
them; "realworld" takes its turns from the real chats in --realworld (fixtures/realworld).
"""
import argparse
import json
import os
import random
import re
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


# Scripts written without spaces: each of their letters and numbers is a token (with the
# marks after it), as neardup.c's ALONE ranges say.
ALONE = [(0x0E00, 0x0EFF), (0x1000, 0x109F), (0x1780, 0x17FF), (0x3005, 0x3007),
         (0x3040, 0x30FF), (0x31F0, 0x31FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF),
         (0xF900, 0xFAFF), (0xFF66, 0xFF9F), (0x20000, 0x3FFFF)]
# Presentation only: variation selectors and emoji skin tones.
SKIP = [(0xFE00, 0xFE0F), (0x1F3FB, 0x1F3FF), (0xE0100, 0xE01EF)]


def kind(ch):
    cp = ord(ch)
    if any(lo <= cp <= hi for lo, hi in SKIP):
        return "skip"
    cat = unicodedata.category(ch)
    if cat == "So" or (cat[0] in "LN" and any(lo <= cp <= hi for lo, hi in ALONE)):
        return "alone"
    if cat[0] == "M":
        return "mark"
    if cat[0] in "LN":
        return "word"
    return "other"


def tokens(msgs):
    out = []
    for m in msgs:
        out.append("\x01" + m["role"][0])
        word, alone = [], False
        for ch in m["content"]:
            k = kind(ch)
            if k == "skip":
                continue
            if k == "other" or k == "alone" or (k == "word" and alone):
                if word:
                    out.append("".join(word))
                word, alone = [], k == "alone"
                if k == "other":
                    continue
            word.append(ch.lower())
        if word:
            out.append("".join(word))
    return out


def shingles(msgs):
    t = tokens(msgs)
    if all(w.startswith("\x01") for w in t):
        return set()  # role tokens only: similar to nothing, as in neardup.c
    if len(t) < 3:
        return {tuple(t)}
    return {tuple(t[i:i + 3]) for i in range(len(t) - 2)}


def jaccard(a, b):
    return jaccard_sets(shingles(a), shingles(b))


def jaccard_sets(sa, sb):
    if not sa and not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


def similar_pairs(convs, threshold):
    """Every pair (i, j), i < j, of convs whose exact Jaccard is at least threshold, with it:
    {(i, j): J}. Pairs that share no shingle are never looked at."""
    sets = [shingles(c) for c in convs]
    holders = {}
    for i, s in enumerate(sets):
        for sh in s:
            holders.setdefault(sh, []).append(i)
    pairs = {}
    for i, s in enumerate(sets):
        seen = set()
        for sh in s:
            for j in holders[sh]:
                if j > i and j not in seen:
                    seen.add(j)
                    # J >= t needs the smaller set to be at least t times the larger
                    if min(len(s), len(sets[j])) < threshold * max(len(s), len(sets[j])):
                        continue
                    jac = jaccard_sets(s, sets[j])
                    if jac >= threshold:
                        pairs[(i, j)] = jac
    return pairs


# ---- the adversarial shapes of short conversations (issue 21) ----

SHAPES = ["question", "one-word", "chinese", "emoji", "realworld"]
HAN = ("的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着"
       "去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主"
       "行方又如前所本见经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二"
       "理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走"
       "电四第门相次东政海口使教西再平真听世气信北少关并内加化由却代军产入先山五太水万市")
EMOJI = ([chr(c) for c in range(0x1F600, 0x1F650)] + [chr(c) for c in range(0x1F680, 0x1F6C0)] +
         ["\u2764\ufe0f", "\u2600\ufe0f", "\u263a\ufe0f", "\u2b50", "\u2705", "\u270c\ufe0f",
          "\U0001F44D\U0001F3FD", "\U0001F44B\U0001F3FB", "\U0001F468\u200d\U0001F469\u200d\U0001F467",
          "\U0001F1EB\U0001F1F7", "\U0001F389", "\U0001F525", "\U0001F4AF", "\U0001F914"])
# same-token variants: what only case, punctuation, spacing or presentation changes
EMOJI_SAME = {"\u2764\ufe0f": "\u2764", "\u2600\ufe0f": "\u2600",
              "\U0001F44D\U0001F3FD": "\U0001F44D\U0001F3FF", "\U0001F44B\U0001F3FB": "\U0001F44B"}


def realworld_turns(folder):
    """Short turns (at most 12 words) of the real chats in fixtures/realworld, deduplicated,
    in a fixed order."""
    turns = []
    for c in json.load(open(os.path.join(folder, "esconv-failed.json"), encoding="utf-8")):
        turns += [t["content"] for t in c["dialog"]]
    for c in json.load(open(os.path.join(folder, "fastchat-dummy-conversation.json"),
                            encoding="utf-8")):
        turns += [t["value"] for t in c["conversations"]]
    for line in open(os.path.join(folder, "hh-rlhf-harmless-base.jsonl"), encoding="utf-8"):
        for side in json.loads(line).values():
            turns += re.split(r"\n\n(?:Human|Assistant): ", side)[1:]
    for name in sorted(os.listdir(folder)):
        if name.startswith("companion-") and name.endswith(".txt"):
            text = open(os.path.join(folder, name), encoding="utf-8").read()
            chat = text.split("###ENDPREAMBLE###")[-1].split("###ENDSEEDCHAT###")[0]
            turns += [line.split(": ", 1)[1] for line in chat.splitlines() if ": " in line]
    out, seen = [], set()
    for t in turns:
        t = t.strip()
        if t and len(t.split()) <= 12 and t not in seen and tokens([{"role": "user",
                                                                      "content": t}])[1:]:
            seen.add(t)
            out.append(t)
    return out


def alternate(texts):
    return [{"role": "user" if k % 2 == 0 else "assistant", "content": t}
            for k, t in enumerate(texts)]


def shape_conversation(shape, rng, i, vocab, pool):
    if shape == "question":
        return alternate(["?", "answer%d" % i])
    if shape == "one-word":
        return alternate([rng.choice(vocab) for _ in range(rng.choice([2, 2, 4, 6]))])
    if shape == "chinese":
        return alternate(["".join(rng.choice(HAN) for _ in range(rng.randint(2, 12))) +
                          rng.choice(["", "。", "？", "！"])
                          for _ in range(rng.choice([2, 2, 4]))])
    if shape == "emoji":
        return alternate(["".join(rng.choice(EMOJI) for _ in range(rng.randint(1, 4)))
                          for _ in range(rng.choice([2, 2, 4]))])
    return alternate([rng.choice(pool) for _ in range(rng.choice([2, 2, 4]))])


def same_tokens(shape, rng, msgs):
    """msgs in other bytes with the same tokens: J = 1 to it, and not an exact copy."""
    out = []
    for m in msgs:
        t = m["content"]
        if shape == "chinese":
            t = t.rstrip("。？！") + rng.choice(["，", "……", "！！"])
        elif shape == "emoji":
            for k, v in EMOJI_SAME.items():
                t = t.replace(k, v)
            t = " " + t + " !"
        else:
            t = t.upper() + "!"
        out.append({"role": m["role"], "content": t})
    return out


def one_token_changed(shape, rng, msgs, vocab, pool):
    """msgs with one token of its last turn replaced (or its last turn, for realworld)."""
    last = msgs[-1]["content"]
    if shape == "chinese":
        k = rng.randrange(len(last.rstrip("。？！")))
        last = last[:k] + rng.choice(HAN) + last[k + 1:]
    elif shape == "emoji":
        last = last + rng.choice(EMOJI)
    elif shape == "realworld":
        last = rng.choice(pool)
    elif shape == "question":
        last = last + " more"
    else:
        last = rng.choice(vocab)
    return msgs[:-1] + [{"role": msgs[-1]["role"], "content": last}]


def adversarial(shape, n, seed=1, realworld=None):
    """The adversarial set of one shape: (conversations, planted), planted being the pairs
    (a, b) of 0-based indices, b a same-token copy or a one-token edit of a."""
    rng = random.Random("%s-%d" % (shape, seed))
    vocab = sorted({"".join(rng.choice("bcdfghjklmnprstvz") + rng.choice("aeiou")
                            for _ in range(rng.randint(1, 3))) for _ in range(1500)})
    pool = realworld_turns(realworld) if shape == "realworld" else None
    convs = [shape_conversation(shape, rng, i, vocab, pool) for i in range(n)]
    planted = [(i, same_tokens(shape, rng, convs[i])) for i in rng.sample(range(n), n // 10)]
    planted += [(i, one_token_changed(shape, rng, convs[i], vocab, pool))
                for i in rng.sample(range(n), n // 10)]
    rng.shuffle(planted)
    return convs + [v for _, v in planted], [(i, n + k) for k, (i, _) in enumerate(planted)]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("n", type=int)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--truth")
    p.add_argument("--short", action="store_true",
                   help="one exchange of 8-20 words a turn (the 1M-conversation benchmark)")
    p.add_argument("--shape", choices=SHAPES, help="an adversarial set of short conversations")
    p.add_argument("--realworld", help="fixtures/realworld, for --shape realworld")
    a = p.parse_args()
    if a.shape:
        convs, _ = adversarial(a.shape, a.n, a.seed, a.realworld)
        with open(a.out, "w", encoding="utf-8") as f:
            for msgs in convs:
                f.write(json.dumps({"messages": msgs}, ensure_ascii=False) + "\n")
        return
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
