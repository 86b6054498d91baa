#!/bin/sh
# A conversation that would take more memory than the run's budget alone is refused before
# it is read (E105), at its file or its record's line, and the rest is read as usual
# (issue 21, item 7): here 50,000 tiny turns (about 12 MiB by the estimate: 8 bytes a byte,
# 256 a ':') under a budget of 4 MiB, and the one long record of a JSON-lines file. The
# budget given is in the manifest's options; a budget large enough reads them all.
python3 -c '
import json
open("tiny.txt", "w").write("A: x\nB: y\n" * 25000)
with open("records.jsonl", "w") as f:
    f.write(json.dumps({"messages": [{"role": "user", "content": "hi"},
                                     {"role": "assistant", "content": "hello"}]}) + "\n")
    f.write(json.dumps({"messages": [{"role": "user", "content": "x " * 300000},
                                     {"role": "assistant", "content": "ok"}]}) + "\n")
'
"$DLGCONV" convert -q --role A=user --role B=assistant --memory-budget 4194304 tiny.txt \
	records.jsonl -o out
echo "exit $?"
cat out/rejects.jsonl
grep '"memory_budget"' out/manifest.json
"$DLGCONV" validate -q --role A=user --role B=assistant --memory-budget 33554432 tiny.txt \
	records.jsonl
echo "exit $?"
