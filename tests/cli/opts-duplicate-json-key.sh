#!/bin/sh
# A key twice in a record: the last one is used, as Python's json does (cJSON alone keeps the
# first), with W316 once per record; in a JSON lines file and in a .json document alike.
cat >dup.jsonl <<'JSON'
{"messages":[{"role":"user","content":"old"}],"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]}
{"messages":[{"role":"assistant","content":"hi","role":"user"},{"role":"assistant","content":"first","content":"second","content":"last"}]}
{"messages":[{"role":"user","content":"q3"},{"role":"assistant","content":"a3"}]}
JSON
"$DLGCONV" validate dup.jsonl
echo "exit $?"
"$DLGCONV" validate --diagnostics json dup.jsonl 2>/dev/null | head -1
"$DLGCONV" convert --compress none --split all=1 dup.jsonl -o out >/dev/null
echo "exit $?"
sed 's/"id":"[0-9a-f]*",//' out/all.jsonl
printf '[{"text":"### Human: x\\n### Assistant: y","text":"### Human: q\\n### Assistant: a"}]' >doc.json
"$DLGCONV" convert --compress none --split all=1 doc.json -o doc >/dev/null
echo "exit $?"
sed 's/"id":"[0-9a-f]*",//' doc/all.jsonl
# --strict makes it an error, like every warning
"$DLGCONV" validate --strict dup.jsonl 2>/dev/null
echo "exit $?"
