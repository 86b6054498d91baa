#!/bin/sh
# E101 says which --input-encoding the bytes look like: cp1252 for 0x80-0x9F, latin1 for
# 0xA0-0xFF only, neither for 0x81 (undefined in cp1252)
"$DLGCONV" validate "$FIXTURES/encoding/cp1252.txt" "$FIXTURES/encoding/latin1.txt" \
	"$FIXTURES/encoding/cp1252-undefined.txt"
