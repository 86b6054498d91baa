#!/usr/bin/env python3
"""Runs the dlgconv CLI over fixtures/ and compares with the reviewed expectations.

  fixtures_test.py DLGCONV FIXTURES_DIR

- fixtures/invalid/NAME.txt: `validate --diagnostics json` must report exactly the findings
  listed in NAME.expect ("CODE line:col", in order), and exit 1 when any is an error.
- fixtures/valid/NAME.txt: `validate` must exit 0, and `convert --split all=1` must write
  exactly fixtures/expected/NAME.jsonl (decompressed).
NAME.args, when present, holds extra options; {file} stands for the fixture's path.
"""
import gzip
import json
import os
import subprocess
import sys
import tempfile
import unicodedata

from checks import check, finish

dlgconv, fixtures = sys.argv[1], sys.argv[2]


def stem(path):
    """The name without its input suffixes: a.txt.gz -> a."""
    for suffix in (".gz", ".txt", ".jsonl", ".json"):
        if path.endswith(suffix):
            path = path[:-len(suffix)]
    return path


def findings(path, args):
    """`validate --diagnostics json` as "CODE line:col[ record R turn T]" lines."""
    r = run("validate", "--diagnostics", "json", *args, path)
    got = []
    for line in r.stdout.decode().splitlines():
        d = json.loads(line)
        got.append("%s %d:%d" % (d["code"], d["line"], d["col"]) +
                   (" record %d turn %d" % (d["record"], d["turn"]) if "record" in d else ""))
    return r, got


def converted(path, args, out):
    r = run("convert", "-q", *args, "--split", "all=1", path, "-o", out)
    split = os.path.join(out, "all.jsonl.gz")
    # exit 1 exactly when no conversation was written (and the split has no file)
    check(r.returncode == (0 if os.path.exists(split) else 1),
          "%s: convert exit %d: %s" % (path, r.returncode, r.stderr))
    if not os.path.exists(split):
        return b""
    with gzip.open(split, "rb") as f:
        data = f.read()
    check(data != b"", "%s: an empty split file" % path)
    return data


def args_for(path):
    args_path = stem(path) + ".args"
    if not os.path.exists(args_path):
        return []
    return open(args_path).read().replace("{file}", path).split()


def run(*argv):
    return subprocess.run([dlgconv, *argv], capture_output=True)



INPUTS = (".txt", ".jsonl", ".json", ".gz")

for name in sorted(os.listdir(os.path.join(fixtures, "invalid"))):
    if not name.endswith(INPUTS):
        continue
    path = os.path.join(fixtures, "invalid", name)
    expect = [e for e in open(stem(path) + ".expect").read().split("\n") if e]
    r, got = findings(path, args_for(path))
    check(got == expect, "%s: findings %s, expected %s" % (name, got, expect))
    want_exit = 1 if any(e.startswith("E") for e in expect) else 0
    check(r.returncode == want_exit, "%s: exit %d, expected %d" % (name, r.returncode, want_exit))
    # the file name names the code it is about
    check(expect and expect[0].split()[0] == name[:4], "%s: first finding is not %s" % (name, name[:4]))

