#!/bin/sh
# Weights are positive and finite, and so is their total: a=1e308,b=1e308 overflows it, and
# every conversation would land in b.
in=$FIXTURES/valid/crlf.txt
for spec in a=1e308,b=1e308 a=inf,b=1 a=nan,b=1 a=-1,b=1 a=0,b=1 a=1e999 a=1,b; do
	"$DLGCONV" convert -q --split "$spec" "$in" -o out
	echo "exit $?"
done
"$DLGCONV" convert -q --split a=1e307,b=1e307 "$in" -o out
echo "exit $?"
ls out
