#!/usr/bin/env python3
"""Mechanical mutation testing: every relational and equality operator and every && and ||
in the code of src/lib/*.c (comments, strings and #include lines left alone) is mutated
once, and the test suite run against each mutant in copies of the tree (the checkout itself
is never touched). A mutant the suite fails on is killed; one it passes survived: a test is
missing, or the mutant is equivalent (docs/mutation.md lists those, with the reason).

  mutate-all.py [--jobs N] [--budget SECONDS] [--only FILE.c]... [--list] WORKDIR

--list prints the mutants and exits. With --budget, mutants are taken in a fixed shuffled
order until the time is spent, so a partial run is a fair sample; results go to
WORKDIR/results.jsonl (one line a mutant, resumed where a run stopped) and a summary to
stdout."""
import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SWAPS = {"==": "!=", "!=": "==", "<=": "<", "<": "<=", ">=": ">", ">": ">=",
         "&&": "||", "||": "&&"}
OPERATOR = re.compile(r"==|!=|<=|>=|&&|\|\||<|>")
# the tests that judge src/lib's logic (the slow browser, install, Slurm and script tests say
# nothing about it), cheapest first: most mutants die in the first few seconds, and only a
# survivor pays for the whole list
TESTS = ["unit", "fixtures", "schemas", "tokenizer_gpt2", "tokenizer_llama2", "tokenizer_llama3",
         "tokenizer_qwen2.5", "tokenizer_cl100k_base", "tokenizer_o200k_base", "stage_precision",
         "before", "consumers", "failures", "fuzz_transcript", "fuzz_record", "cli", "carried",
         "shapes", "linear", "cancel", "lock", "kill", "neardup", "properties", "fuzz_convert",
         "mapreduce"]
ASAN_TESTS = ["unit", "fixtures", "cli", "fuzz_transcript", "fuzz_record"]


def code_mask(text):
    """For each character of a C file, whether it is code: not a comment, a string or a
    character literal, and not on a preprocessor line."""
    mask = [True] * len(text)
    i, n = 0, len(text)
    line_start = True
    while i < n:
        c = text[i]
        if line_start and text[i:].lstrip(" \t").startswith("#"):
            j = text.find("\n", i)
            j = n if j < 0 else j
            while j < n and text[j - 1] == "\\":  # continued macro lines
                k = text.find("\n", j + 1)
                j = n if k < 0 else k
            for k in range(i, j):
                mask[k] = False
            i = j
            continue
        line_start = c == "\n"
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            j += 1
        else:
            i += 1
            continue
        for k in range(i, min(j, n)):
            mask[k] = False
        i = j
    return mask


def mutants(lib, only=None):
    out = []
    for name in sorted(os.listdir(lib)):
        if not name.endswith(".c") or (only and name not in only):
            continue
        text = open(os.path.join(lib, name), encoding="utf-8").read()
        mask = code_mask(text)
        for m in OPERATOR.finditer(text):
            at, op = m.start(), m.group()
            if not mask[at]:
                continue
            # not ->, <<, >>, <<=, >>=
            before, after = text[at - 1] if at else "", text[m.end():m.end() + 1]
            if op in ("<", ">") and (before in "-<>" or after in "<>=") or \
               op in ("<=", ">=") and before in "<>":
                continue
            line = text.count("\n", 0, at) + 1
            col = at - text.rfind("\n", 0, at)
            out.append({"file": name, "at": at, "line": line, "col": col, "from": op,
                        "to": SWAPS[op]})
    return out


