#!/bin/sh
# A JSON lines line of only JSON white space (tabs, spaces, CR) holds no record, like an empty
# one; the records keep their line numbers.
{
	printf '\t\n'
	printf '{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]}\n'
	printf ' \t \r\n'
	printf '\r\n'
	printf '{"messages":[{"role":"assistant","content":"a"}]}\t\r\n'
	printf '\t \t\n'
} >w.jsonl
"$DLGCONV" validate w.jsonl
echo "exit $?"
