#!/usr/bin/env python3
"""Property tests of reproducibility and split stability (issue #4), on generated corpora.

  properties_test.py DLGCONV

- byte identity: the same corpus gives the same bytes in every output file across runs,
  thread counts (-j 1, 2, 5) and the order in which the files were created on disk; the
  corpus is large enough for the training split to span several gzip members;
- growth: adding a third more conversations moves none of the earlier ones to another split,
  and a different --seed does move some;
- group keys: with --split-key group, all conversations of one person share a split;
- weights: split sizes follow --split within a few percent.
"""
import gzip
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

from checks import check, finish

dlgconv = sys.argv[1]
WORDS = ("I feel like the week has been long and my manager keeps adding work so I cannot "
         "sleep well lately and it is hard to focus on anything else at home or with friends "
         "maybe a walk would help or talking to someone about how overwhelming it gets").split()



def conversation(rng, n):
    turns = []
    for t in range(rng.randrange(2, 9, 2)):
        role = "Human" if t % 2 == 0 else "Assistant"
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(30, 200)))
        turns.append("### %s: %s %d.%d" % (role, text, n, t))
    return "\n\n".join(turns) + "\n"


def write_corpus(root, items, reverse=False):
    """items: list of (relative path, text); files created in reverse order on request."""
    for rel, text in (reversed(items) if reverse else items):
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)


def convert(corpus, out, *extra):
    r = subprocess.run([dlgconv, "convert", "-q", *extra, corpus, "-o", out, "--force"],
                       capture_output=True)
    check(r.returncode == 0, "convert %s: exit %d %s" % (extra, r.returncode, r.stderr[:500]))


def files(out):
    return {n: open(os.path.join(out, n), "rb").read() for n in sorted(os.listdir(out))}


def split_of_ids(out, splits=("train", "validation", "test")):
    where = {}
    for s in splits:
        with gzip.open(os.path.join(out, s + ".jsonl.gz"), "rt") as f:
            for line in f:
                r = json.loads(line)
                where[r["id"]] = (s, r["source"])
    return where


def members(path):
    data = open(path, "rb").read()
    return data.count(b"\x1f\x8b\x08\x00\x00\x00\x00\x00")


rng = random.Random(1234)
items = [("p%03d/c%05d.txt" % (i % 300, i), conversation(rng, i)) for i in range(6000)]
extra = [("p%03d/d%05d.txt" % (i % 300, i), conversation(rng, 100000 + i)) for i in range(2000)]

with tempfile.TemporaryDirectory() as tmp:
    a = os.path.join(tmp, "a", "corpus")
    b = os.path.join(tmp, "b", "corpus")
    write_corpus(a, items)
    write_corpus(b, items, reverse=True)

    # byte identity
    convert(a, os.path.join(tmp, "o1"), "-j", "1")
    ref = files(os.path.join(tmp, "o1"))
    check(members(os.path.join(tmp, "o1", "train.jsonl.gz")) >= 2,
          "train split fits one gzip member: the test would not see member ordering")
    for label, corpus, j in (("rerun", a, "1"), ("-j 2", a, "2"), ("-j 5", a, "5"),
                             ("files created in reverse", b, "2")):
        out = os.path.join(tmp, "o-" + label.replace(" ", "_"))
        convert(corpus, out, "-j", j)
        got = files(out)
        check(got.keys() == ref.keys(), "%s: other files %s" % (label, list(got)))
        for name in ref:
            check(got.get(name) == ref[name], "%s: %s differs" % (label, name))

    # growth by a third, and a different seed
    before = split_of_ids(os.path.join(tmp, "o1"))
    write_corpus(a, extra)
    convert(a, os.path.join(tmp, "grown"), "-j", "2")
    after = split_of_ids(os.path.join(tmp, "grown"))
    moved = [i for i in before if after.get(i, (None,))[0] != before[i][0]]
    check(len(after) == len(before) + len(extra), "grown: %d records" % len(after))
    check(not moved, "grown: %d conversations changed split" % len(moved))
    convert(a, os.path.join(tmp, "seed"), "--seed", "99")
    reseeded = split_of_ids(os.path.join(tmp, "seed"))
    changed = sum(1 for i in after if reseeded[i][0] != after[i][0])
    check(changed > len(after) // 20, "another seed moved only %d conversations" % changed)

    # weights within 2 percentage points on 8000 conversations
    n = len(after)
    for s, w in (("train", 0.9), ("validation", 0.05), ("test", 0.05)):
        share = sum(1 for v in after.values() if v[0] == s) / n
        check(abs(share - w) < 0.02, "split %s has %.3f of the data, weight %.2f" % (s, share, w))

    # group keys: one person's folder never straddles splits
    out = os.path.join(tmp, "group")
    convert(a, out, "--split-key", "group", "--group-regex", "^corpus/(p[0-9]+)/",
            "--split", "train=0.6,validation=0.2,test=0.2")
    person_split = {}
    for s, source in split_of_ids(out).values():
        person_split.setdefault(source.split("/")[1], set()).add(s)
    straddling = [p for p, s in person_split.items() if len(s) > 1]
    check(len(person_split) == 300, "group: %d people" % len(person_split))
    check(not straddling, "group: %d people in more than one split" % len(straddling))
    used = {next(iter(s)) for s in person_split.values()}
    check(used == {"train", "validation", "test"}, "group: splits used %s" % used)

    # a source the pattern does not match is a group of its own: split as --split-key source
    # splits it
    write_corpus(a, [("corpus/loose/%d.txt" % i, "### Human: loose %d\n### Assistant: ok\n" % i)
                     for i in range(200)])
    weights = ("--split", "train=0.6,validation=0.2,test=0.2")
    convert(a, out, "--split-key", "group", "--group-regex", "^corpus/(p[0-9]+)/", *weights)
    by_group = {src: s for s, src in split_of_ids(out).values() if "/loose/" in src}
    convert(a, os.path.join(tmp, "source"), "--split-key", "source", *weights)
    by_source = {src: s for s, src in split_of_ids(os.path.join(tmp, "source")).values()
                 if "/loose/" in src}
    check(len(by_group) == 200 and by_group == by_source,
          "group: %d of 200 unmatched sources split as by source" %
          sum(1 for k in by_group if by_group[k] == by_source.get(k)))

finish()
