#!/bin/sh
# Converts INPUT (with the given options), writes it again in each output format, converts
# that back, and says how many conversation ids came back unchanged: a lossless format gives
# every one. Exits 1 when any id is lost.
#   roundtrip.sh DLGCONV [OPTION...] INPUT
set -u
dlgconv=$1
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
ids() { zcat "$1"/all.jsonl.gz | python3 -c 'import json, sys
for line in sys.stdin: print(json.loads(line)["id"])' | sort; }
"$dlgconv" convert -q --no-dedup --split all=1 "$@" -o "$tmp/first" || exit 3
ids "$tmp/first" >"$tmp/first.ids"
total=$(wc -l <"$tmp/first.ids")
lost=0
for fmt in messages text sharegpt; do
	"$dlgconv" convert -q --no-dedup --split all=1 --format "$fmt" "$@" -o "$tmp/$fmt" || exit 3
	"$dlgconv" convert -q --no-dedup --split all=1 "$tmp/$fmt/all.jsonl.gz" -o "$tmp/$fmt-back" \
		2>/dev/null || exit 3
	back=$(ids "$tmp/$fmt-back" | comm -12 "$tmp/first.ids" - | wc -l)
	echo "$fmt: $back of $total ids back"
	[ "$back" = "$total" ] || lost=1
done
exit $lost
