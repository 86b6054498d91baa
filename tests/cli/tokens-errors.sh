#!/bin/sh
# A tokenizer dlgconv cannot read is a usage error naming what it refuses; so is
# --emit-token-counts without --tokenizer, and --keep-fields tokens with it (both would write
# meta.tokens). Nothing is written.
printf '### Human: hi\n### Assistant: hello\n' >a.txt
mkdir wp
printf '{"model":{"type":"WordPiece","vocab":{"a":0}}}' >wp/tokenizer.json
"$DLGCONV" convert -q a.txt -o out --tokenizer wp
echo "exit $?"
"$DLGCONV" convert -q a.txt -o out --emit-token-counts
echo "exit $?"
"$DLGCONV" convert -q a.txt -o out --tokenizer "$FIXTURES/tokenizers/llama2" --emit-token-counts \
	--keep-fields tokens
echo "exit $?"
"$DLGCONV" stats -q a.txt --tokenizer p50k_base.tiktoken
echo "exit $?"
"$DLGCONV" stats -q a.txt --tokenizer missing
echo "exit $?"
ls
