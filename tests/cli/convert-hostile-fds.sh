# Closed or broken standard streams and a file size limit: the dataset is never corrupted.
check() { # the files the manifest lists are there with its sizes and SHA-256s
	python3 -c '
import hashlib, json, os, sys
d = sys.argv[1]; m = json.load(open(os.path.join(d, "manifest.json")))
bad = [n for n, f in m["files"].items()
       if hashlib.sha256(open(os.path.join(d, n), "rb").read()).hexdigest() != f["sha256"]]
print("manifest matches" if not bad else "MISMATCH %s" % bad)' "$1"
}
# stderr closed: findings must not land in the first output file (fd 2)
$DLGCONV convert -q "$FIXTURES/valid" -o closed 2>&-
echo "closed stderr: exit $?"
check closed
# stderr full: the dataset is written, the report is not: exit 5, not 3
$DLGCONV convert "$FIXTURES/valid" -o full 2>/dev/full
echo "full stderr: exit $?"
check full
# stderr into a pipe that closes at once (SIGPIPE ignored, EPIPE is a report failure)
($DLGCONV convert "$FIXTURES/valid" -o piped 2>&1; echo $? >piped.exit) | head -c 0
echo "piped: exit $(cat piped.exit)"
check piped
ls -A . | grep -c dlgconv-new
# a file size limit: exit 3 and the earlier dataset as it was (SIGXFSZ ignored, EFBIG)
cp -r piped before
(ulimit -f 1; ($DLGCONV convert -q --force "$FIXTURES/valid" -o piped --seed 7; echo $? >status) \
	2>&1 | grep -o "File too large")
echo "ulimit -f: exit $(cat status)"
diff -r before piped && echo "earlier dataset unchanged"
ls -A . | grep -c dlgconv-new || true
# stdout closed: the summary cannot be given, the dataset is written: exit 5, as for a full
# stdout (it took /dev/null's place and the run said 0)
$DLGCONV convert "$FIXTURES/valid" -o closed-out >&- 2>/dev/null
echo "closed stdout: exit $?"
check closed-out
# a map part committed and its summary lost: 5, not 3 (which says nothing was written)
$DLGCONV map -q --part 0/1 "$FIXTURES/valid" -o work >/dev/full 2>/dev/null
echo "map, full stdout: exit $?"
ls work
