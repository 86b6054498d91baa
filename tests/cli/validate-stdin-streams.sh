# JSON lines on stdin are streamed like a .jsonl file: --max-input-bytes caps a line, not the
# whole input (about 1 MB here, against a 100 kB limit); a transcript on stdin is still read
# whole, under the limit.
python3 -c '
import json
for i in range(3000):
    print(json.dumps({"messages": [{"role": "user", "content": "question %d " % i + "x" * 300},
                                   {"role": "assistant", "content": "answer %d" % i}]}))' >big.jsonl
$DLGCONV validate -q --max-input-bytes 100000 - <big.jsonl
echo "jsonl on stdin: exit $?"
python3 -c 'print("### Human: " + "y" * 200000 + "\n### Assistant: ok")' |
	$DLGCONV validate -q --max-input-bytes 100000 - 2>&1
echo "transcript on stdin: exit $?"
