#!/bin/sh
# A real full disk: a 256 KiB tmpfs holds a first dataset; a second, larger one cannot fit.
# The failed run must exit 3, say so, and leave the first dataset byte for byte. Needs root
# to mount; where it cannot, it says so and ctest counts it as skipped (exit 77).
#   tmpfs_test.sh DLGCONV FIXTURES_DIR
set -u
dlgconv=$1 fixtures=$2
work=$(mktemp -d)
mnt=$work/disk
mkdir -p "$mnt" "$work/big"
if ! mount -t tmpfs -o size=256k tmpfs "$mnt" 2>/dev/null; then
	echo "tmpfs: cannot mount a tmpfs here (not root?); skipped"
	rm -rf "$work"
	exit 77
fi
. "$(dirname "$0")/checks.sh"
/usr/bin/python3 - "$work/big" <<'PY'
import random, sys
rng = random.Random(5)
words = "the a week long hard sleep friend work talk help feel better walk call".split()
for i in range(400):
    with open("%s/c%04d.txt" % (sys.argv[1], i), "w") as f:
        for t in range(4):
            who = "Human" if t % 2 == 0 else "Assistant"
            f.write("### %s: %s %d\n\n" % (who, " ".join(rng.choice(words) for _ in range(400)), i))
PY
"$dlgconv" convert -q "$fixtures/valid" -o "$mnt/out" 2>/dev/null
check "the first dataset fits" "[ -s '$mnt/out/manifest.json' ]"
cp -r "$mnt/out" "$work/before"
"$dlgconv" convert -q --force "$work/big" -o "$mnt/out" 2>"$work/err"
rc=$?
check "a full disk exits 3 (got $rc)" "[ $rc = 3 ]"
check "it says so" "grep -q 'No space left on device' '$work/err'"
check "the first dataset is untouched" "diff -r '$work/before' '$mnt/out' >/dev/null"
check "no temporary file is left" "! ls -A '$mnt/out' | grep -q dlgconv-"
umount "$mnt"
rm -rf "$work"
checks_finish tmpfs
