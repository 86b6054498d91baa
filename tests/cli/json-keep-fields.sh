#!/bin/sh
# --keep-fields copies top-level input fields into meta as they were written (an id past
# 2^53 keeps its last digit, an object its spacing); every record has every named key, null where
# its input had none (a text transcript has none); the card declares their types, and a
# value whose type differs from the earlier ones is W320 and written as null.
cat >kept.jsonl <<'JSON'
{"id": 9007199254740993, "lang": "de", "meta": {"rating": 4.5, "tags": ["a"]}, "messages": [{"role": "user", "content": "q1"}, {"role": "assistant", "content": "a1"}]}
{"id": 2, "meta": {"rating": 3, "tags": []}, "messages": [{"role": "user", "content": "q2"}, {"role": "assistant", "content": "a2"}]}
{"id": "three", "lang": "fr", "messages": [{"role": "user", "content": "q3"}, {"role": "assistant", "content": "a3"}]}
JSON
printf '### Human: q4\n### Assistant: a4\n' >t.txt
"$DLGCONV" convert --keep-fields id,lang --keep-fields meta --keep-preamble --compress none \
	--split all=1 kept.jsonl t.txt -o out
echo "exit $?"
sed 's/^.*}\],"meta"/"meta"/' out/all.jsonl
sed -n '/- name: meta/,/splits:/p' out/README.md
# --bare: the record holds messages alone, meta goes to provenance.jsonl
"$DLGCONV" convert --bare --keep-fields lang --compress none --split all=1 kept.jsonl -o bare
echo "exit $?"
head -1 bare/all.jsonl
sed 's/^.*\]\],"meta"/"meta"/' bare/provenance.jsonl
# names that cannot work
"$DLGCONV" validate --keep-fields id,,lang kept.jsonl
echo "exit $?"
"$DLGCONV" validate --keep-preamble --keep-fields preamble kept.jsonl
echo "exit $?"
"$DLGCONV" validate --keep-fields id --keep-fields id kept.jsonl
echo "exit $?"
# in --config, as a list (repeatable options add up)
echo '{"keep-fields": ["id", "lang,meta"], "compress": "none", "split": "all=1"}' >cfg.json
"$DLGCONV" convert --config cfg.json kept.jsonl -o cfg 2>/dev/null
echo "exit $?"
python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["options"]["keep_fields"])' \
	cfg/manifest.json
