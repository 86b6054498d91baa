#!/usr/bin/env python3
"""SIGINT and SIGTERM while `convert` is busy with one huge line (issue 21, item 4): the run
stops with exit 3 and "interrupted" within about a second of the signal, leaves no staging
directory and no dataset behind, and a dataset that was there before stays as it was.

  cancel_test.py DLGCONV

The line (scripts/line-corpus.py, the issue's `I feel lost. *sighs* I do not know. `
repeated to 32 MiB) takes seconds to convert. The signal goes once the process has read
the whole input (/proc/PID/io), so it lands while the line is being processed, not while it
is read (reads were interruptible before). A run that ends before the signal is a failure
of the test's premise, said as such. The second allowed for the exit is generous: the run
looks at the request every 256 KiB of text, and the calls it cannot stop take 2-3 ms a
megabyte (docs/performance.md has the measured latencies).
"""
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from checks import check, finish

dlgconv = sys.argv[1]
here = os.path.dirname(os.path.abspath(__file__))
corpus = os.path.join(here, "..", "scripts", "line-corpus.py")
SIZE = "32M"
ALLOWED = 1.0  # seconds from the signal to the exit


def read_all_input(pid, size):
    """Whether the process has read `size` bytes (its input); None when /proc cannot say."""
    try:
        with open("/proc/%d/io" % pid) as f:
            for line in f:
                if line.startswith("rchar:"):
                    return int(line.split()[1]) >= size
    except OSError:
        return None
    return None


def tree(d):
    """Every file under d with its SHA-256: what a reader of the dataset sees."""
    out = {}
    for root, _, files in os.walk(d):
        for n in files:
            p = os.path.join(root, n)
            with open(p, "rb") as f:
                out[os.path.relpath(p, d)] = hashlib.sha256(f.read()).hexdigest()
    return out


def leftovers(parent):
    return sorted(n for n in os.listdir(parent) if ".dlgconv-new-" in n or ".dlgconv-old-" in n)


def interrupt(what, sig, inp, out, args):
    size = os.path.getsize(inp)
    p = subprocess.Popen([dlgconv, "convert", "-q", inp, "-o", out, "--force"] + args,
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while p.poll() is None and time.monotonic() < deadline:
        done = read_all_input(p.pid, size)
        if done or done is None:
            if done is None:
                time.sleep(0.5)  # no /proc: a guess that the input has been read
            break
        time.sleep(0.002)
    if p.poll() is not None:
        check(False, "%s: the run ended (exit %d) before the signal: the line is too small "
              "for this machine" % (what, p.returncode))
        return
    sent = time.monotonic()
    p.send_signal(sig)
    try:
        _, err = p.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        _, err = p.communicate()
        check(False, "%s: still running 60 s after the signal" % what)
        return
    took = time.monotonic() - sent
    err = err.decode(errors="replace")
    print("%s: exit %d %.0f ms after the signal" % (what, p.returncode, took * 1000))
    check(p.returncode == 3, "%s: exit %d, not 3: %s" % (what, p.returncode, err[-300:]))
    check("interrupted" in err, "%s: stderr does not say interrupted: %s" % (what, err[-300:]))
    check(took <= ALLOWED, "%s: exit %.2f s after the signal, more than %.1f s"
          % (what, took, ALLOWED))
    check(not leftovers(os.path.dirname(out)), "%s: left %s" % (what,
                                                                leftovers(os.path.dirname(out))))


with tempfile.TemporaryDirectory() as tmp:
    jsonl = os.path.join(tmp, "huge.jsonl")
    txt = os.path.join(tmp, "huge.txt")
    small = os.path.join(tmp, "small.jsonl")
    for path, fmt in ((jsonl, "jsonl"), (txt, "text")):
        subprocess.run([sys.executable, corpus, path, "spans", SIZE, "--format", fmt], check=True)
    with open(small, "w") as f:
        f.write('{"messages": [{"role": "user", "content": "Hi. *sighs* Hello."}, '
                '{"role": "assistant", "content": "Hello."}]}\n')

    # no dataset before: none after
    for what, sig, inp, args in (("SIGINT, JSON line", signal.SIGINT, jsonl, []),
                                 ("SIGTERM, JSON line, -j 1", signal.SIGTERM, jsonl, ["-j", "1"]),
                                 ("SIGINT, transcript line, -j 2", signal.SIGINT, txt, ["-j", "2"]),
                                 ("SIGTERM, transcript line", signal.SIGTERM, txt, [])):
        out = os.path.join(tmp, "new")
        interrupt(what, sig, inp, out, args)
        check(not os.path.exists(out), "%s: a dataset was left at %s" % (what, out))
        shutil.rmtree(out, ignore_errors=True)

    # a dataset before: the same after, the user's file in it too
    old = os.path.join(tmp, "old")
    r = subprocess.run([dlgconv, "convert", "-q", small, "-o", old], capture_output=True)
    check(r.returncode == 0, "the first dataset: exit %d: %s" % (r.returncode, r.stderr[-300:]))
    with open(os.path.join(old, "notes.txt"), "w") as f:
        f.write("mine\n")
    before = tree(old)
    for what, sig in (("SIGINT over a dataset", signal.SIGINT),
                      ("SIGTERM over a dataset", signal.SIGTERM)):
        interrupt(what, sig, jsonl, old, [])
        check(tree(old) == before, "%s: the old dataset changed" % what)

finish()
