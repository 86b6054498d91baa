#!/bin/sh
# the same file as encoding-hint's, read as Windows-1252
"$DLGCONV" convert --input-encoding cp1252 "$FIXTURES/encoding/cp1252.txt" -o out || exit
zcat out/*.jsonl.gz
