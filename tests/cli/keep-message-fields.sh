#!/bin/sh
# --keep-message-fields: a key a written message has of its own, or carries, is refused
# (written twice, a reader would keep one of the two: sharegpt's value, a weight); a first
# system turn whose kept fields are all null is still sharegpt's system column, and reading
# that back gives the same id (issue 20).
printf '%s\n' '{"messages":[{"role":"system","content":"Be kind."},{"role":"user","content":"Hello there friend","note":"x"},{"role":"assistant","content":"Hi, how can I help?","weight":1}]}' >k.jsonl
for field in value from weight name reasoning_content tool_calls tool_call_id thinking; do
	"$DLGCONV" validate --keep-message-fields "$field" k.jsonl
	echo "$field: exit $?"
done
"$DLGCONV" convert -q --format sharegpt --keep-message-fields note --split all=1 \
	--compress none k.jsonl -o sg
echo "exit $?"
cat sg/all.jsonl
"$DLGCONV" convert -q --keep-message-fields note --split all=1 --compress none sg/all.jsonl \
	-o back
echo "exit $?"
python3 -c 'import json, sys; a, b = (json.loads(open(p).readline()) for p in sys.argv[1:]); print(a["id"] == b["id"], [m["role"] for m in b["messages"]])' sg/all.jsonl back/all.jsonl
