#!/usr/bin/env python3
"""Apply or undo one mutant of scripts/mutants.txt (used by scripts/mutate.sh).

  mutate.py apply N SRC_LIB    mutate src/lib/FILE (keeping FILE.orig); prints "FILE: what".
                               Exit 3: there is no mutant N; 1: its text is not in FILE once.
  mutate.py undo N SRC_LIB     put FILE.orig back
"""
import os
import sys

action, n, lib = sys.argv[1], int(sys.argv[2]), sys.argv[3]
here = os.path.dirname(os.path.abspath(__file__))
mutants = [line.rstrip("\n").split(" @@ ") for line in open(os.path.join(here, "mutants.txt"))
           if line.strip() and not line.startswith("#")]
if n >= len(mutants):
    sys.exit(3)
name, text, bug, what = mutants[n]
path = os.path.join(lib, name)
if action == "undo":
    os.replace(path + ".orig", path)
    # newer than the mutant's object, or the next build keeps the mutant compiled in
    os.utime(path)
    sys.exit(0)


def unescape(t):
    return t.replace("\\n", "\n").replace("\\t", "\t")


text, bug = unescape(text), unescape(bug)
print("%s: %s" % (name, what))
source = open(path).read()
if source.count(text) != 1:
    sys.exit(1)
open(path + ".orig", "w").write(source)
open(path, "w").write(source.replace(text, bug))
