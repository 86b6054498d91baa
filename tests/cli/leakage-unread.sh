#!/bin/sh
# leakage says which records it could not read as conversations, and fails where its rate
# would vouch for them: a split of bytes that are no JSON, and dlgconv's own preference
# output (read as conversations later), gave "0 of N (0.00%)" and exit 0, even with
# --max-leakage 0.
mkdir -p bytes
printf '\377\376\001garbage\n\200\201\n' | gzip -n >bytes/train.jsonl.gz
$DLGCONV leakage bytes
echo "exit $?"
$DLGCONV convert -q --format preference --text-field chosen --rejected-field rejected \
	--split train=1,test=1 "$FIXTURES/preference" -o pref >/dev/null 2>&1
$DLGCONV leakage --max-leakage 0 pref
echo "exit $?"
# one good split and one unreadable record: the rate is of what was read, and said so
mkdir -p mixed
$DLGCONV convert -q --split train=1 "$FIXTURES/valid/seed.txt" -o good >/dev/null 2>&1
cp good/train.jsonl.gz mixed/train.jsonl.gz
printf '{"messages": 5}\n' >mixed/test.jsonl
$DLGCONV leakage --json mixed | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["conversations"], d["unread"])'
echo "exit $?"
$DLGCONV leakage --max-leakage 0.5 mixed >/dev/null
echo "exit $?"
