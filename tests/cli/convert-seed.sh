#!/bin/sh
"$DLGCONV" convert "$FIXTURES/valid/seed.txt" -o out || exit
ls out
zcat out/train.jsonl.gz | cut -c1-80
