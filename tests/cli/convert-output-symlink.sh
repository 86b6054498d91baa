# -o LINK where LINK is a symbolic link to a dataset's directory: the dataset is replaced in
# the directory LINK names, with the user's file kept there; LINK stays a link; runs through
# either name take the one lock, beside the real directory. (53802f5 made LINK a directory
# of its own, left the old dataset in the real one, and locked each name apart.)
seed="$FIXTURES/valid/seed.txt"
mkdir d && cd d || exit 1
$DLGCONV convert -q "$seed" -o real --seed 1 >/dev/null 2>&1
echo mine >real/notes.txt
ln -s real link
ln -s link link2
$DLGCONV convert -q --force "$seed" -o link --seed 2 >/dev/null 2>&1
echo "through the link: exit $?"
[ -L link ] && echo "link is still a link to $(readlink link)"
ls -A . real
sed -n 's/^[[:space:]]*"seed":[[:space:]]*"\([0-9]*\)".*/seed \1/p' real/manifest.json |
	sed 's/^/the dataset in real has /'
flock .real.dlgconv-lock sh -c '"$0" convert -q --force "$1" -o link2/ 2>err
echo "through a link to the link while real is locked: exit $?"' "$DLGCONV" "$seed"
sed "s|$(pwd -P)|PWD|g" err
flock .real.dlgconv-lock sh -c '"$0" convert -q --force "$1" -o real 2>/dev/null
echo "through the real name while real is locked: exit $?"' "$DLGCONV" "$seed"
# a link to nothing is refused, not replaced by a directory
ln -s nowhere dangling
$DLGCONV convert -q "$seed" -o dangling 2>&1
echo "through a dangling link: exit $?"
[ -L dangling ] && ! [ -e nowhere ] && echo "dangling is left as it was"
