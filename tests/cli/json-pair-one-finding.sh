#!/bin/sh
# A preference pair's two sides are read from one record: a finding about the record itself
# (invalid JSON, not an object) is said once, not again as "rejected side: ...".
cat >pairs.jsonl <<'JSON'
{"chosen":"\n\nHuman: hi\n\nAssistant: hello","rejected":"\n\nHuman: hi\n\nAssistant: go away"
["not", "an", "object"]
{"chosen":"\n\nHuman: hi\n\nAssistant: hello","rejected":"\n\nHuman: hi\n\nAssistant: go away"}
JSON
"$DLGCONV" convert --format preference --text-field chosen --rejected-field rejected \
	--split all=1 pairs.jsonl -o out
echo "exit $?"
