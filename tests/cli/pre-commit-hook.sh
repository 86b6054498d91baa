#!/bin/sh
# run the hook's entry the way pre-commit does: the command, then the staged file names
hooks=$(dirname "$FIXTURES")/.pre-commit-hooks.yaml
entry=$(sed -n 's/^ *entry: *//p' "$hooks")
pattern=$(sed -n 's/^ *files: *//p' "$hooks")
files=$(cd "$FIXTURES" && ls valid/seed.txt invalid/E203-repeated-role.txt valid/records.json \
	schemas.txt 2>/dev/null | grep -E "$pattern")
cd "$FIXTURES" && PATH=$(dirname "$DLGCONV"):$PATH $entry $files
echo "exit $?"
