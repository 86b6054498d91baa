#!/bin/sh
# --price-per-mtok X --epochs E (issue 22, item 4): each split's training cost, its tokens
# (under the chat template) times E times X per million, as fine-tuning is billed; printed
# by convert after its summary, by stats in its table and --json. Needs --tokenizer.
printf '### Human: How many tokens?\n### Assistant: A few.\n' >a.txt
printf '### Human: And here?\n### Assistant: Some more, for sure: 1234567.\n' >b.txt
tok=$FIXTURES/tokenizers/qwen2.5
"$DLGCONV" convert -q --split train=1 --tokenizer "$tok" --price-per-mtok 8 --epochs 3 \
	a.txt b.txt -o out
echo "exit $?"
"$DLGCONV" stats --tokenizer "$tok" --price-per-mtok 2000 a.txt b.txt | grep '^training cost'
"$DLGCONV" stats --json --tokenizer "$tok" --price-per-mtok 0.5 --epochs 2 a.txt b.txt |
	sed -n '/"cost"/,/^	}/p'
"$DLGCONV" stats --price-per-mtok 8 a.txt
echo "exit $?"
"$DLGCONV" stats --tokenizer "$tok" --price-per-mtok 0 a.txt
echo "exit $?"
"$DLGCONV" stats --tokenizer "$tok" --price-per-mtok 8 --epochs 0 a.txt
echo "exit $?"
