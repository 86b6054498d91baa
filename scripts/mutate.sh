#!/bin/sh
# Do the tests catch bugs? Applies one small, plausible bug at a time to src/lib
# (scripts/mutants.txt: a flipped comparison, a dropped check, an off-by-one), rebuilds, runs
# the test suite and says whether it failed (the mutant is killed) or passed (it survived).
# Prints the score; exits 1 when a mutant survived.
#   scripts/mutate.sh [WORKDIR]          (default build/mutate; src/lib is restored)
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$here/build/mutate}
sh "$here/scripts/install-deps.sh"
# tests and the CLI on, no sanitizer, whatever WORKDIR's cache says: with no tests every
# mutant would survive (or, with --no-tests=error below, count as killed)
cmake -S "$here" -B "$work" -DDLGCONV_WERROR=ON -DDLGCONV_BUILD_TESTS=ON -DDLGCONV_BUILD_CLI=ON \
	-DDLGCONV_SANITIZE=OFF -DDLGCONV_BUILD_FUZZERS=OFF >/dev/null || exit 2
cmake --build "$work" -j "$(nproc)" >/dev/null || exit 2
killed=0 survived=0 skipped=0 n=0
while :; do
	what=$(python3 "$here/scripts/mutate.py" apply $n "$here/src/lib")
	rc=$?
	[ $rc = 3 ] && break
	if [ $rc != 0 ]; then
		echo "SKIPPED (its text is not in the file once): $what"
		skipped=$((skipped + 1))
	else
		# the slow browser test, the install test and test.sh's own say nothing about
		# src/lib's logic
		if cmake --build "$work" -j "$(nproc)" >/dev/null 2>&1 &&
			(cd "$work" && ctest --no-tests=error -j "$(nproc)" \
				-E 'html_report|install|test_script' >/dev/null 2>&1); then
			echo "SURVIVED: $what"
			survived=$((survived + 1))
		else
			echo "killed:   $what"
			killed=$((killed + 1))
		fi
		python3 "$here/scripts/mutate.py" undo $n "$here/src/lib"
	fi
	n=$((n + 1))
done
cmake --build "$work" -j "$(nproc)" >/dev/null 2>&1
echo "mutants: $killed killed, $survived survived, $skipped skipped"
[ "$survived" = 0 ] && [ "$skipped" = 0 ]
