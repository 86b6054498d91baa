#!/bin/sh
mkdir out && echo mine > out/notes.txt
"$DLGCONV" convert -q "$FIXTURES/valid/seed.txt" -o out
echo "exit $?"
ls out
"$DLGCONV" convert -q --force "$FIXTURES/valid/seed.txt" -o out
echo "exit $?"
ls out
