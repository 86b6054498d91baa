#!/bin/sh
# The content decides, not the name: a .jsonl file (gzip or not) holding one JSON array is
# read as a JSON document, and a .json file holding JSON lines line by line (cJSON alone
# read its first record and dropped the rest unsaid); W319 once per file. Text after a
# document is E103 where it starts.
m1='{"messages":[{"role":"user","content":"q1"},{"role":"assistant","content":"a1"}]}'
m2='{"messages":[{"role":"user","content":"q2"},{"role":"assistant","content":"a2"}]}'
m3='{"messages":[{"role":"user","content":"q3"},{"role":"assistant","content":"a3"}]}'
printf '[\n%s,\n%s,\n%s\n]\n' "$m1" "$m2" "$m3" >array.jsonl
printf '[%s]' "$m1" | gzip -n >array.jsonl.gz
printf '%s\n%s\n\n%s\n' "$m1" "$m2" "$m3" >lines.json
printf '[%s]\n]\n' "$m1" >trailing.json
"$DLGCONV" validate --no-dedup array.jsonl array.jsonl.gz lines.json trailing.json
echo "exit $?"
"$DLGCONV" convert --no-dedup --compress none --split all=1 lines.json array.jsonl -o out
echo "exit $?"
sed 's/"id":"[0-9a-f]*",//; s/,"stage_directions":\[\]//g' out/all.jsonl
# JSON lines stay streamed: a .jsonl file of records is no W319, nor one whose first line
# is an array but not the whole file
printf '%s\n%s\n' "$m1" "$m2" >plain.jsonl
printf '[1]\n%s\n' "$m2" >array-line.jsonl
"$DLGCONV" validate --no-dedup plain.jsonl array-line.jsonl
echo "exit $?"
