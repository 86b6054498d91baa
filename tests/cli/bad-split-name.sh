#!/bin/sh
"$DLGCONV" convert --split ../evil=1 "$FIXTURES/valid/seed.txt" -o out
