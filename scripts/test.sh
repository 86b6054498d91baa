#!/bin/sh
# Installs what is missing, builds, and runs the whole test suite twice: a normal build and
# one under AddressSanitizer + UndefinedBehaviorSanitizer; then the CLI tests under valgrind,
# then the library alone as a project embedding it builds it. Fails when any test fails.
#   test.sh                   all of it
#   test.sh --configure-only  configure the three builds, print their directories and stop
#                             (tests/test_script_test.sh checks them without running the
#                             suite inside the suite; nothing is installed in this mode)
#
# The builds are build-test, build-asan and build-nocli, never build/ (scripts/quickstart.sh
# configures that one without tests), and every option that decides what a build holds is
# passed, never left to what an earlier run cached. --no-tests=error: a build without tests
# fails instead of passing with "No tests were found".
set -eu
cd "$(dirname "$0")/.."
configure_only=false
case "${1-}" in
'') ;;
--configure-only) configure_only=true ;;
*)
	echo "usage: sh scripts/test.sh [--configure-only]" >&2
	exit 2
	;;
esac
$configure_only || sh scripts/install-deps.sh
jobs=$(nproc)

# configure DIR OPTION...: the options every build shares, then DIR's own
configure() {
	dir=$1
	shift
	cmake -S . -B "$dir" -DDLGCONV_BUILD_TESTS=ON -DDLGCONV_WERROR=ON \
		-DDLGCONV_BUILD_FUZZERS=OFF -DDLGCONV_INSTALL=ON "$@" >/dev/null
	$configure_only && echo "$dir"
	return 0
}
configure build-test -DDLGCONV_BUILD_CLI=ON -DDLGCONV_SANITIZE=OFF \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo
configure build-asan -DDLGCONV_BUILD_CLI=ON -DDLGCONV_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
configure build-nocli -DDLGCONV_BUILD_CLI=OFF -DDLGCONV_SANITIZE=OFF \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo
$configure_only && exit 0

cmake --build build-test -j "$jobs" >/dev/null
(cd build-test && ctest --output-on-failure --no-tests=error -j "$jobs")
cmake --build build-asan -j "$jobs" >/dev/null
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	ctest --output-on-failure --no-tests=error -j "$jobs")
# and the CLI tests once more with every dlgconv call under valgrind (leaks fail)
sh scripts/valgrind-cli.sh build-test/dlgconv
# the library alone, as a project embedding it builds it: configures, builds, passes its tests
cmake --build build-nocli -j "$jobs" >/dev/null
(cd build-nocli && ctest --output-on-failure --no-tests=error -j "$jobs")
