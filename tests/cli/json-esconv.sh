#!/bin/sh
# ESConv (fixtures/realworld/esconv-failed.json, sliced from FailedESConv.json) converts with
# options alone: its dialog array, its speaker key (found without --role-key too), its speaker
# names mapped with --role, consecutive turns merged, the listener's opening greeting dropped,
# the seeker's unanswered last turn dropped, and its metadata kept in meta.
esconv="$FIXTURES/realworld/esconv-failed.json"
# as it is, the greetings are E202 (and the unanswered ends E206)
"$DLGCONV" validate --messages-field dialog --role-key speaker --role speaker=user \
	--role listener=assistant --merge-consecutive "$esconv" >as-is.txt
echo "exit $?"
sed 's/; .*(record/ (record/' as-is.txt
"$DLGCONV" convert --messages-field dialog --role speaker=user --role listener=assistant \
	--merge-consecutive --leading-assistant drop --trailing-user drop \
	--keep-fields emotion_type,problem_type,survey_score --split all=1 --compress none \
	"$esconv" -o out
echo "exit $?"
python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    print(r["record"], r["meta"]["emotion_type"], json.dumps(r["meta"]["survey_score"]),
          [(m["role"][0], m["content"][:24]) for m in r["messages"]])' out/all.jsonl
sed -n '/- name: meta/,/splits:/p' out/README.md
python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))["options"]
print({k: o[k] for k in ("messages_field", "role_key", "content_key", "leading_assistant",
                         "keep_fields", "roles")})' out/manifest.json
