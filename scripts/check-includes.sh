#!/bin/sh
# The CLI is a client of the public API: nothing under src/cli may include a library-internal
# header. Prints offending lines and fails when there are any.
cd "$(dirname "$0")/.." || exit 2
bad=$(grep -n '#include' src/cli/*.c src/cli/*.h | grep -v -e '<' -e '"dlgconv.h"' \
	-e '"opts.h"' -e '"report.h"' -e '"stats.h"' -e '"leakage.h"' \
	-e '"explain.h"')
if [ -n "$bad" ]; then
	echo "src/cli includes library internals:"
	echo "$bad"
	echo "1 failed"
	exit 1
fi
echo "includes: 1 passed, 0 failed"
