#!/bin/sh
# --force replaces dlgconv's own files, never a directory of the user's that bears one of
# their names: the run fails and the directory stays, with what it holds.
mkdir -p out/train.jsonl.gz
echo mine >out/train.jsonl.gz/notes.txt
"$DLGCONV" convert -q --force "$FIXTURES/valid/crlf.txt" -o out 2>/dev/null
[ $? -ne 0 ] && echo failed
find out | sort
cat out/train.jsonl.gz/notes.txt
