# One run at a time per output directory (a lock beside it); what a killed run left is
# cleaned by the next; the user's own files survive --force, a directory of theirs stops it.
seed="$FIXTURES/valid/seed.txt"
mkdir d
flock d/.out.dlgconv-lock sh -c "\"$DLGCONV\" convert -q \"$seed\" -o d/out; echo \"while locked: exit \$?\""
ls -A d
# a killed run's staging and old directories, and an older version's temporary files
$DLGCONV convert -q "$seed" -o d/out 2>/dev/null
mkdir d/.out.dlgconv-new-AbC123 d/.out.dlgconv-old-XyZ789
echo partial > d/.out.dlgconv-new-AbC123/train.jsonl.gz
echo stale > d/out/.dlgconv-tmp-4242-train.jsonl.gz
echo mine > d/out/notes.txt
$DLGCONV convert -q --force "$seed" -o d/out --seed 3 2>/dev/null
echo "after leftovers: exit $?"
ls -A d d/out
mkdir d/out/mydir
$DLGCONV convert -q --force "$seed" -o d/out 2>&1
echo "with a directory of yours: exit $?"
ls -A d
