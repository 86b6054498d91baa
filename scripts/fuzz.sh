#!/bin/sh
# Fuzzes one target with libFuzzer (clang, ASan + UBSan) for SECONDS seconds.
#   scripts/fuzz.sh transcript|record|convert|jinja SECONDS [JOBS]
# New inputs go to build-fuzz/corpus-TARGET; crashes to build-fuzz/artifacts-TARGET/.
# Commit a minimized crasher (libFuzzer -minimize_crash=1) to tests/fuzz/corpus/TARGET/
# so every build replays it.
set -eu
target=${1:?target: transcript, record, convert or jinja}
seconds=${2:?seconds}
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
command -v clang >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang >/dev/null
CC=clang cmake -S . -B build-fuzz -DDLGCONV_BUILD_FUZZERS=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz --target "fuzz_$target" -j "$(nproc)" >/dev/null
mkdir -p "build-fuzz/corpus-$target" "build-fuzz/artifacts-$target"
exec "build-fuzz/tests/fuzz_$target" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=1024 \
	-max_len=65536 -print_final_stats=1 -artifact_prefix="build-fuzz/artifacts-$target/" \
	"build-fuzz/corpus-$target" "tests/fuzz/corpus/$target"
