#!/usr/bin/env python3
"""The script a data engineer would write instead of dlgconv: the baseline of scripts/bench.sh.

    baseline.py INPUT_DIR OUT_DIR [--no-compress | --no-write] [--seed N]

Reads every .txt and .md file under INPUT_DIR in sorted order, splits each into turns at
lines that start with `### Human:`, `### Assistant:` or `### System:` (any number of `#`,
any case), drops the text before the first marker, NFC-normalizes each turn, takes
`*...*` spans out as stage directions, tidies white space, drops exact duplicates (by a
SHA-256 of the messages), assigns train/validation/test (90/5/5) by a hash of the id and
the seed, and writes OUT_DIR/<split>.jsonl.gz (or .jsonl with --no-compress; nothing with
--no-write), one {"id", "source", "messages"} record per line.

It is honest but plain, as such scripts are: one process, Python's own json, gzip and
unicodedata, and none of dlgconv's checks (turn order, empty turns, unknown speakers,
mojibake, invisible characters), its stage-direction rule (every `*...*` span is taken
out, emphasis included), its error locations or its all-or-nothing output. A file that is
not UTF-8 is skipped and counted. It measures what the checks and the care cost, not a
competitor.
"""
import argparse
import gzip
import hashlib
import json
import os
import re
import sys
import unicodedata

MARKER = re.compile(r"^\s*#*\s*(human|assistant|system)\s*:", re.IGNORECASE)
ROLES = {"human": "user", "assistant": "assistant", "system": "system"}
STAGE = re.compile(r"\*([^*\n]+)\*")
SPLITS = (("train", 0.90), ("validation", 0.05), ("test", 0.05))


def transcripts(root):
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            if name.endswith((".txt", ".md")):
                path = os.path.join(folder, name)
                yield os.path.relpath(path, root), path


def turns(text):
    """(role, raw text) for each turn; the text before the first marker is dropped."""
    role, lines = None, []
    for line in text.split("\n"):
        m = MARKER.match(line)
        if m:
            if role:
                yield role, "\n".join(lines)
            role, lines = ROLES[m.group(1).lower()], [line[m.end():]]
        elif role:
            lines.append(line)
    if role:
        yield role, "\n".join(lines)


def tidy(text):
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def message(role, raw):
    text = unicodedata.normalize("NFC", raw)
    directions = [d.strip() for d in STAGE.findall(text)]
    text = STAGE.sub("", text)
    text = re.sub(r"[ \t]{2,}", " ", text)
    return {"role": role, "content": tidy(text), "stage_directions": directions}


def split_of(record_id, seed):
    h = hashlib.sha256(("%d:%s" % (seed, record_id)).encode()).digest()
    x = int.from_bytes(h[:8], "big") / 2.0 ** 64
    for name, weight in SPLITS:
        if x < weight:
            return name
        x -= weight
    return SPLITS[-1][0]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("input_dir")
    ap.add_argument("out_dir")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--no-compress", action="store_true", help="write plain .jsonl")
    mode.add_argument("--no-write", action="store_true", help="read and convert only")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()

    outs = {}
    if not a.no_write:
        os.makedirs(a.out_dir, exist_ok=True)
        for name, _ in SPLITS:
            if a.no_compress:
                outs[name] = open(os.path.join(a.out_dir, name + ".jsonl"), "w",
                                  encoding="utf-8")
            else:
                outs[name] = gzip.open(os.path.join(a.out_dir, name + ".jsonl.gz"), "wt",
                                       encoding="utf-8", compresslevel=6)
    seen = set()
    counts = {"files": 0, "written": 0, "duplicates": 0, "no_turns": 0, "not_utf8": 0}
    for source, path in transcripts(a.input_dir):
        counts["files"] += 1
        with open(path, "rb") as f:
            data = f.read()
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            counts["not_utf8"] += 1
            continue
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        messages = [message(role, raw) for role, raw in turns(text)]
        if not messages:
            counts["no_turns"] += 1
            continue
        line = json.dumps(messages, ensure_ascii=False)
        record_id = hashlib.sha256(line.encode()).hexdigest()[:32]
        if record_id in seen:
            counts["duplicates"] += 1
            continue
        seen.add(record_id)
        counts["written"] += 1
        if outs:
            record = {"id": record_id, "source": source, "messages": messages}
            outs[split_of(record_id, a.seed)].write(json.dumps(record, ensure_ascii=False) + "\n")
    for f in outs.values():
        f.close()
    print(" ".join("%s=%d" % kv for kv in counts.items()))


if __name__ == "__main__":
    sys.exit(main())
