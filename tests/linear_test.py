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

# 53802f5's (6 minutes of it), but for the lines with Chinese: issue 25 made `我很迷茫。 *叹气*`
# and `我很迷茫。*叹气*` directions (`。` ends a sentence), and the text format writes one back
# as `（叹气）`, with no blank before the next CJK sentence; their digests were recorded again
# then, and nothing else in them changed (the first 4 KiB of zh and heavy compared with
# 53802f5's: only the `*叹气*` spans differ)
EXPECTED = {
    "spans": "a81871309a96d856d98dd4a2a9ea5add20b9dff82b5c9f57f806fdba51ccd92c",
    "zh": "f4b22c044cbdda43ecda6e5b8578c92da11549da675c91d14c7cc6ce75648511",
    "heavy": "7a741f176be98cc7d9d19530177719792d7c659e9a5f81b9be20f1b624dc007f",
    "heavy-text-out": "ad8c90d408b1d919dc611d86eccb384030ee8d57f80c1acb18872b06a87ebf09",
    "heavy-sharegpt-strip": "26826fb851a8b14aa86b7daf6f1d1dd7cf32b35b64286d1744d9f5034c7a36e1",
    "heavy-fix": "4fbf40c61061ccaaa0a27a711b504375836f5e3a3abe65639aeec9cee7ed349f",
    "heavy-transcript": "fb0511413fb8e63614d7d326c37ee9f7794857f5538e49772f00573540ba4989",
    "heavy-field": "c07f4ebb9112831fa7a607ec2b14eb195a03a79680ea1066c573ec3c46ee8f07",
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
