#!/bin/sh
# Installs what is missing, builds, and runs the whole test suite twice: a normal build and
# one under AddressSanitizer + UndefinedBehaviorSanitizer; then the CLI tests under valgrind.
# Fails when any test fails.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
jobs=$(nproc)
cmake -S . -B build -DDLGCONV_WERROR=ON >/dev/null
cmake --build build -j "$jobs" >/dev/null
(cd build && ctest --output-on-failure -j "$jobs")
cmake -S . -B build-asan -DDLGCONV_SANITIZE=ON -DDLGCONV_WERROR=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-asan -j "$jobs" >/dev/null
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	ctest --output-on-failure -j "$jobs")
# and the CLI tests once more with every dlgconv call under valgrind (leaks fail)
sh scripts/valgrind-cli.sh build/dlgconv
# the library alone, as a project embedding it builds it: configures, builds, passes its tests
cmake -S . -B build-nocli -DDLGCONV_BUILD_CLI=OFF -DDLGCONV_WERROR=ON >/dev/null
cmake --build build-nocli -j "$jobs" >/dev/null
(cd build-nocli && ctest --output-on-failure -j "$jobs")
