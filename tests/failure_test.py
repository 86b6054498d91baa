#!/usr/bin/env python3
"""Fails every I/O call of a run in turn and checks what is left behind.

  failure_test.py DLGCONV SHIM FIXTURES_DIR

Runs: `convert --force` into a directory holding an earlier run's output; `reduce` of a
shard and `finalize` of a dataset (docs/map-reduce.md), which read the parts' journals and
buckets and the shards' files with stdio. For each kind of call (open, write, read, fsync,
rename) and N = 1, 2, ...: the run again, with the shim (tests/shim/failio.c) failing the
N-th call of that kind, until a run in which no call failed (the shim logs each call it
fails). Every run in which a call failed must exit 3 (a library I/O error), say what failed
(a failed read: where, with strerror(EIO)), and leave the directory it writes as it was,
the same files (inodes, not only bytes: nothing committed) and nothing new beside it. In a
sanitized build (scripts/test.sh runs one, with leak detection) a leak or a memory error
on these paths changes the exit code, so it fails here too.

Read, write and fsync count only on files under the test's own directory, where the inputs
are copied: a run also reads files of no interest here (OpenSSL's configuration, line by
line; /proc/self/status).

Also: a run into a directory that did not exist leaves no directory behind.
"""
import errno
import os
import shutil
import subprocess
import sys
import tempfile

from checks import check, finish

dlgconv, shim, fixtures = sys.argv[1:4]
KINDS = ("open", "write", "read", "fsync", "rename")
EIO_TEXT = os.strerror(errno.EIO)

def snapshot(d):
    """What a directory holds, down to the inodes: a commit swaps in new ones."""
    if not os.path.isdir(d):
        return None
    files = {}
    for n in sorted(os.listdir(d)):
        p = os.path.join(d, n)
        files[n] = (os.stat(p).st_ino, open(p, "rb").read() if os.path.isfile(p) else None)
    return os.stat(d).st_ino, files


def contents(snap):
    return snap and {n: data for n, (_, data) in snap[1].items()}


def run(argv, log, fail=None):
    env = dict(os.environ)
    if fail:
        env.update(LD_PRELOAD=shim, DLG_FAIL=fail, DLG_FAIL_LOG=log, DLG_FAIL_UNDER=data,
                   # an ASan build wants its runtime first; the shim only wraps libc calls
                   ASAN_OPTIONS=env.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0")
    if os.path.exists(log):
        os.unlink(log)
    r = subprocess.run([dlgconv, *argv], capture_output=True, env=env, timeout=120)
    failed = open(log).read().split("\n")[0].split(" ", 1) if os.path.exists(log) else None
    return r, failed


def sweep(name, argv, changed, log):
    """Every kind, every N, for `dlgconv argv`, which writes the directory `changed`."""
    r, _ = run(argv, log)
    check(r.returncode == 0, "%s: exit %d %s" % (name, r.returncode, r.stderr[-500:]))
    before = snapshot(changed)
    beside = sorted(os.listdir(os.path.dirname(changed)))
    for kind in KINDS:
        for n in range(1, 2000):
            what = "%s %s:%d" % (name, kind, n)
            r, failed = run(argv, log, "%s:%d" % (kind, n))
            err = r.stderr.decode(errors="replace")
            if failed is None:
                check(r.returncode == 0, "%s: no call failed, exit %d %s"
                      % (what, r.returncode, err[-500:].strip()))
                check(n > 1, "%s: no %s call failed at all" % (name, kind))
                # a good run: new files, the same bytes
                check(contents(snapshot(changed)) == contents(before),
                      "%s: not what the first good run left" % what)
                before = snapshot(changed)
                break
            call, path = failed if len(failed) == 2 else (failed[0], "")
            what += " (%s %s)" % (call, path)
            if r.returncode == 0:
                check(False, "%s: exit 0, the failure went unreported" % what)
                run(argv, log)  # what a good run leaves, for the next to compare with
                before = snapshot(changed)
                continue
            check(r.returncode == 3, "%s: exit %d, expected 3: %s"
                  % (what, r.returncode, err[-800:].strip()))
            check(err.startswith("dlgconv: "), "%s: no message: %s"
                  % (what, err[-300:].strip()))
            if kind == "read":
                # a bucket is named by the journal beside it: the directory says where
                check(os.path.dirname(path) in err, "%s: the message does not say where: %s"
                      % (what, err[-300:].strip()))
                check(EIO_TEXT in err, "%s: the message does not say it was an I/O error: %s"
                      % (what, err[-300:].strip()))
            check(snapshot(changed) == before, "%s: its directory changed" % what)
            check(sorted(os.listdir(os.path.dirname(changed))) == beside,
                  "%s: left something beside its directory: %s"
                  % (what, sorted(os.listdir(os.path.dirname(changed)))))
            if r.returncode != 3:
                break  # a crash or sanitizer report: no point going on with this kind
        else:
            check(False, "%s %s: never ran without a failure" % (name, kind))


with tempfile.TemporaryDirectory() as tmp:
    tmp = os.path.realpath(tmp)  # as the shim sees the paths, through /proc/self/fd
    log = os.path.join(tmp, "failed")
    data = os.path.join(tmp, "data")
    inputs = os.path.join(data, "in")
    shutil.copytree(os.path.join(fixtures, "valid"), inputs)
    out = os.path.join(data, "run", "out")
    os.makedirs(os.path.dirname(out))

    sweep("convert", ["convert", "-q", "-j", "2", "--force", "--seed", "1", inputs, "-o", out],
          out, log)

    work = os.path.join(data, "run", "work")
    steps_options = ["--shards", "2", "--seed", "1"]
    for k in (0, 1):
        r, _ = run(["map", "-q", "--part", "%d/2" % k, *steps_options, inputs, "-o", work], log)
        check(r.returncode == 0, "map %d/2: exit %d" % (k, r.returncode))
    r, _ = run(["reduce", "--shard", "0/2", *steps_options, work], log)
    check(r.returncode == 0, "reduce 0/2: exit %d" % r.returncode)
    sweep("reduce", ["reduce", "--shard", "1/2", *steps_options, work],
          os.path.join(work, "shard-00001-of-00002"), log)
    sweep("finalize", ["finalize", "-q", "--force", *steps_options, work, "-o", out], out, log)

    fresh = os.path.join(data, "fresh")
    r, _ = run(["convert", "-q", "--seed", "1", inputs, "-o", fresh], log, "write:1")
    check(r.returncode == 3 and not os.path.exists(fresh),
          "fresh directory: exit %d, exists %s" % (r.returncode, os.path.exists(fresh)))

finish()
