#!/usr/bin/env python3
"""Fails every I/O call of a convert run in turn and checks what is left behind.

  failure_test.py DLGCONV SHIM FIXTURES_DIR

For each kind of call (open, write, read, fsync, rename) and N = 1, 2, ...: run
`convert --force` into a directory holding an earlier run's output, with the shim failing
the N-th call of that kind. Every such run must exit 3, say what failed, and leave the
directory byte for byte as it was (no temporary file either); the sweep for a kind ends
when N passes the number of calls and the run succeeds. Also: a run into a directory that
did not exist leaves no directory behind.
"""
import os
import subprocess
import sys
import tempfile

from checks import check, finish

dlgconv, shim, fixtures = sys.argv[1:4]
inputs = [os.path.join(fixtures, "valid")]


def snapshot(d):
    if not os.path.isdir(d):
        return None
    return {n: open(os.path.join(d, n), "rb").read() for n in sorted(os.listdir(d))}


def convert(out, fail=None, seed="1"):
    env = dict(os.environ)
    if fail:
        env["LD_PRELOAD"] = shim
        env["DLG_FAIL"] = fail
        # an ASan build wants its runtime first; the shim only wraps libc calls
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0"
    return subprocess.run([dlgconv, "convert", "-q", "-j", "2", "--force", "--seed", seed,
                           *inputs, "-o", out], capture_output=True, env=env, timeout=120)


with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "out")
    r = convert(out)
    check(r.returncode == 0, "first run: exit %d %s" % (r.returncode, r.stderr.decode()[-2000:]))
    if r.returncode != 0:
        finish()  # nothing to compare against
    before = snapshot(out)
    for kind in ("open", "write", "read", "fsync", "rename"):
        for n in range(1, 500):
            r = convert(out, "%s:%d" % (kind, n), seed="2")
            if r.returncode == 0:
                check(n > 1, "%s: no call failed at all" % kind)
                # restore the earlier state for the next kind
                r = convert(out)
                check(snapshot(out) == before, "%s: could not restore" % kind)
                break
            check(r.returncode == 3, "%s:%d: exit %d, expected 3 (%s)"
                  % (kind, n, r.returncode, r.stderr))
            if r.returncode != 3:
                break  # a crash or sanitizer report: no point going on with this kind
            check(b"dlgconv: " in r.stderr, "%s:%d: no message" % (kind, n))
            check(snapshot(out) == before, "%s:%d: output directory changed" % (kind, n))
        else:
            check(False, "%s: never succeeded" % kind)

    # reduce and finalize (docs/map-reduce.md) fail the same way: exit 3 and their directory
    # (a shard's, the dataset) as it was
    work = os.path.join(tmp, "work")
    steps_options = ["--shards", "2", "--seed", "1"]
    for k in (0, 1):
        r = subprocess.run([dlgconv, "map", "-q", "--part", "%d/2" % k, *steps_options, *inputs,
                            "-o", work], capture_output=True)
        check(r.returncode == 0, "map %d/2: exit %d" % (k, r.returncode))

    def step(name, fail=None):
        env = dict(os.environ)
        if fail:
            env.update(LD_PRELOAD=shim, DLG_FAIL=fail,
                       ASAN_OPTIONS=env.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0")
        argv = {"reduce": ["reduce", "--shard", "1/2", *steps_options, work],
                "finalize": ["finalize", "-q", "--force", *steps_options, work, "-o", out]}
        return subprocess.run([dlgconv, *argv[name]], capture_output=True, env=env, timeout=120)

    for name, changed in (("reduce", os.path.join(work, "shard-00001-of-00002")),
                          ("finalize", out)):
        if name == "finalize":
            check(step("reduce").returncode == 0, "reduce 1/2")
            r = subprocess.run([dlgconv, "reduce", "--shard", "0/2", *steps_options, work],
                               capture_output=True)
            check(r.returncode == 0, "reduce 0/2: exit %d" % r.returncode)
        r = step(name)
        check(r.returncode == 0, "%s: exit %d %s" % (name, r.returncode, r.stderr[-500:]))
        before = snapshot(changed)
        for kind in ("open", "write", "read", "fsync", "rename"):
            for n in range(1, 500):
                r = step(name, "%s:%d" % (kind, n))
                if r.returncode == 0:
                    break
                check(r.returncode == 3 and b"dlgconv: " in r.stderr, "%s %s:%d: exit %d %s"
                      % (name, kind, n, r.returncode, r.stderr[-300:]))
                check(snapshot(changed) == before, "%s %s:%d: its directory changed"
                      % (name, kind, n))
                if r.returncode != 3:
                    break

    fresh = os.path.join(tmp, "fresh")
    r = convert(fresh, "write:1")
    check(r.returncode == 3 and not os.path.exists(fresh),
          "fresh directory: exit %d, exists %s" % (r.returncode, os.path.exists(fresh)))

finish()