with tempfile.TemporaryDirectory() as tmp:
    for name in sorted(os.listdir(os.path.join(fixtures, "valid"))):
        if not name.endswith(INPUTS):
            continue
        path = os.path.join(fixtures, "valid", name)
        args = args_for(path)
        r = run("validate", *args, path)
        check(r.returncode == 0, "%s: validate exit %d: %s" % (name, r.returncode, r.stdout))
        got = converted(path, args, os.path.join(tmp, name))
        want = open(os.path.join(fixtures, "expected", name + ".jsonl"), "rb").read()
        check(got == want, "%s: output differs from expected/%s.jsonl:\n got %s\nwant %s"
              % (name, name, got, want))

    # Real-world excerpts (fixtures/realworld/SOURCES.md): the reviewed findings, with record
    # and turn for JSON inputs, and the reviewed output.
    realworld = os.path.join(fixtures, "realworld")
    for name in sorted(os.listdir(realworld)):
        if not name.endswith(INPUTS):
            continue
        path = os.path.join(realworld, name)
        args = args_for(path)
        expect = [e for e in open(stem(path) + ".expect").read().split("\n") if e]
        r, got = findings(path, args)
        check(got == expect, "%s: findings %s, expected %s" % (name, got, expect))
        want_exit = 1 if any(e.startswith("E") for e in expect) else 0
        check(r.returncode == want_exit, "%s: exit %d" % (name, r.returncode))
        got = converted(path, args, os.path.join(tmp, "rw-" + name))
        want = open(os.path.join(fixtures, "expected", "realworld", stem(name) + ".jsonl"),
                    "rb").read()
        check(got == want, "%s: output differs from expected/realworld" % name)

    # Transcripts whose speakers' labels end in the full-width colon of CJK text (CPsyCoun,
    # SoulChat; issue 25): every line that starts with a --role label and '：' is one message,
    # in order, counted here without the marker grammar.
    for name in ("cpsycoun-case_1121.txt", "soulchat-readme.txt"):
        args = args_for(os.path.join(realworld, name))
        roles = dict(a.split("=") for a in args if "=" in a)
        want = [roles[line.split("：", 1)[0]] for line in
                open(os.path.join(realworld, name), encoding="utf-8").read().split("\n")
                if line.split("：", 1)[0] in roles]
        with gzip.open(os.path.join(tmp, "rw-" + name, "all.jsonl.gz"), "rt") as f:
            got = [m["role"] for r in map(json.loads, f) for m in r["messages"]]
        check(len(want) > 1 and got == want, "%s: roles %s, expected %s" % (name, got, want))

    # The seed (issue #2): one record, 8 messages, no preamble turn, the user turns'
    # stage directions extracted.
    with gzip.open(os.path.join(tmp, "seed.txt", "all.jsonl.gz"), "rt") as f:
        records = [json.loads(line) for line in f]
    check(len(records) == 1, "seed: %d records" % len(records))
    msgs = records[0]["messages"]
    check(len(msgs) == 8, "seed: %d messages" % len(msgs))
    check([m["role"] for m in msgs] == ["user", "assistant"] * 4, "seed: roles")
    check(msgs[0]["content"].startswith("I'm just feeling so down"), "seed: preamble kept as turn")
    # each direction with its place: a code-point offset into the content
    check([[(d["text"], d["offset"]) for d in m["stage_directions"]] for m in msgs
           if m["role"] == "user"]
          == [[("sighs", 0)], [], [("sniffles", 223)], [("wipes away tears", 0)]],
          "seed: stage directions")
    check(msgs[4]["content"][215:235] == "change. I just want ", "seed: sniffles' place")
    check(all(m["stage_directions"] == [] for m in msgs if m["role"] == "assistant"),
          "seed: every message has stage_directions")
    check(all("*" not in m["content"] for m in msgs), "seed: an asterisk left in content")

    # Round trip: the records of every valid fixture in each format, converted again, give
    # the same messages (and so the same ids) as the first conversion.
    valid = os.path.join(fixtures, "valid")

    def converted_records(inp, out, *args):
        r = run("convert", "-q", *args, "--split", "all=1", "--no-dedup", inp, "-o", out)
        written = os.path.exists(os.path.join(out, "all.jsonl.gz"))
        check(r.returncode == (0 if written else 1),
              "round trip %s: exit %d %s" % (out, r.returncode, r.stderr))
        if not written:
            return []
        with gzip.open(os.path.join(out, "all.jsonl.gz"), "rt") as f:
            # a record's id, its messages (a pair's three lists), tools and kept fields
            return [(r["id"], r["messages"] if "messages" in r else
                     [r["prompt"], r["chosen"], r["rejected"]], r.get("tools"), r.get("meta"))
                    for r in map(json.loads, f)]

    first = converted_records(valid, os.path.join(tmp, "first"))
    check(len(first) > 20, "round trip: only %d records" % len(first))
    for fmt in ("messages", "text", "sharegpt"):
        out = os.path.join(tmp, "fmt-" + fmt)
        r = run("convert", "-q", "--format", fmt, "--split", "all=1", "--no-dedup", valid, "-o", out)
        check(r.returncode == 0, "round trip %s: exit %d" % (fmt, r.returncode))
        again = converted_records(os.path.join(out, "all.jsonl.gz"), os.path.join(tmp, "again-" + fmt))
        check(again == first, "round trip through %s changes messages" % fmt)

    # ... and the real-world excerpts with their options, through the text and sharegpt
    # formats too: marker-shaped text inside a turn is escaped, stage directions go back
    # where they stood, so every id comes back, with its tools and kept fields. Pairs have
    # one format of their own here; tool use, reasoning and kept message fields have no
    # place in the text format (E210, or a usage error).
    for name in sorted(os.listdir(realworld)):
        if not name.endswith(INPUTS):
            continue
        path = os.path.join(realworld, name)
        first = converted_records(path, os.path.join(tmp, "rt-" + name), *args_for(path))
        if not first:
            continue  # templates, not conversations: nothing written to go round
        args = args_for(path)
        plain = all(set(m) <= {"role", "content", "stage_directions"}
                    for rec in first if isinstance(rec[1][0], dict) for m in rec[1])
        formats = (("messages",) if "--rejected-field" in args else
                   ("messages", "text", "sharegpt") if plain and not first[0][2] and
                   "--keep-message-fields" not in args else ("messages", "sharegpt"))
        # read back, a dataset needs only the options that say what to keep, and a pair's
        back = [a for k, a in enumerate(args) if args[k - 1 if a[0] != "-" else k] in
                ("--keep-fields", "--keep-message-fields", "--rejected-field")]
        for fmt in formats:
            out = os.path.join(tmp, "rt-%s-%s" % (fmt, name))
            r = run("convert", "-q", "--format", fmt, "--split", "all=1", "--no-dedup",
                    *args, path, "-o", out)
            check(r.returncode == 0, "round trip %s %s: exit %d" % (name, fmt, r.returncode))
            again = converted_records(os.path.join(out, "all.jsonl.gz"), out + "-back", *back)
            check(again == first, "round trip of %s through %s changes messages" % (name, fmt))

    # --stage keep leaves every labelled span's line as written, but for the documented
    # Unicode and whitespace rules (NFC, controls and invisibles removed, lines trimmed).
    def documented_rules(text):
        text = unicodedata.normalize("NFC", text)
        text = "".join(c for c in text if c in "\t\n" or not (
            unicodedata.category(c) == "Cc" or c in "\u200b\u2060\u00ad\ufeff"))
        return "\n".join(line.rstrip(" \t") for line in text.split("\n")).strip()

    labelled = [json.loads(line) for line in open(os.path.join(fixtures, "stage", "labelled.jsonl"))]
    corpus = os.path.join(tmp, "keep.jsonl")
    with open(corpus, "w") as f:
        for e in labelled:
            f.write(json.dumps({"messages": [{"role": "user", "content": e["line"]},
                                             {"role": "assistant", "content": "ok"}]}) + "\n")
    r = run("convert", "-q", "--stage", "keep", "--keep-unicode-spaces", "--no-dedup",
            "--split", "all=1", corpus, "-o", os.path.join(tmp, "keep"))
    check(r.returncode == 0, "stage keep: exit %d" % r.returncode)
    with gzip.open(os.path.join(tmp, "keep", "all.jsonl.gz"), "rt") as f:
        kept = {json.loads(line)["record"]: json.loads(line)["messages"][0] for line in f}
    for k, e in enumerate(labelled, 1):
        check(k in kept and kept[k]["content"] == documented_rules(e["line"])
              and kept[k]["stage_directions"] == [],
              "stage keep changed line %d: %r" % (k, e["line"][:80]))

    # The whole fixture tree at once: every conversation is accounted for.
    out = os.path.join(tmp, "all")
    r = run("convert", "-q", os.path.join(fixtures, "valid"), os.path.join(fixtures, "invalid"),
            "-o", out)
    check(r.returncode == 0, "fixtures: convert exit %d: %s" % (r.returncode, r.stderr))
    m = json.load(open(os.path.join(out, "manifest.json")))
    c = m["counts"]
    check(c["inputs"] == c["written"] + c["rejected"] + c["duplicates"],
          "fixtures: inputs %(inputs)d != written + rejected + duplicates" % c)
    check(c["written"] == sum(c["written_per_split"].values()), "fixtures: split sums")
    rejects = open(os.path.join(out, "rejects.jsonl")).read().splitlines()
    check(len(rejects) == c["rejected"] + c["duplicates"], "fixtures: rejects.jsonl lines")
    written = 0
    for split in ("train", "validation", "test"):
        name = split + ".jsonl.gz"
        # a split file exists exactly when the split has records (consumers refuse empty ones)
        check(os.path.exists(os.path.join(out, name)) == (c["written_per_split"][split] > 0)
              == (name in m["files"]), "fixtures: %s file and count disagree" % split)
        if c["written_per_split"][split] == 0:
            continue
        with gzip.open(os.path.join(out, name), "rt") as f:
            n = sum(1 for _ in f)
        check(m["files"][name]["records"] == n, "fixtures: %s records" % split)
        written += n
    check(written == c["written"], "fixtures: records written")

finish()
