#!/bin/sh
# Runs tests/cli/<case>.sh, each in a fresh temporary directory, and compares its exit status,
# stdout and stderr with <case>.exit, <case>.stdout and <case>.stderr (zstd's cli-tests).
# Findings name files as typed, so the fixtures' absolute directory is written `$FIXTURES`
# in the expectations, which hold the same on every machine.
#   cli-tests.sh DLGCONV [CASE...]      DLGCONV_UPDATE=1 rewrites the expectations
set -u
dlgconv=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
shift
here=$(cd "$(dirname "$0")/.." && pwd)
cases=${*:-$(cd "$here/tests/cli" && ls ./*.sh | sed 's|^\./||; s|\.sh$||')}
passed=0 failed=0
for c in $cases; do
	dir=$(mktemp -d)
	(cd "$dir" && DLGCONV=$dlgconv FIXTURES=$here/fixtures LC_ALL=C.UTF-8 \
		sh "$here/tests/cli/$c.sh" >"$dir/.stdout" 2>"$dir/.stderr")
	echo $? >"$dir/.exit"
	for part in stdout stderr; do
		sed "s|$here/fixtures|\$FIXTURES|g" "$dir/.$part" >"$dir/.$part.tmp" &&
			mv "$dir/.$part.tmp" "$dir/.$part"
	done
	ok=1
	for part in exit stdout stderr; do
		want=$here/tests/cli/$c.$part
		if [ "${DLGCONV_UPDATE:-}" = 1 ]; then
			cp "$dir/.$part" "$want"
		elif ! cmp -s "$dir/.$part" "$want"; then
			echo "FAIL: $c: $part differs:"
			diff "$want" "$dir/.$part" | head -20
			ok=0
		fi
	done
	rm -rf "$dir"
	if [ $ok = 1 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "cli: $passed passed, $failed failed"
[ $failed = 0 ]
