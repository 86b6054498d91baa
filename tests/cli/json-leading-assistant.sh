#!/bin/sh
# --leading-assistant: error (E202, the default), drop (W318) or keep, which the messages,
# sharegpt and text formats can hold (the text format reads back with keep) and the
# preference formats refuse (exit 2).
cat >greet.jsonl <<'JSON'
{"messages":[{"role":"system","content":"Be kind."},{"role":"assistant","content":"Hi, I'm here to listen."},{"role":"assistant","content":"What's on your mind?"},{"role":"user","content":"A bad day."},{"role":"assistant","content":"Tell me about it."}]}
{"messages":[{"role":"user","content":"hello"},{"role":"assistant","content":"hi"}]}
JSON
"$DLGCONV" validate greet.jsonl
echo "exit $?"
"$DLGCONV" validate --leading-assistant drop --merge-consecutive greet.jsonl
echo "exit $?"
"$DLGCONV" convert --leading-assistant drop --merge-consecutive --compress none --split all=1 \
	greet.jsonl -o drop
echo "exit $?"
head -1 drop/all.jsonl | python3 -c 'import json, sys; print([m["role"] for m in json.load(sys.stdin)["messages"]])'
for format in messages sharegpt text; do
	"$DLGCONV" convert --leading-assistant keep --merge-consecutive --format $format \
		--compress none --split all=1 greet.jsonl -o keep-$format
	echo "$format exit $?"
	python3 -c '
import json, sys
r = json.loads(open(sys.argv[1]).readline())
print([m["role"] for m in r["messages"]] if "messages" in r else
      [m["from"] for m in r["conversations"]] if "conversations" in r else r["text"][:64])' \
		keep-$format/all.jsonl
done
# the text format reads back with keep, and only with it
"$DLGCONV" validate --leading-assistant keep keep-text/all.jsonl
echo "exit $?"
"$DLGCONV" validate keep-text/all.jsonl | sed 's/;.*\[/ [/'
"$DLGCONV" convert --leading-assistant keep --format preference --text-field chosen \
	--rejected-field rejected greet.jsonl -o pairs
echo "exit $?"
"$DLGCONV" validate --leading-assistant first greet.jsonl
echo "exit $?"
