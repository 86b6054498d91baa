#!/bin/sh
# --tokenizer with --emit-token-counts: each record's meta.tokens (total and trainable under
# the tokenizer's chat template, docs/templates.md; each message's content alone) and the
# manifest's tokens per split (issue 22, item 3). Text written like a special token is that
# one token (docs/tokenizers.md).
printf '### System: Be brief.\n### Human: Hi <|eot_id|> there\n### Assistant: Hello!  12345 ☕\n' >a.txt
printf '### Human: 日本語\n### Assistant: 😀\n' >b.txt
"$DLGCONV" convert -q --compress none --split train=1 --tokenizer "$FIXTURES/tokenizers/llama3" \
	--emit-token-counts a.txt b.txt -o out
echo "exit $?"
sed 's/.*"meta"/"meta"/' out/train.jsonl
python3 -c 'import json; m = json.load(open("out/manifest.json")); print(m["counts"]["tokens_per_split"], m["options"]["tokenizer"])'
