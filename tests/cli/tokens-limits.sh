#!/bin/sh
# --max-tokens with each --over-limit (issue 22, item 4): error rejects (E220) and fails the
# run; drop leaves the conversation out without failing it (W330, in rejects.jsonl);
# truncate-turns removes whole exchanges from the start, the system turn kept (W331), or
# rejects when even the last exchange is too long. A conversation with no assistant token is
# E221. Llama 3 counts under its tokenizer's chat template (docs/templates.md; the same as
# @huggingface/jinja and tokenizers.js give): a.txt 46 tokens, with its first exchange gone
# 28; b.txt 17. With --template none, the contents alone: a.txt's 3+7+1+2+3 = 16.
printf '### System: Be brief.\n### Human: one two three four five six seven\n### Assistant: ok\n### Human: tell me\n### Assistant: Sure thing.\n' >a.txt
printf '### Human: hi\n### Assistant: hello\n' >b.txt
printf '### System: only a system turn\n' >s.txt
tok=$FIXTURES/tokenizers/llama3
"$DLGCONV" validate --tokenizer "$tok" --max-tokens 30 --diagnostics github a.txt
echo "exit $?"
"$DLGCONV" validate --tokenizer "$tok" --max-tokens 46 a.txt
echo "exit $?"
"$DLGCONV" validate --tokenizer "$tok" --template none --max-tokens 16 a.txt
echo "exit $?"
"$DLGCONV" convert -q --tokenizer "$tok" --max-tokens 30 --over-limit drop a.txt b.txt -o drop
echo "exit $?"
cat drop/rejects.jsonl
"$DLGCONV" convert --tokenizer "$tok" --max-tokens 30 --over-limit truncate-turns \
	--emit-token-counts --compress none --split train=1 a.txt -o cut
echo "exit $?"
sed 's/^{"id":"[0-9a-f]*",/{/' cut/train.jsonl
"$DLGCONV" validate --tokenizer "$tok" --max-tokens 20 --over-limit truncate-turns a.txt
echo "exit $?"
"$DLGCONV" validate --tokenizer "$tok" --min-turns 0 s.txt
echo "exit $?"
"$DLGCONV" validate --max-tokens 10 a.txt
echo "exit $?"
"$DLGCONV" validate --tokenizer "$tok" --over-limit truncate-turns --rejected-field r --text-field c a.txt
echo "exit $?"
