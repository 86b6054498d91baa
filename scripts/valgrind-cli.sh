#!/bin/sh
# Runs the CLI tests with every dlgconv call under valgrind's memcheck: a leak or memory
# error makes that call exit 99 (so its case fails) and leaves a report in the log folder.
#   valgrind-cli.sh DLGCONV
set -u
dlgconv=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
# The log goes to a high descriptor: with --log-file, a test that closes stderr (2>&-) would
# get valgrind's log as its descriptor 2 and write its findings there.
cat >"$work/dlgconv" <<WRAP
#!/bin/sh
exec 9>"$work/vg.\$\$"
exec valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \\
	--error-exitcode=99 --log-fd=9 "$dlgconv" "\$@"
WRAP
chmod +x "$work/dlgconv"
sh "$here/scripts/cli-tests.sh" "$work/dlgconv"
rc=$?
reports=$(find "$work" -name 'vg.*' -size +0 | wc -l)
if [ "$reports" -gt 0 ]; then
	echo "valgrind: $reports report(s):"
	find "$work" -name 'vg.*' -size +0 -exec cat {} \;
	rc=1
fi
echo "valgrind: $(find "$work" -name 'vg.*' | wc -l) dlgconv runs checked"
rm -rf "$work"
exit $rc
