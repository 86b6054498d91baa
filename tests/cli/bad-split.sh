#!/bin/sh
"$DLGCONV" convert --split train=abc "$FIXTURES/valid/seed.txt" -o out
