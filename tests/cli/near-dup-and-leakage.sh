#!/bin/sh
# --near-dup drop and group on two planted near-copies, stats' cluster count, and leakage
# across a naive split, against an evaluation file, and in dlgconv's own group output
c=$FIXTURES/neardup/corpus.jsonl
echo "-- drop: W321 names the kept conversation"
"$DLGCONV" convert --near-dup drop --split all=1 --compress none "$c" -o drop
echo "exit $?"
cut -c1-60 drop/rejects.jsonl
sed 's/.*\("near_duplicate_of".*\)}/\1/' drop/rejects.jsonl
grep -A1 '"near_dup"' drop/manifest.json
grep '"near_duplicates"\|"near_dup_clusters"' drop/manifest.json
echo "-- group: the copies go where their originals went (off puts record 6 apart from 2)"
for mode in off group; do
	"$DLGCONV" convert -q --near-dup $mode --split a=1,b=1 --seed 4 --compress none "$c" \
		-o $mode 2>/dev/null
	for f in $mode/a.jsonl $mode/b.jsonl; do
		echo "$f: $(sed 's/.*"record":\([0-9]*\).*/\1/' "$f" | tr '\n' ' ')"
	done
done
echo "-- stats counts the clusters"
"$DLGCONV" stats --near-dup group "$c" 2>/dev/null | grep near-dup
echo "-- leakage: a split by position puts the copies on both sides"
"$DLGCONV" leakage "$FIXTURES/neardup/naive" | sed 's/ [0-9a-f]\{32\}//g'
echo "exit $?"
"$DLGCONV" leakage --max-leakage 0.1 "$FIXTURES/neardup/naive" >/dev/null
echo "exit $?"
echo "-- none in dlgconv's own group output; the evaluation file's copy is found"
"$DLGCONV" leakage group --against "$FIXTURES/neardup/eval.jsonl" --max-leakage 0.2 |
	sed 's/ [0-9a-f]\{32\}//g; s|'"$FIXTURES"'|$FIXTURES|'
echo "exit $?"
echo "-- usage errors"
"$DLGCONV" leakage group drop
echo "exit $?"
"$DLGCONV" leakage --max-leakage 2 group
echo "exit $?"
"$DLGCONV" convert --near-dup-threshold 0 "$c" -o x
echo "exit $?"
"$DLGCONV" leakage nowhere
echo "exit $?"
