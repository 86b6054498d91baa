#!/bin/sh
# One --config, holding one JSON object and nothing after it; the command line still wins.
in=$FIXTURES/valid/crlf.txt
echo '{"split": "a=1"}' >a.json
echo '{"split": "b=1"}' >b.json
"$DLGCONV" convert -q --config a.json --config=b.json "$in" -o out
echo "exit $?"
printf '{"split": "a=1"}\n{"split": "b=1"}\n' >two.json
"$DLGCONV" convert -q --config two.json "$in" -o out
echo "exit $?"
printf '{"split": "a=1"} x\n' >garbage.json
"$DLGCONV" convert -q --config garbage.json "$in" -o out
echo "exit $?"
printf '{"split": "a=1",\n "seed": }\n' >broken.json
"$DLGCONV" convert -q --config broken.json "$in" -o out
echo "exit $?"
: >empty.json
"$DLGCONV" convert -q --config empty.json "$in" -o out
echo "exit $?"
# white space after the object is fine, and the command line wins over the file
printf '\n {"split": "a=1", "seed": 7} \r\n\t\n' >spaced.json
"$DLGCONV" convert -q --conf spaced.json --split c=1 "$in" -o out
echo "exit $?"
ls out
grep -c '"seed":[[:space:]]*"7"' out/manifest.json
# after --, '--config' is an input like any other
"$DLGCONV" validate -q -- --config a.json
echo "exit $?"
