#!/bin/sh
# A JSON lines line of only JSON white space (tabs, spaces, CR) holds no record, like an empty
# one; the records keep their line numbers.
printf '\t\n{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]}\n \t \r\n\r\n{"messages":[{"role":"assistant","content":"a"}]}\t\r\n\t \t\n' >w.jsonl
"$DLGCONV" validate w.jsonl
echo "exit $?"
