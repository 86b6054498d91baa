#!/bin/sh
# the JSON statistics agree with themselves and with the summary's accounting
"$DLGCONV" stats --json "$FIXTURES/valid" "$FIXTURES/invalid" >stats.json || exit
/usr/bin/python3 - <<'PY'
import json
s = json.load(open("stats.json"))
c = s["conversations"]
assert c["seen"] == c["written"] + c["rejected"] + c["duplicates"], c
assert sum(s["splits"].values()) == c["written"]
assert sum(s["turns_per_conversation"]["histogram"].values()) == c["written"]
turns = sum(r["turns"] for r in s["characters_per_turn"].values())
for role, r in s["characters_per_turn"].items():
    assert sum(r["histogram"].values()) == r["turns"] and r["min"] <= r["mean"] <= r["max"]
print("files", s["files"], "conversations", c, "turns", turns)
print("top", [(d["text"], d["count"]) for d in s["top_stage_directions"][:3]])
print("findings", sum(s["findings"].values()))
PY
