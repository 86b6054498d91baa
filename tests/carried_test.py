#!/usr/bin/env python3
"""Property test of the rule that no field is dropped without a word (docs/rules.md "Fields
not carried"), on generated records of every shape dlgconv reads.

  carried_test.py DLGCONV

Random fields are added to records and to their messages, some of them named by
--keep-fields or --keep-message-fields. After convert, every added field is either in the
output (a kept record field in meta, a kept message field in each message, with its value)
or named by one W322 of its file, whose count is the number of records that had it; a kept
field is never named, and no W322 names a field the input did not have.
"""
import gzip
import json
import os
import random
import re
import subprocess
import sys
import tempfile

from checks import check, finish

dlgconv = sys.argv[1]
rng = random.Random(20)
LETTERS = "abcdefghijklmnopqrstuvwxyzé"


def field_name():
    return "x_" + "".join(rng.choice(LETTERS) for _ in range(rng.randrange(1, 6)))


def value():
    return rng.choice([rng.randrange(-5, 10**6), "v%d" % rng.randrange(100), True, None,
                       [1, 2], {"k": "w"}, 1.5])


def say(i):
    return "words %d of a turn %d" % (i, rng.randrange(10**6))


def record(i, shape):
    """A record of `shape` and its messages (the dicts extra message fields go into)."""
    if shape == "openai":
        msgs = [{"role": "user", "content": say(i)}, {"role": "assistant", "content": say(i)}]
        return {"messages": msgs}, msgs
    if shape == "sharegpt":
        msgs = [{"from": "human", "value": say(i)}, {"from": "gpt", "value": say(i)}]
        return {"conversations": msgs, "system": "be kind %d" % i}, msgs
    if shape == "alpaca":
        return {"instruction": say(i), "input": say(i) if i % 2 else "", "output": say(i),
                "history": [[say(i), say(i)]], "system": "sys %d" % i}, []
    if shape == "preference":
        prompt = [{"role": "user", "content": say(i)}]
        chosen = [{"role": "assistant", "content": say(i)}]
        return {"prompt": prompt, "chosen": chosen}, prompt + chosen
    return {"prompt": say(i), "completion": say(i)}, []  # prompt/completion


def dataset(out):
    """The records of every split file of `out`."""
    recs = []
    for name in sorted(os.listdir(out)):
        if name.endswith(".jsonl.gz") and name != "rejects.jsonl.gz":
            with gzip.open(os.path.join(out, name), "rt") as f:
                recs += [json.loads(line) for line in f]
    return recs


def messages_of(rec):
    return rec.get("messages") or (rec.get("prompt", []) + rec.get("chosen", []))


def one_file(tmp, shape, trial):
    path = os.path.join(tmp, "%s-%d.jsonl" % (shape, trial))
    rec_fields, msg_fields = {}, {}  # name -> number of records with it
    lines = []
    names_r = [field_name() for _ in range(4)]
    names_m = [field_name() for _ in range(4)]
    for i in range(rng.randrange(1, 12)):
        rec, msgs = record(i, shape)
        for name in names_r:
            if rng.random() < 0.5 and name not in rec:
                rec[name] = value()
                rec_fields[name] = rec_fields.get(name, 0) + 1
        seen = set()
        for m in msgs:
            for name in names_m:
                if rng.random() < 0.4:
                    m[name] = value()
                    seen.add(name)
        for name in seen:
            msg_fields[name] = msg_fields.get(name, 0) + 1
        lines.append(json.dumps(rec, ensure_ascii=rng.random() < 0.5))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    keep_r = [n for n in rec_fields if rng.random() < 0.4]
    keep_m = [n for n in msg_fields if rng.random() < 0.4]
    out = os.path.join(tmp, "out-%s-%d" % (shape, trial))
    args = [dlgconv, "convert", "--diagnostics", "json", "--split", "all=1", path, "-o", out,
            "--min-turns", "1"]
    if keep_r:
        args += ["--keep-fields", ",".join(keep_r)]
    if keep_m:
        args += ["--keep-message-fields", ",".join(keep_m)]
    r = subprocess.run(args, capture_output=True)
    check(r.returncode == 0, "%s: convert exit %d: %s %s" % (path, r.returncode,
                                                            r.stdout[:300], r.stderr[:300]))
    named_r, named_m = {}, {}
    for line in r.stderr.decode().splitlines():  # convert's findings
        d = json.loads(line)
        if d["code"] != "W322":
            continue
        m = re.match(r"(message )?field '([^']*)' not carried in (\d+) records?", d["message"])
        check(m is not None, "%s: a W322 that names no field: %s" % (path, d["message"]))
        if m:
            (named_m if m.group(1) else named_r)[m.group(2)] = int(m.group(3))
    recs = dataset(out)
    check(len(recs) == len(lines), "%s: %d records written of %d" % (path, len(recs),
                                                                   len(lines)))
    for name, count in rec_fields.items():
        if name in keep_r:
            check(name not in named_r, "%s: kept field %s named by W322" % (path, name))
            check(all(name in rec["meta"] for rec in recs), "%s: %s not in meta" % (path, name))
        else:
            check(named_r.get(name) == count, "%s: record field %s (in %d records) dropped, "
                  "W322 says %s" % (path, name, count, named_r.get(name)))
    for name, count in msg_fields.items():
        if name in keep_m:
            check(name not in named_m, "%s: kept message field %s named" % (path, name))
            check(all(name in m for rec in recs for m in messages_of(rec)),
                  "%s: message field %s not in every message" % (path, name))
        else:
            check(named_m.get(name) == count, "%s: message field %s (in %d records) dropped, "
                  "W322 says %s" % (path, name, count, named_m.get(name)))
    check(set(named_r) <= set(rec_fields), "%s: W322 names %s, not added" % (path, named_r))
    check(set(named_m) <= set(msg_fields), "%s: W322 names %s, not added" % (path, named_m))
    # a kept message field keeps its value, message by message
    if keep_m and shape in ("openai", "sharegpt"):
        src = [json.loads(line) for line in lines]
        for s, rec in zip(src, recs):
            written = [m for m in rec["messages"] if m["role"] != "system"]
            for m_in, m_out in zip(s.get("messages") or s["conversations"], written):
                for name in keep_m:
                    check(m_out[name] == m_in.get(name),
                          "%s: %s is %r, was %r" % (path, name, m_out[name], m_in.get(name)))


with tempfile.TemporaryDirectory() as tmp:
    for trial in range(6):
        for shape in ("openai", "sharegpt", "alpaca", "preference", "completion"):
            one_file(tmp, shape, trial)

finish()
