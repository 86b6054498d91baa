#!/bin/sh
"$DLGCONV" validate --input-encoding no-such-charset "$FIXTURES/encoding/cp1252.txt"
