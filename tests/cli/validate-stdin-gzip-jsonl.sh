#!/bin/sh
# JSON lines, gzip-compressed, on stdin: both told from the content
gzip -c "$FIXTURES/invalid/E103-invalid-json.jsonl" | "$DLGCONV" validate -
