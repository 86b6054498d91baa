#!/bin/sh
# Numbers are plain decimal digits: strtoull alone takes ' -1' and wraps it to 2^64-1, which
# would turn --max-input-bytes' cap off; '+5' and values past 2^64-1 are refused too.
in=$FIXTURES/valid/crlf.txt
for opt in max-input-bytes max-turn-chars min-turns jobs max-errors; do
	for v in ' -1' +5 18446744073709551616; do
		"$DLGCONV" validate -q "--$opt=$v" "$in"
		echo "exit $?"
	done
done
for opt in seed max-rejects; do
	for v in ' -1' 18446744073709551616; do
		"$DLGCONV" convert -q "--$opt=$v" "$in" -o out
		echo "exit $?"
	done
done
# the largest value is taken
"$DLGCONV" validate -q --max-input-bytes 18446744073709551615 "$in"
echo "exit $?"
"$DLGCONV" convert -q --seed 18446744073709551615 "$in" -o out
echo "exit $?"
# a config file's numbers: a negative one gets the option's message; one past 2^53 may not be
# the number written, so it must come as a string
for v in -1 1.5 1e300 '"18446744073709551615"'; do
	echo "{\"seed\": $v}" >cfg.json
	"$DLGCONV" convert -q --config cfg.json "$in" -o "out-$v"
	echo "exit $?"
done
