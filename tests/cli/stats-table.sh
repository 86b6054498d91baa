#!/bin/sh
"$DLGCONV" stats -j 2 "$FIXTURES/valid" "$FIXTURES/invalid"
