#!/usr/bin/env python3
"""What converting lines of 4 MB full of stage directions, markers, escapes and mojibake
candidates writes, against what 53802f5 wrote (issue 21, item 4): making every stage linear
in its line changed no output. 53802f5 takes minutes on such a line (its span scan was
quadratic), so its output is recorded here as SHA-256 digests, made once with
`linear_test.py DLGCONV-AT-53802f5 --record`; the lines come from scripts/line-corpus.py,
which is deterministic. No time is measured (scripts/bench.sh measures it).

  linear_test.py DLGCONV [--record] [--only CASE]

Each case converts one line with one option set (--compress none) and digests every record
file written (the splits and rejects.jsonl, in name order) and the findings printed (lines
with "warning:" or "error:"); the summary and the manifest, which name the version, are not.
"""
import hashlib
import os
import subprocess
import sys
import tempfile

from checks import check, finish

dlgconv = sys.argv[1]
record = "--record" in sys.argv[2:]
only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None
here = os.path.dirname(os.path.abspath(__file__))
corpus = os.path.join(here, "..", "scripts", "line-corpus.py")

# (name, shape, --format of the input, options)
CASES = [
    ("spans", "spans", "jsonl", []),
    ("zh", "zh", "jsonl", []),
    ("heavy", "heavy", "jsonl", []),
    ("heavy-text-out", "heavy", "jsonl", ["--format", "text"]),
    ("heavy-sharegpt-strip", "heavy", "jsonl", ["--format", "sharegpt", "--stage", "strip"]),
    ("heavy-fix", "heavy", "jsonl", ["--fix-mojibake", "--merge-consecutive"]),
    ("heavy-transcript", "heavy", "text", ["--merge-consecutive"]),
    ("heavy-field", "heavy", "field", ["--format", "text"]),
    ("spans-reread", "spans", "jsonl", ["--reread"]),
]

EXPECTED = {  # 53802f5's (6 minutes of it)
    "spans": "a81871309a96d856d98dd4a2a9ea5add20b9dff82b5c9f57f806fdba51ccd92c",
    "zh": "ef611385e706028a6d1cd3e16cab377bc457c0d8f32027dc9bef1c7a4da5022e",
    "heavy": "b2a79b05ec6933483e015341fc8b81f96f42f6bd8458e97703ef1eb6f126da52",
    "heavy-text-out": "7c71d821e16fa209e22269fc7250af074b320df522dad13905b84a280872d022",
    "heavy-sharegpt-strip": "6546dba668fc0a2e22fe738311f01cfc1a79d54c6e3d61b1bdf3bf7f7f2776f6",
    "heavy-fix": "24d5ee59934e9c64c6d0da167613d5ecd043a80fad9daa3234039b9af44b5155",
    "heavy-transcript": "e98b6d58f0797fd178f01c0663e3d102d0ddee79b05f1fd69c7573db8dd4a0e3",
    "heavy-field": "8279a0816bbcdaf05457e5d13fc78e02f1eafc97a59c5c08af389d0b53272acb",
    "spans-reread": "a4a20f7fa35e567a0d1b62efe4479a13b9631efab60d348e56681427704f0578",
}


def digest(out, stderr):
    h = hashlib.sha256()
    for name in sorted(os.listdir(out)):
        if name.endswith(".jsonl"):
            h.update(name.encode() + b"\0")
            with open(os.path.join(out, name), "rb") as f:
                # sharegpt records gained a system column after 53802f5 (issue 20): "" here,
                # where no conversation has a system turn
                h.update(f.read().replace(b'"system":"","conversations":',
                                          b'"conversations":'))
    for line in stderr.splitlines():
        if b"warning:" in line or b"error:" in line:
            h.update(line + b"\n")
    return h.hexdigest()


def convert(tmp, inp, out, opts):
    """inp and out relative to tmp, where it runs: records and findings name the input."""
    r = subprocess.run([dlgconv, "convert", "-q", "--compress", "none", inp, "-o", out,
                        "--force"] + opts, capture_output=True, cwd=tmp)
    out = os.path.join(tmp, out)
    return r, digest(out, r.stderr) if os.path.isdir(out) else "no dataset"


with tempfile.TemporaryDirectory() as tmp:
    made = {}
    got = {}
    for name, shape, fmt, opts in CASES:
        if only and name != only:
            continue
        key = (shape, fmt)
        if key not in made:
            made[key] = "%s-%s.%s" % (shape, fmt, "txt" if fmt == "text" else "jsonl")
            subprocess.run([sys.executable, corpus, os.path.join(tmp, made[key]), shape, "4M",
                            "--format", fmt], check=True)
        inp = made[key]
        if "--reread" in opts:
            # a dlgconv dataset read back: a stage direction's place is an offset each
            first = os.path.join(tmp, name + "-first")
            convert(tmp, inp, name + "-first", [])
            inp = "reread.jsonl"
            with open(os.path.join(tmp, inp), "wb") as f:
                for n in sorted(os.listdir(first)):
                    if n.endswith(".jsonl") and n != "rejects.jsonl":
                        with open(os.path.join(first, n), "rb") as g:
                            f.write(g.read())
            opts = [o for o in opts if o != "--reread"]
        r, got[name] = convert(tmp, inp, name, opts)
        if not record:
            check(got[name] == EXPECTED.get(name), "%s: output differs from 53802f5's (exit "
                  "%d): %s" % (name, r.returncode, r.stderr[-300:].decode(errors="replace")))
    if record:
        for name in got:
            print('    "%s": "%s",' % (name, got[name]))
        sys.exit(0)

finish()