def run_one(slot, mut, timeout):
    src = os.path.join(slot, "src", "src", "lib", mut["file"])
    original = open(src, encoding="utf-8").read()
    mutated = original[:mut["at"]] + mut["to"] + original[mut["at"] + len(mut["from"]):]
    open(src, "w", encoding="utf-8").write(mutated)
    build = os.path.join(slot, "build")
    try:
        if subprocess.run(["cmake", "--build", build, "-j", "1"], capture_output=True).returncode:
            return "no build"
        deadline = time.time() + timeout
        for test in TESTS:
            try:
                r = subprocess.run(["ctest", "--no-tests=error", "-R", "^%s$" % test],
                                   cwd=build, capture_output=True,
                                   timeout=max(1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                return "killed (time)"
            if r.returncode:
                return "killed by " + test
        # a mutant that reads or writes out of bounds passes the plain build: the sanitizer
        # build's fast tests judge each survivor again
        asan = os.path.join(slot, "build-asan")
        if not os.path.isdir(asan):
            subprocess.run(["cmake", "-S", os.path.join(slot, "src"), "-B", asan,
                            "-DDLGCONV_BUILD_TESTS=ON", "-DDLGCONV_WERROR=ON",
                            "-DDLGCONV_SANITIZE=ON", "-DCMAKE_BUILD_TYPE=Debug"],
                           capture_output=True, check=True)
        if subprocess.run(["cmake", "--build", asan, "-j", "1"], capture_output=True).returncode:
            return "survived"  # compiled above, so this is the sanitizer build's own trouble
        for test in ASAN_TESTS:
            try:
                r = subprocess.run(["ctest", "--no-tests=error", "-R", "^%s$" % test], cwd=asan,
                                   capture_output=True, timeout=max(1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                return "killed (time)"
            if r.returncode:
                return "killed by asan " + test
        return "survived"
    finally:
        open(src, "w", encoding="utf-8").write(original)


def prepare(slot):
    """A copy of the tracked tree (history included, for the before test) and its build."""
    if os.path.isdir(os.path.join(slot, "build")):
        return
    shutil.rmtree(slot, ignore_errors=True)
    subprocess.run(["git", "clone", "-q", HERE, os.path.join(slot, "src")], check=True)
    subprocess.run(["cmake", "-S", os.path.join(slot, "src"), "-B", os.path.join(slot, "build"),
                    "-DDLGCONV_BUILD_TESTS=ON", "-DDLGCONV_WERROR=ON"],
                   capture_output=True, check=True)
    subprocess.run(["cmake", "--build", os.path.join(slot, "build"), "-j", "2"],
                   capture_output=True, check=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("workdir")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--budget", type=float, default=0)
    ap.add_argument("--only", action="append", help="FILE.c (repeatable)")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--timeout", type=float, default=600)
    a = ap.parse_args()
    todo = mutants(os.path.join(HERE, "src", "lib"), a.only)
    if a.list:
        for m in todo:
            print("%s:%d:%d: %s -> %s" % (m["file"], m["line"], m["col"], m["from"], m["to"]))
        print("%d mutants" % len(todo))
        return 0
    random.Random(7).shuffle(todo)
    os.makedirs(a.workdir, exist_ok=True)
    results_path = os.path.join(a.workdir, "results.jsonl")
    done = {}
    if os.path.exists(results_path):
        for line in open(results_path):
            r = json.loads(line)
            done[(r["file"], r["at"])] = r
    todo = [m for m in todo if (m["file"], m["at"]) not in done]
    slots = [os.path.join(a.workdir, "slot%d" % j) for j in range(a.jobs)]
    for s in slots:
        prepare(s)
    start, lock = time.time(), threading.Lock()
    results = open(results_path, "a")

    def worker(slot):
        while True:
            with lock:
                if not todo or (a.budget and time.time() - start > a.budget):
                    return
                m = todo.pop(0)
            m["result"] = run_one(slot, m, a.timeout)
            with lock:
                results.write(json.dumps(m) + "\n")
                results.flush()
                done[(m["file"], m["at"])] = m
                print("%-14s %s:%d:%d %s -> %s" % (m["result"], m["file"], m["line"], m["col"],
                                                   m["from"], m["to"]), flush=True)

    threads = [threading.Thread(target=worker, args=(s,)) for s in slots]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    counts = {}
    for r in done.values():
        counts[r["result"]] = counts.get(r["result"], 0) + 1
    judged = sum(v for k, v in counts.items() if k != "no build")
    killed = sum(v for k, v in counts.items() if k.startswith("killed"))
    print("mutants run: %d (%s); left: %d" % (len(done), ", ".join(
        "%s %d" % kv for kv in sorted(counts.items())), len(todo)))
    if judged:
        print("score: %d of %d killed (%.1f%%)" % (killed, judged, 100.0 * killed / judged))
    return 0


if __name__ == "__main__":
    sys.exit(main())
