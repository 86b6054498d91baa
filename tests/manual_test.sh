#!/bin/sh
# The option table drives the --config schema and the manual's OPTIONS section: both files
# are what `dlgconv options` prints (regenerate them with it), so a change to an option
# that is not carried into them fails here.
# usage: manual_test.sh DLGCONV SOURCE_DIR
set -u
dlgconv=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0
"$dlgconv" options --schema >"$tmp/schema.json" || exit 1
if ! cmp -s "$tmp/schema.json" "$src/schemas/config.schema.json"; then
	echo "schemas/config.schema.json is not what 'dlgconv options --schema' prints:"
	diff "$src/schemas/config.schema.json" "$tmp/schema.json" | head -20
	status=1
fi
"$dlgconv" options --man >"$tmp/options.1" || exit 1
# the manual's section from its .SH OPTIONS line to the next .SH
sed -n '/^\.SH OPTIONS$/,/^\.SH /p' "$src/docs/dlgconv.1" | sed '$d' >"$tmp/manual.1"
if ! cmp -s "$tmp/options.1" "$tmp/manual.1"; then
	echo "docs/dlgconv.1's OPTIONS section is not what 'dlgconv options --man' prints:"
	diff "$tmp/manual.1" "$tmp/options.1" | head -20
	status=1
fi
[ $status = 0 ] && echo "schema and manual match the option table"
exit $status
