#!/usr/bin/env python3
"""Kills a `convert --force` at every file-changing system call and checks what another
program sees in the output directory right after: the whole old dataset or the whole new
one, never a mix (docs/commit-protocol.md). Then a normal run must succeed and leave no
leftover beside or in the directory.

  kill_test.py DLGCONV FIXTURES_DIR

For each call in the set below, strace injects SIGKILL at its K-th invocation, for K = 1,
2, ... until a run is no longer killed (strace counts each call apart). Exits 77 (skipped)
where strace is missing or cannot trace.
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

from checks import check, finish

dlgconv, fixtures = sys.argv[1], sys.argv[2]
CALLS = "openat,write,fsync,mkdir,chmod,linkat,renameat,renameat2,unlinkat,rename,flock"
inputs = [os.path.join(fixtures, "valid")]

if not shutil.which("strace") or subprocess.run(
        ["strace", "-qq", "-o", "/dev/null", "true"]).returncode != 0:
    print("kill: strace missing or not permitted; skipped")
    sys.exit(77)


def convert(out, seed, kill_at=None):
    argv = [dlgconv, "convert", "-q", "-j", "1", "--force", "--seed", seed, *inputs, "-o", out]
    env = dict(os.environ)
    if kill_at:
        call, k = kill_at
        argv = ["strace", "-qq", "-o", "/dev/null", "-e", "trace=" + call,
                "-e", "inject=%s:signal=SIGKILL:when=%d" % (call, k)] + argv
        # LeakSanitizer traces the process itself at exit, which strace already does
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":detect_leaks=0"
    return subprocess.run(argv, capture_output=True, timeout=120, env=env)


def killed(r):
    """strace ends as its tracee did: by SIGKILL."""
    return r.returncode in (-9, 128 + 9)


def dataset(d):
    """What a reader sees: the manifest's bytes when every file it lists is there with
    its SHA-256 and no other dataset file is; else a description of the mix."""
    try:
        raw = open(os.path.join(d, "manifest.json"), "rb").read()
        files = json.loads(raw)["files"]
    except (OSError, ValueError) as e:
        return "no readable manifest (%s)" % e
    for name, f in files.items():
        try:
            if hashlib.sha256(open(os.path.join(d, name), "rb").read()).hexdigest() != f["sha256"]:
                return "%s does not match the manifest" % name
        except OSError:
            return "%s is missing" % name
    extra = [n for n in os.listdir(d) if n.endswith((".jsonl.gz", ".jsonl")) and n not in files]
    return "extra files %s" % extra if extra else raw


with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "out")
    check(convert(out, "1").returncode == 0, "reference run failed")
    new = dataset(out)
    shutil.rmtree(out)
    check(convert(out, "1").returncode == 0 and convert(out, "1").returncode == 0, "setup")
    old_template = os.path.join(tmp, "old")
    check(convert(old_template, "2").returncode == 0, "old dataset")
    old = dataset(old_template)
    check(isinstance(old, bytes) and isinstance(new, bytes) and old != new,
          "the old and new datasets should differ")
    kills = 0
    for call in CALLS.split(","):
        for k in range(1, 5000):
            shutil.rmtree(out)
            shutil.copytree(old_template, out)
            with open(os.path.join(out, "notes.txt"), "w") as f:
                f.write("mine\n")
            r = convert(out, "1", kill_at=(call, k))
            if not killed(r):
                # K passed the number of such calls: the run went through
                check(r.returncode == 0, "%s #%d: not killed, yet exit %d: %s"
                      % (call, k, r.returncode, r.stderr.decode()[-500:]))
                break
            kills += 1
            where = "killed at %s #%d" % (call, k)
            seen = dataset(out)
            check(seen in (old, new), "%s: %s" % (where, seen if isinstance(seen, str)
                                                  else "another dataset"))
            check(os.path.exists(os.path.join(out, "notes.txt")),
                  "%s: the user's file is gone" % where)
            r = convert(out, "1")
            check(r.returncode == 0 and dataset(out) == new, "%s: the next run failed: %s"
                  % (where, r.stderr.decode()[-500:]))
            left = [n for n in os.listdir(tmp) if ".dlgconv-new-" in n or ".dlgconv-old-" in n]
            check(not left, "%s: leftovers after the next run: %s" % (where, left))
    print("kill: killed %d runs, one at each file-changing call" % kills)
    check(kills > 20, "too few calls were killed (%d): is strace injecting?" % kills)

finish()
