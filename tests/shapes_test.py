#!/usr/bin/env python3
"""The public excerpts of every record shape (fixtures/realworld/SOURCES.md), converted with
the options `dlgconv inspect` suggests for them, hold every turn, system prompt, tool call
and reasoning text of the source: checked against a reading of each source written here,
independently of dlgconv's, from the shapes' own documentation (LLaMA-Factory's
data/README.md, TRL's docs/source/dataset_formats.md, OpenAI's chat format).

  shapes_test.py DLGCONV FIXTURES
"""
import gzip
import json
import os
import subprocess
import sys
import tempfile

from checks import check, finish

dlgconv, fixtures = sys.argv[1], sys.argv[2]
realworld = os.path.join(fixtures, "realworld")


def squeeze(text):
    """Text as dlgconv may write it: white space and stage-direction asterisks aside."""
    return "".join(c for c in text if not c.isspace() and c != "*")


def lf_calls(value):
    calls = json.loads(value)
    return [(c["name"], c["arguments"]) for c in (calls if isinstance(calls, list) else [calls])]


# Each reader gives, per source record, its turns: (role, text, calls, reasoning), calls a
# list of (name, arguments as an object).
def read_alpaca(path):
    out = []
    for r in json.load(open(path)):
        turns = [("system", r["system"], [], None)] if r.get("system") else []
        for q, a in r.get("history", []):
            turns += [("user", q, [], None), ("assistant", a, [], None)]
        prompt = r["instruction"] + ("\n" + r["input"] if r.get("input") else "")
        out.append(turns + [("user", prompt, [], None), ("assistant", r["output"], [], None)])
    return out


SHAREGPT_ROLES = {"human": "user", "gpt": "assistant", "observation": "tool", "system": "system"}


def read_sharegpt(path):
    out = []
    for r in json.load(open(path)):
        turns = [("system", r["system"], [], None)] if r.get("system") else []
        msgs = r["conversations"] + ([r["chosen"]] if "chosen" in r else [])
        for m in msgs:
            if m["from"] == "function_call":
                turns.append(("assistant", "", lf_calls(m["value"]), None))
            else:
                turns.append((SHAREGPT_ROLES[m["from"]], m["value"], [], None))
        out.append(turns)
    return out


def read_parts(path):
    """LLaMA-Factory's reasoning data: content parts text, reasoning, tool_call."""
    out = []
    for line in open(path):
        turns = []
        for m in json.loads(line)["messages"]:
            parts = m["content"]
            text = "\n".join(p["value"] for p in parts if p["type"] == "text")
            reasoning = "\n".join(p["value"] for p in parts if p["type"] == "reasoning") or None
            calls = [c for p in parts if p["type"] == "tool_call" for c in lf_calls(p["value"])]
            turns.append((m["role"], text, calls, reasoning))
        out.append(turns)
    return out


def read_qa(path):
    return [[("user", r["question"], [], None), ("assistant", r["std_answer"], [], None)]
            for r in map(json.loads, open(path))]


def read_messages_file(path, roles):
    return [[(roles[m["role"]], m["content"], [], None) for m in json.load(open(path))]]


def read_trl(path):
    out = []
    for r in map(json.loads, open(path)):
        side = r.get("chosen", r.get("completion"))
        prompt = r.get("prompt", [])
        msgs = ([{"role": "user", "content": prompt}] if isinstance(prompt, str) else prompt)
        msgs += ([{"role": "assistant", "content": side}] if isinstance(side, str) else side)
        out.append([(m["role"], m["content"], [], None) for m in msgs])
    return out


SOURCES = {
    "llamafactory-alpaca-history.json": read_alpaca,
    "llamafactory-glaive-toolcall.json": read_sharegpt,
    "llamafactory-dpo-system.json": read_sharegpt,
    "llamafactory-reason-tool-use.jsonl": read_parts,
    "belle-eval-set.json": read_qa,
    "smilechat-0.json": lambda p: read_messages_file(p, {"client": "user",
                                                         "counselor": "assistant"}),
    "trl-preference.jsonl": read_trl,
    "trl-unpaired-preference.jsonl": read_trl,
}


def suggested(path):
    """The options `dlgconv inspect --json` suggests for a file."""
    r = subprocess.run([dlgconv, "inspect", "--json", path], capture_output=True)
    check(r.returncode == 0, "%s: inspect exit %d %s" % (path, r.returncode, r.stderr[:200]))
    try:
        return json.loads(r.stdout.decode().splitlines()[0])["suggested_options"]
    except (ValueError, IndexError, KeyError) as e:
        check(False, "%s: inspect --json: %s" % (path, e))
        return []


def written(rec):
    """A written record's turns, as the readers above give them (a pair: its chosen side)."""
    msgs = rec["messages"] if "messages" in rec else rec["prompt"] + rec["chosen"]
    return [(m["role"], m["content"],
             [(c["function"]["name"], json.loads(c["function"]["arguments"]))
              for c in m.get("tool_calls", [])], m.get("reasoning_content")) for m in msgs]


with tempfile.TemporaryDirectory() as tmp:
    for name, reader in sorted(SOURCES.items()):
        path = os.path.join(realworld, name)
        options = suggested(path)
        out = os.path.join(tmp, name)
        r = subprocess.run([dlgconv, "convert", "-q", "--no-dedup", "--split", "all=1",
                            *options, path, "-o", out], capture_output=True)
        check(r.returncode == 0, "%s %s: convert exit %d %s" % (name, options, r.returncode,
                                                               r.stderr[:300]))
        if r.returncode:
            continue
        with gzip.open(os.path.join(out, "all.jsonl.gz"), "rt") as f:
            got = [written(json.loads(line)) for line in f]
        want = reader(path)
        check(len(got) == len(want), "%s: %d records written of %d" % (name, len(got),
                                                                      len(want)))
        for k, (g, w) in enumerate(zip(got, want), 1):
            check(len(g) == len(w), "%s record %d: %d turns, the source has %d"
                  % (name, k, len(g), len(w)))
            for t, (gt, wt) in enumerate(zip(g, w), 1):
                where = "%s record %d turn %d" % (name, k, t)
                check(gt[0] == wt[0], "%s: role %s, the source's %s" % (where, gt[0], wt[0]))
                check(squeeze(gt[1]) == squeeze(wt[1]), "%s: text %r, the source's %r"
                      % (where, gt[1][:60], wt[1][:60]))
                check(gt[2] == wt[2], "%s: calls %s, the source's %s" % (where, gt[2], wt[2]))
                check(gt[3] == wt[3], "%s: reasoning %r, the source's %r"
                      % (where, (gt[3] or "")[:40], (wt[3] or "")[:40]))

finish()
