#!/bin/sh
"$DLGCONV" convert --split a=1,b=1,c=2 --seed 3 "$FIXTURES/valid" -o out 2>/dev/null || exit
ls out
