"""What every Python test here shares: counted checks, FAIL lines, and the closing
'N passed, N failed' line that CI reads."""
import sys

failures = []
checked = 0


def check(cond, what):
    global checked
    checked += 1
    if not cond:
        failures.append(what)


def finish():
    for f in failures:
        print("FAIL:", f)
    print("%d passed, %d failed" % (checked - len(failures), len(failures)))
    sys.exit(1 if failures else 0)
