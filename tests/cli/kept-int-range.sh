#!/bin/sh
# The card types a kept number as pyarrow reads it: an integer within int64 is int64, one
# past it (2^63, or below -2^63) is read as a double, so its column is float64 (it was
# declared int64, which a loader then refuses).
for id in 9223372036854775807 9223372036854775808 -9223372036854775808 -9223372036854775809; do
	printf '{"id": %s, "messages": [{"role": "user", "content": "q %s"}, %s]}\n' "$id" "$id" \
		'{"role": "assistant", "content": "a"}' >in.jsonl
	$DLGCONV convert -q --keep-fields id --split all=1 in.jsonl -o "out$id" >/dev/null
	echo "$id: $(grep -A1 'name: "id"' "out$id/README.md" | tail -1 | sed 's/^ *//')"
done
