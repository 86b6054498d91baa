# HH-RLHF chosen/rejected pairs: one record per pair whose sides parse and differ in their
# last reply alone; the others rejected (E206 on a side, E209 for pairs that are not pairs:
# the same conversation twice, sides that part before their last reply, one side the other's
# start).
pairs="$FIXTURES/preference/hh-rlhf-harmless-base.jsonl $FIXTURES/preference/mismatched-pairs.jsonl"
$DLGCONV convert -q --format preference --text-field chosen --rejected-field rejected \
	--split all=1 $pairs -o trl 2>/dev/null
echo "exit $?"
zcat trl/all.jsonl.gz | python3 -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    print(r["record"], sorted(r), [m["role"] for m in r["prompt"]],
          [m["role"] for m in r["chosen"]], [m["role"] for m in r["rejected"]],
          r["chosen"][0]["content"] != r["rejected"][0]["content"])'
python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    print(r["codes"], "%s:%d:%d" % (r["record"], r["line"], r["col"]), r["message"])' trl/rejects.jsonl
$DLGCONV convert -q --format openai-preference --bare --compress none --text-field chosen \
	--rejected-field rejected --split all=1 $pairs -o openai 2>/dev/null
echo "exit $?"
python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    print(sorted(r), sorted(r["input"]), [sorted(m) for m in r["preferred_output"]])' openai/all.jsonl
$DLGCONV convert -q --format preference --split all=1 $pairs -o none
echo "exit $?"
