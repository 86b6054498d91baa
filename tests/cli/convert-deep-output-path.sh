# An output directory deep down (scratch space on a cluster): a path of over 3,000 bytes,
# each name under NAME_MAX, gets the dataset a short path gets, first and with --force.
# commit.c held its paths in 300-byte buffers and refused any DIR under a ~275-byte parent.
deep=$PWD
for i in 01 02 03 04 05 06 07 08 09 10 11 12 13 14 15; do
	deep=$deep/$i$(printf '%0198d' 0)
done
deep=$deep/out
[ ${#deep} -gt 3000 ] && echo "a path of over 3000 bytes"
$DLGCONV convert -q "$FIXTURES/valid" -o short 2>/dev/null
for run in first --force; do
	force=
	[ $run = --force ] && force=--force
	$DLGCONV convert -q "$FIXTURES/valid" -o "$deep" $force >/dev/null
	echo "$run: exit $?"
	ls -A "$deep"
	for f in short/*; do
		cmp -s "$f" "$deep/${f#short/}" || echo "${f#short/} differs"
	done
done
# what is left beside it: the lock, as beside any DIR
ls -A "${deep%/out}"
