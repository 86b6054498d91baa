#!/bin/sh
# Installs what is missing, builds, and converts the bundled fixtures into build/dataset.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DDLGCONV_BUILD_TESTS=OFF >/dev/null
cmake --build build -j "$(nproc)" >/dev/null
./build/dlgconv convert fixtures/valid fixtures/invalid -o build/dataset --force
echo "dataset written to build/dataset:"
ls -l build/dataset
