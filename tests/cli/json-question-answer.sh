#!/bin/sh
# Question/answer records (BELLE's eval set: question, std_answer, class): without options
# E201 names the fields to read them by; read as a transcript the question has no marker
# and is said to be dropped (W301, with the option that keeps it) instead of going unsaid;
# --prompt-field reads it as the user's turn, and what is left of the record is named
# (W322) or kept.
qa="$FIXTURES/realworld/belle-eval-set.json"
"$DLGCONV" validate "$qa" 2>/dev/null | head -1
"$DLGCONV" validate --text-field question --response-field std_answer \
	--leading-assistant keep --min-turns 1 "$qa"
echo "exit $?"
"$DLGCONV" convert --prompt-field question --response-field std_answer --keep-fields class \
	--compress none --split all=1 "$qa" -o out
echo "exit $?"
python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    print(r["record"], r["meta"], [(m["role"], m["content"][:20]) for m in r["messages"]])' out/all.jsonl
