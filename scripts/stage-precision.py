#!/usr/bin/env python3
"""Score dlgconv's stage-direction decisions against labelled span sets.

  stage-precision.py DLGCONV [--min-recall PCT] [LABELLED...]
      (default fixtures/stage/labelled.jsonl and labelled-zh.jsonl)

Each labelled entry (fixtures/stage/SOURCES.md) becomes one conversation whose user turn is
the entry's line (after a ``` line when it stood in a fenced block); `dlgconv stats
--stage-spans` says what the conversion decides for every span, and the decisions are
compared with the labels. Prints precision and recall for each language (an entry's "lang",
"en" when it has none: the first set is English but for a few Russian and Spanish lines),
every false direction and every missed one; exits 1 unless precision is 100% in every
language (a span taken for a direction that is text would be cut out of real data), or when
a language's recall is under --min-recall.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ap = argparse.ArgumentParser()
ap.add_argument("dlgconv")
ap.add_argument("labelled", nargs="*")
ap.add_argument("--min-recall", type=float, default=0.0)
args = ap.parse_intermixed_args()
dlgconv = args.dlgconv
stage = os.path.join(os.path.dirname(__file__), "..", "fixtures", "stage")
entries = [json.loads(line)
           for path in args.labelled or [os.path.join(stage, "labelled.jsonl"),
                                         os.path.join(stage, "labelled-zh.jsonl")]
           for line in open(path, encoding="utf-8") if line.strip()]

with tempfile.TemporaryDirectory() as tmp:
    corpus = os.path.join(tmp, "spans.jsonl")
    with open(corpus, "w", encoding="utf-8") as f:
        for e in entries:
            fence = "```\n" if e["in_fence"] else ""
            f.write(json.dumps({"messages": [{"role": "user", "content": fence + e["line"]},
                                             {"role": "assistant", "content": "ok"}]},
                               ensure_ascii=False) + "\n")
    r = subprocess.run([dlgconv, "stats", "--stage-spans", "--no-dedup", "--keep-unicode-spaces",
                        "-q", corpus], capture_output=True)
    if r.returncode != 0:
        sys.exit("stage-precision: dlgconv exit %d: %s" % (r.returncode, r.stderr.decode()))
    decided = {}
    for line in r.stdout.decode().splitlines():
        s = json.loads(line)
        decided.setdefault(s["record"], []).append(s)

score = {}  # lang: [tp, fp, fn, entries]
for k, e in enumerate(entries, 1):
    span = e["line"].encode()[e["start"]:e["end"]].decode()
    # the span at the same place: the content is normalized, so allow for a shifted start
    same = [s for s in decided.get(k, []) if s["span"] == span]
    s = min(same, key=lambda s: abs(s["start"] - e["start"])) if same else None
    direction = bool(s and s["direction"])
    truth = e["label"] == "direction"
    where = "%s %s: %s in %r" % (e["source"], e["where"], span, e["line"][:120])
    counts = score.setdefault(e.get("lang", "en"), [0, 0, 0, 0])
    counts[3] += 1
    if direction and truth:
        counts[0] += 1
    elif direction:
        counts[1] += 1
        print("FALSE DIRECTION: " + where)
    elif truth:
        counts[2] += 1
        print("missed (%s): %s" % (s["why"] if s else "not a candidate", where))
failed = False
for lang, (tp, fp, fn, n) in sorted(score.items()):
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    print("stage directions (%s): %d entries, %d labelled direction; precision %.1f%% (%d/%d), "
          "recall %.1f%% (%d/%d)" % (lang, n, tp + fn, 100 * precision, tp, tp + fp,
                                     100 * recall, tp, tp + fn))
    failed |= fp > 0 or 100 * recall < args.min_recall
sys.exit(1 if failed else 0)
