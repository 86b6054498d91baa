#!/bin/sh
# The CLI is a client of the public API: a file under src/cli includes system headers,
# dlgconv.h and the CLI's own headers, never a library-internal one. Prints offending lines
# and fails when there are any.
cd "$(dirname "$0")/.." || exit 2
bad=$(grep -n '#include "' src/cli/*.c src/cli/*.h | while IFS= read -r line; do
	header=$(printf '%s\n' "$line" | sed 's/.*#include "\([^"]*\)".*/\1/')
	[ "$header" = dlgconv.h ] || [ -f "src/cli/$header" ] || printf '%s\n' "$line"
done)
if [ -n "$bad" ]; then
	echo "src/cli includes library internals:"
	echo "$bad"
	echo "1 failed"
	exit 1
fi
echo "includes: 1 passed, 0 failed"
