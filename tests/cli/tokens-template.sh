#!/bin/sh
# Counts under a chat template (docs/templates.md): the tokenizer's own by default (Qwen
# 2.5's, with its tools), a built-in one with --template, none. The trainable tokens are
# TRL's prompt-completion masking at each assistant turn, a weight-0 turn left out (also
# without a template: the assistant contents' less its). A
# template that refuses a conversation (Gemma 2 and a system turn) is E222 with the
# template's own message; an unknown name, --template without --tokenizer, and
# --template tokenizer for a tokenizer without a template are refused before reading.
# Every total and trainable count here is what @huggingface/jinja and tokenizers.js give.
printf '### System: Be brief.\n### Human: Hi there\n### Assistant: Hello!\n### Human: Bye\n### Assistant: Bye.\n' >a.txt
cat >b.jsonl <<'JSON'
{"messages":[{"role":"user","content":"Q"},{"role":"assistant","content":"A","weight":0},{"role":"user","content":"Q2"},{"role":"assistant","content":"A2"}]}
{"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}],"messages":[{"role":"user","content":"Weather in Paris?"},{"role":"assistant","content":"","tool_calls":[{"id":"c1","type":"function","function":{"name":"get_weather","arguments":{"city":"Paris"}}}]},{"role":"tool","content":"21","tool_call_id":"c1"},{"role":"assistant","content":"21 degrees."}]}
JSON
tok=$FIXTURES/tokenizers/qwen2.5
for t in "" "--template chatml" "--template none"; do
	echo "== ${t:-the tokenizer's template}"
	"$DLGCONV" convert -q --compress none --split train=1 --tokenizer "$tok" $t \
		--emit-token-counts a.txt b.jsonl -o "out$t"
	echo "exit $?"
	sed 's/.*"meta"/"meta"/' "out$t/train.jsonl"
	python3 -c 'import json, sys; m = json.load(open(sys.argv[1])); print(m["counts"]["tokens_per_split"], m["options"].get("chat_template"))' "out$t/manifest.json"
done
"$DLGCONV" validate --tokenizer "$tok" --template gemma2 a.txt
echo "exit $?"
"$DLGCONV" validate --tokenizer "$tok" --template llama4 a.txt
echo "exit $?"
"$DLGCONV" validate --template chatml a.txt
echo "exit $?"
"$DLGCONV" validate --tokenizer "$FIXTURES/tokenizers/gpt2" --template tokenizer a.txt
echo "exit $?"
# a tokenizer_config.json's template: a list's "default" is used (32 tokens, 14 trainable, as
# the references give), its eos_token an AddedToken's content; one outside the subset stops
# the run before any input is read, naming the construct and where
mkdir own bad
cp "$FIXTURES/tokenizers/gpt2/tokenizer.json.gz" own/
cp "$FIXTURES/tokenizers/gpt2/tokenizer.json.gz" bad/
printf '%s\n' '{"eos_token":{"content":"<|endoftext|>"},"chat_template":[{"name":"tool_use","template":"x"},{"name":"default","template":"{% for m in messages %}{{ m.role }}: {{ m.content }}{{ eos_token }}\n{% endfor %}"}]}' >own/tokenizer_config.json
printf '%s\n' '{"chat_template":"{% for m in messages %}\n  {% macro f() %}{% endmacro %}{% endfor %}"}' >bad/tokenizer_config.json
"$DLGCONV" convert -q --compress none --split train=1 --tokenizer own --emit-token-counts a.txt -o o2
echo "exit $?"
sed 's/.*"meta"/"meta"/' o2/train.jsonl
"$DLGCONV" validate --tokenizer bad a.txt
echo "exit $?"
