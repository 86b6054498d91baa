# --force replaces the earlier dataset whole: the split files it wrote and this run does not
# (another --split, or a split left empty) go in the same step; the user's own files stay.
$DLGCONV convert -q "$FIXTURES/valid" -o out 2>/dev/null
echo mine > out/notes.txt
ls out
$DLGCONV convert -q "$FIXTURES/valid/seed.txt" -o out --force --split a=1,b=1
echo "exit $?"
ls out
