#!/bin/sh
# Tool use and reasoning (docs/rules.md "Tool use and reasoning"): OpenAI's tool calls kept and
# checked, one code each (E211 arguments not JSON, E212 a call unanswered before the next
# reply, E213 a result answering no call, E214 a call the tools do not declare); a reply's
# <think> moved into reasoning_content with --split-think; sharegpt's function_call and
# observation turns, read back to the same ids; the text format refuses what it cannot hold
# (E210); --merge-consecutive does not merge away a turn's calls (E203).
cat >tools.jsonl <<'JSON'
{"messages":[{"role":"user","content":"weather in Paris?"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"get_weather","arguments":"{\"city\": \"Paris\"}"}}]},{"role":"tool","tool_call_id":"c1","content":"18C"},{"role":"assistant","content":"It is 18C.","weight":1}],"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}]}
{"messages":[{"role":"user","content":"weather?"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"get_weather","arguments":"{bad"}}]},{"role":"tool","tool_call_id":"c1","content":"18C"},{"role":"assistant","content":"ok"}]}
{"messages":[{"role":"user","content":"time?"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"get_time","arguments":"{}"}}]},{"role":"assistant","content":"noon"}]}
{"messages":[{"role":"user","content":"hi"},{"role":"tool","tool_call_id":"c9","content":"x"},{"role":"assistant","content":"hello"}]}
{"messages":[{"role":"user","content":"time?"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"get_time","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c1","content":"12:00"},{"role":"assistant","content":"noon"}],"tools":[{"type":"function","function":{"name":"get_weather"}}]}
{"messages":[{"role":"user","content":"think?"},{"role":"assistant","content":"<think>hmm, let me see</think>\n\nYes.","name":"bob"}]}
JSON
"$DLGCONV" validate tools.jsonl
echo "exit $?"
"$DLGCONV" convert --split-think --compress none --split all=1 tools.jsonl -o out 2>/dev/null
echo "exit $?"
cut -c 1-400 out/all.jsonl | sed 's/^{"id":"[0-9a-f]*",//'
"$DLGCONV" convert --split-think --format sharegpt --compress none --split all=1 tools.jsonl \
	-o sg 2>/dev/null
sed 's/^{"id":"[0-9a-f]*",//' sg/all.jsonl
"$DLGCONV" convert --compress none --split all=1 sg/all.jsonl -o back 2>/dev/null
cut -c 1-40 out/all.jsonl back/all.jsonl
"$DLGCONV" convert --format text --split all=1 tools.jsonl -o text 2>&1 | grep E210 | head -1
printf '%s\n' '{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"},{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c","content":"r"},{"role":"assistant","content":"done"}]}' >merge.jsonl
"$DLGCONV" validate --merge-consecutive merge.jsonl
echo "exit $?"
