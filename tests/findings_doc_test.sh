#!/bin/sh
# docs/findings.md is what `dlgconv explain --all` prints from the library's code table:
# this fails when the two differ (a code added or its text changed without regenerating).
#   findings_doc_test.sh DLGCONV DOC
# To regenerate: build/dlgconv explain --all > docs/findings.md
set -u
out=$(mktemp)
trap 'rm -f "$out"' EXIT
if ! "$1" explain --all >"$out"; then
	echo "findings_doc: 'dlgconv explain --all' failed"
	exit 1
fi
if ! diff -u "$2" "$out"; then
	echo "findings_doc: $2 differs from 'dlgconv explain --all' (the diff above);"
	echo "regenerate it: build/dlgconv explain --all > docs/findings.md"
	exit 1
fi
echo "findings_doc: 1 passed, 0 failed"
