#!/bin/sh
# issue 13: --html takes a FILE; an input is never written over, even with --force
cp "$FIXTURES/valid/seed.txt" a.txt
cp "$FIXTURES/valid/seed.txt" b.txt
"$DLGCONV" stats --force --html a.txt b.txt a.txt
echo "exit $?"
"$DLGCONV" stats --force --html . .
echo "exit $?"
cmp a.txt "$FIXTURES/valid/seed.txt" && echo "a.txt unchanged"
