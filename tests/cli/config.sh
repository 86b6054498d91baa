#!/bin/sh
# options from --config; the command line wins over it, and repeatable ones add up
cat >cfg.json <<'JSON'
{"role": "Lucky=assistant", "split": "a=1", "quiet": false, "verbose": true}
JSON
"$DLGCONV" convert --config cfg.json --split b=1 "$FIXTURES/valid/custom-role.txt" -o out || exit
ls out
echo '{"jobs": "many"}' >bad.json
"$DLGCONV" validate --config bad.json x
echo "exit $?"
