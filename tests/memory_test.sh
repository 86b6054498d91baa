#!/bin/sh
# Memory bounded whatever the shape of the input (issue 21, docs/performance.md "Memory
# limits"): a transcript of 16 Mi one-character lines (32 MiB) converts within 512 MiB of
# address space, and a folder of four of them with -j 4 within 1280 MiB under a memory budget
# of 512 MiB (the default, 1 GiB, lets all four in at once: 256 MiB each by the estimate,
# and the threads' malloc arenas then take the address space left). Address-space limits
# (prlimit --as) fail the same way on every run, unlike timings or RSS. Before a turn kept
# its raw text as a range of the input (every line was a 40-byte entry, 20 times the file)
# and the budget counted what an item will take rather than its bytes, these needed 858 MiB
# and 2.4 GiB of RSS, and failed here with "out of memory" even at 3 GiB for the folder.
# Not in a sanitizer build: ASan reserves terabytes of address space (its shadow memory), so
# any limit fails there whatever the program does; ctest counts it as skipped (exit 77).
#   memory_test.sh DLGCONV [sanitize]
set -u
dlgconv=$1
if [ "${2:-}" = sanitize ]; then
	echo "memory: an address-space limit means nothing under ASan; skipped"
	exit 77
fi
. "$(dirname "$0")/checks.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/four"
/usr/bin/python3 - "$work/one-char.txt" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("### Human: x\n" + "x\n" * (16 << 20) + "### Assistant: ok\n")
PY
for i in 1 2 3 4; do ln "$work/one-char.txt" "$work/four/$i.txt"; done
prlimit --as=$((512 << 20)) "$dlgconv" convert -q -j 2 "$work/one-char.txt" -o "$work/out" \
	>/dev/null 2>"$work/err"
check "one file of one-character lines within 512 MiB (exit $?: $(head -c 200 "$work/err"))" \
	"[ -s '$work/out/manifest.json' ] && [ ! -s '$work/err' ]"
prlimit --as=$((1280 << 20)) "$dlgconv" convert -q -j 4 --memory-budget $((512 << 20)) \
	"$work/four" -o "$work/out-four" >/dev/null 2>"$work/err"
check "four such files, -j 4, within 1280 MiB (exit $?: $(head -c 200 "$work/err"))" \
	"[ -s '$work/out-four/manifest.json' ] && [ ! -s '$work/err' ]"
# and what was written is every line: 16 Mi + 1 of them in the first turn
zcat "$work/out/train.jsonl.gz" "$work/out/validation.jsonl.gz" "$work/out/test.jsonl.gz" \
	2>/dev/null | /usr/bin/python3 -c '
import json, sys
r = [json.loads(l) for l in sys.stdin]
assert len(r) == 1 and r[0]["messages"][0]["content"].count("x") == (16 << 20) + 1, "lost"
' 2>"$work/err"
check "the conversation is whole ($(tail -1 "$work/err"))" "[ ! -s '$work/err' ]"
checks_finish memory
