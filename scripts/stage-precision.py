#!/usr/bin/env python3
"""Score dlgconv's stage-direction decisions against a labelled span set.

  stage-precision.py DLGCONV [LABELLED]   (default fixtures/stage/labelled.jsonl)

Each labelled entry (fixtures/stage/SOURCES.md) becomes one conversation whose user turn is
the entry's line (after a ``` line when it stood in a fenced block); `dlgconv stats
--stage-spans` says what the conversion decides for every span, and the decisions are
compared with the labels. Prints precision and recall, every false direction and every
missed one; exits 1 unless precision is 100% (a span taken for a direction that is text
would be cut out of real data).
"""
import json
import os
import subprocess
import sys
import tempfile

dlgconv = sys.argv[1]
labelled = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
    os.path.dirname(__file__), "..", "fixtures", "stage", "labelled.jsonl")
entries = [json.loads(line) for line in open(labelled, encoding="utf-8") if line.strip()]

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

tp = fp = fn = 0
for k, e in enumerate(entries, 1):
    span = e["line"].encode()[e["start"]:e["end"]].decode()
    # the span at the same place: the content is normalized, so allow for a shifted start
    same = [s for s in decided.get(k, []) if s["span"] == span]
    s = min(same, key=lambda s: abs(s["start"] - e["start"])) if same else None
    direction = bool(s and s["direction"])
    truth = e["label"] == "direction"
    where = "%s %s: %s in %r" % (e["source"], e["where"], span, e["line"][:120])
    if direction and truth:
        tp += 1
    elif direction:
        fp += 1
        print("FALSE DIRECTION: " + where)
    elif truth:
        fn += 1
        print("missed (%s): %s" % (s["why"] if s else "not a candidate", where))
precision = tp / (tp + fp) if tp + fp else 1.0
recall = tp / (tp + fn) if tp + fn else 1.0
print("stage directions: %d entries, %d labelled direction; precision %.1f%% (%d/%d), "
      "recall %.1f%% (%d/%d)" % (len(entries), tp + fn, 100 * precision, tp, tp + fp,
                                 100 * recall, tp, tp + fn))
sys.exit(0 if fp == 0 else 1)
