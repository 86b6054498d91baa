#!/bin/sh
# Any chat-shaped JSON: roles and texts under role/from/speaker and content/value/text (the
# first a message has), FastChat's chatgpt/bing/bard as the assistant, OpenAI content parts
# (text parts joined with a line break), and one finding per root cause: an unknown role, a
# non-text part or a bad stage direction, however many messages have it, with no E202, E203,
# E204, E206 or E207 about the turns left around it.
cat >shapes.jsonl <<'JSON'
{"conversations":[{"from":"human","value":"q1"},{"from":"chatgpt","value":"a1"},{"from":"human","value":"q2"},{"from":"bing","value":"a2"},{"from":"human","value":"q3"},{"from":"bard","value":"a3"}]}
{"messages":[{"speaker":"human","text":"hi"},{"speaker":"bot","text":"hello"}]}
{"messages":[{"role":"user","from":"gpt","content":"role wins","value":"not this"},{"role":"assistant","content":"ok"}]}
{"messages":[{"role":"user","content":[{"type":"text","text":"Look at this:"},{"type":"text","text":"two parts"}]},{"role":"assistant","content":[{"type":"text","text":"seen"}]}]}
{"conversations":[{"from":"human","value":"q"},{"from":"narrator","value":"x"},{"from":"human","value":"q"},{"from":"narrator","value":"y"}]}
{"messages":[{"role":"user","content":[{"type":"text","text":"what is it?"},{"type":"image_url","image_url":{"url":"cat.png"}}]},{"role":"assistant","content":"a cat"}]}
{"messages":[{"role":"user","content":"q","stage_directions":[7]},{"role":"assistant","content":"a"}]}
{"messages":[{"role":"user"},{"role":"assistant","content":"a"},{"role":"user"},{"role":"assistant","content":"b"}]}
JSON
"$DLGCONV" validate shapes.jsonl
echo "exit $?"
# a messages array anywhere, with keys of its own
echo '{"data":{"turns":[{"who":"user","says":"q","role":"assistant"},{"who":"assistant","says":"a"}]}}' >nested.jsonl
"$DLGCONV" convert --compress none --split all=1 --messages-field data.turns --role-key who \
	--content-key says nested.jsonl -o out
echo "exit $?"
python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    print(r["source"], r["record"], [(m["role"], m["content"]) for m in r["messages"]])' out/all.jsonl
"$DLGCONV" convert --compress none --split all=1 shapes.jsonl -o out2 2>/dev/null
python3 -c '
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    print(r["record"], [(m["role"], m["content"]) for m in r["messages"]])' out2/all.jsonl
# a messages option with a transcript one: refused
"$DLGCONV" validate --messages-field dialog --text-field text shapes.jsonl
echo "exit $?"
