#!/bin/sh
"$DLGCONV" convert -q --max-rejects 2 "$FIXTURES/invalid" -o out 2>err
echo "exit $?"
tail -1 err
test -e out && echo "out was left behind" || echo "no out"
