#!/bin/sh
# SARIF 2.1.0 for code scanning: check what GitHub needs of each result
log=$(pwd)/log.sarif
cd "$FIXTURES/invalid" && "$DLGCONV" validate --diagnostics sarif E205-unknown-role.txt \
	E103-invalid-json.jsonl W302-noncanonical-marker.txt 2>/dev/null >"$log"
echo "exit $?"
/usr/bin/python3 - "$log" <<'PY'
import json, sys
log = json.load(open(sys.argv[1]))
assert log["version"] == "2.1.0" and len(log["runs"]) == 1
run = log["runs"][0]
rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
print(run["tool"]["driver"]["name"], len(rules), "rules")
for res in run["results"]:
    assert res["ruleId"] in rules and res["level"] in ("error", "warning")
    loc = res["locations"][0]["physicalLocation"]
    print(res["ruleId"], res["level"], loc["artifactLocation"]["uri"],
          "%(startLine)d:%(startColumn)d" % loc["region"], res["message"]["text"])
PY
