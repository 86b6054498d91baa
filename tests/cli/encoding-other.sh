#!/bin/sh
# Latin-1, gzip-compressed, on stdin; UTF-16 with a BOM; a byte cp1252 leaves undefined
gzip -c "$FIXTURES/encoding/latin1.txt" | "$DLGCONV" convert --input-encoding latin1 - -o l1 \
	&& zcat l1/*.jsonl.gz
"$DLGCONV" convert --input-encoding UTF-16 "$FIXTURES/encoding/utf16le-bom.txt" -o u16 \
	&& zcat u16/*.jsonl.gz
"$DLGCONV" validate --input-encoding cp1252 "$FIXTURES/encoding/cp1252-undefined.txt"
echo "exit $?"
