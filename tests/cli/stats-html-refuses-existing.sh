#!/bin/sh
# issue 13: `stats --html a.jsonl b.jsonl` wrote the report over a.jsonl; an existing FILE is
# replaced only with --force
cp "$FIXTURES/realworld/hh-rlhf-harmless-base.jsonl" a.jsonl
cp "$FIXTURES/realworld/hh-rlhf-harmless-base.jsonl" b.jsonl
"$DLGCONV" stats --html a.jsonl b.jsonl
echo "exit $?"
cmp a.jsonl b.jsonl && echo "a.jsonl unchanged"
"$DLGCONV" stats -q --text-field chosen --html report.html b.jsonl >/dev/null
echo "exit $?"
"$DLGCONV" stats -q --text-field chosen --html report.html b.jsonl >/dev/null
echo "exit $?"
"$DLGCONV" stats -q --text-field chosen --force --html report.html b.jsonl >/dev/null
echo "exit $?"
head -c 15 report.html && echo
