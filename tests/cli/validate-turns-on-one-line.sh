#!/bin/sh
# issue 13: several turns on one line of a text file read as in a JSON text field, without
# W303 or E206; prose that mentions a label, or a label after a backslash, stays text
printf '### Human: Hi there ### Assistant: Hello!\n' >one-line.txt
printf '{"text":"### Human: Hi there ### Assistant: Hello!"}\n' >one-line.jsonl
printf '### Human: Hi\nI typed ### Human: twice \\### Assistant: there\n### Assistant: ok\n' >prose.txt
"$DLGCONV" validate one-line.txt one-line.jsonl prose.txt  # the same id: W307
"$DLGCONV" convert -q --no-dedup --compress none --split all=1 one-line.txt one-line.jsonl -o out || exit
cut -d, -f4- out/all.jsonl
