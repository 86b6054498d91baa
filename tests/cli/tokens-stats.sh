#!/bin/sh
# stats --tokenizer: tokens by role (trainable = the assistant's) and per conversation, in
# the table and in --json; a tiktoken rank file read gzipped (issue 22, item 3).
printf '### Human: How many tokens?\n### Assistant: A few.\n' >a.txt
printf '### Human: And here?\n### Assistant: Some more, for sure: 1234567.\n### Human: ok\n### Assistant: ok\n' >b.txt
tok=$FIXTURES/tokenizers/cl100k_base.tiktoken.gz
"$DLGCONV" stats --tokenizer "$tok" a.txt b.txt | sed -n '/^tokens/,$p'
echo "exit $?"
"$DLGCONV" stats --json --tokenizer "$tok" a.txt b.txt | sed -n '/"tokens"/,/^	}/p'
# under Qwen 2.5's chat template (its tokenizer's): each conversation's rendering, 38 and
# 61 tokens, 5 and 20 trainable (@huggingface/jinja and tokenizers.js give the same)
"$DLGCONV" stats --tokenizer "$FIXTURES/tokenizers/qwen2.5" a.txt b.txt | sed -n '/^tokens/,$p'
