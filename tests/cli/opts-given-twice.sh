#!/bin/sh
# One value, given once: two values given (on the command line, as a repeated key or a
# list in --config) is a usage error, not the last one silently winning; and a config
# number from 2^53 on, which a double may already have changed, is refused
# (9007199254740993 read as 9007199254740992 gave other splits).
in="$FIXTURES/valid/seed.txt"
$DLGCONV convert -o a -o b "$in"
echo "exit $?"
$DLGCONV map --part 0/2 --part 1/2 "$in" -o w
echo "exit $?"
$DLGCONV validate --stage keep --stage strip "$in"
echo "exit $?"
printf '{"stage": "keep", "stage": "strip"}' >twice.json
$DLGCONV validate --config twice.json "$in"
echo "exit $?"
printf '{"stage": ["keep", "strip"]}' >list.json
$DLGCONV validate --config list.json "$in"
echo "exit $?"
printf '{"seed": 9007199254740993}' >big.json
$DLGCONV convert --config big.json "$in" -o c
echo "exit $?"
# the same value twice says one thing (a job script's --shards N beside an options string
# that holds it)
$DLGCONV validate -q --stage keep --stage keep "$in"
echo "exit $?"
# repeatable ones add up, and the command line still wins over the config
printf '{"stage": "keep", "include": ["*.txt", "*.md"]}' >ok.json
$DLGCONV validate -q --config ok.json --stage strip --include '*.json' --include '*.txt' \
	"$FIXTURES/valid"
echo "exit $?"
