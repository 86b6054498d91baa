#!/bin/sh
# `sh scripts/quickstart.sh` then `sh scripts/test.sh` must run the whole plain suite
# (issue 19: test.sh reused quickstart's build/, configured without tests, and its ctest
# found none and passed). In a copy of the tree, with build/ configured as quickstart.sh
# configures it, every build `test.sh --configure-only` sets up must hold tests: a plain one
# and a sanitized one with the unit and CLI tests; again after those builds were left
# without tests and without the CLI. And every ctest call in the scripts must fail when it
# finds no tests. Nothing is built: configuring is what decides this, and the suite is
# already running.
#   test_script_test.sh SOURCE_DIR
set -u
src=$(cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
bad() {
	echo "FAIL: $*"
	fail=1
}

# what configuring reads (the source directory may also hold large build directories)
for f in CMakeLists.txt src tests scripts packaging docs; do
	cp -R "$src/$f" "$work/" || exit 1
done
cd "$work" || exit 1
# quickstart.sh's own configure line, so that this follows it when it changes
quick=$(sed -n 's|^\(cmake -S \. -B build .*\) >/dev/null$|\1|p' scripts/quickstart.sh)
[ -n "$quick" ] || bad "no 'cmake -S . -B build ...' line in scripts/quickstart.sh"
eval "$quick" >/dev/null || bad "quickstart's configure failed: $quick"

# has_test DIR NAME: ctest in DIR lists a test called NAME
has_test() {
	(cd "$1" && ctest -N --no-tests=error) | grep -Eq "Test +#[0-9]+: $2\$"
}

# cached DIR OPTION VALUE: DIR is configured with OPTION (a BOOL) at VALUE. Tests listed are
# not enough: turning the tests off leaves the earlier CTestTestfile.cmake behind.
cached() {
	grep -q "^$2:BOOL=$3\$" "$1/CMakeCache.txt"
}

# check WHEN: the builds test.sh configures, as set up just now
check() {
	dirs=$(sh scripts/test.sh --configure-only) || bad "$1: test.sh --configure-only failed"
	plain="" sanitized=""
	for d in $dirs; do
		total=$(cd "$d" && ctest -N --no-tests=error | sed -n 's/^Total Tests: //p')
		[ "${total:-0}" -gt 0 ] && cached "$d" DLGCONV_BUILD_TESTS ON ||
			bad "$1: $d holds no tests"
		cached "$d" DLGCONV_BUILD_TESTS ON && cached "$d" DLGCONV_BUILD_CLI ON &&
			has_test "$d" unit && has_test "$d" cli || continue
		if cached "$d" DLGCONV_SANITIZE ON; then
			sanitized=$d
		else
			plain=$d
		fi
	done
	[ -n "$plain" ] ||
		bad "$1: no plain build with the unit and CLI tests (builds: $(echo $dirs))"
	[ -n "$sanitized" ] || bad "$1: no sanitized build with the unit and CLI tests"
}
check "after quickstart"
for d in $dirs; do
	cmake -S . -B "$d" -DDLGCONV_BUILD_TESTS=OFF -DDLGCONV_BUILD_CLI=OFF >/dev/null ||
		bad "could not reconfigure $d"
done
check "after builds without tests"

# a ctest that finds no tests exits 0 unless told otherwise
calls=$(cd "$src" && grep -nE '(^|[^-_[:alnum:]])ctest([[:space:]]|$)' scripts/*.sh \
	scripts/slurm/* .ci/run tests/*.sh | grep -vE '^[^:]+:[0-9]+:[[:space:]]*#' |
	grep -v -- '--no-tests=error')
[ -z "$calls" ] || bad "ctest without --no-tests=error:
$calls"

[ $fail = 0 ] && echo "test.sh: every build it configures holds tests"
exit $fail
