#!/bin/sh
# An empty file, or one of white space only, is one finding whatever its format (E201 at
# 1:1): a .jsonl file of nothing used to pass validate with exit 0, and convert said
# "rejects.jsonl says why" of an empty rejects.jsonl.
: >empty.txt
: >empty.json
: >empty.jsonl
printf '\n  \n\t\n' >blank.jsonl
printf '\n\n' >blank.json
for f in empty.txt empty.json empty.jsonl blank.jsonl blank.json; do
	$DLGCONV validate -q "$f" 2>/dev/null
	echo "$f: exit $?"
done
$DLGCONV validate empty.json blank.jsonl 2>/dev/null
$DLGCONV convert -q empty.jsonl -o out 2>&1
echo "exit $?"
cat out/rejects.jsonl | cut -c1-120
