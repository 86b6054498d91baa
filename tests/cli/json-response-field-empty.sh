#!/bin/sh
# An empty --response-field is said as such (E204), not as E206's "add the reply" after the
# empty slot is dropped; a missing one is E201.
cat >oa.jsonl <<'JSON'
{"input":"### Human: What is 2+2?### Assistant:","output":"4"}
{"input":"### Human: What is 3+3?### Assistant:","output":""}
{"input":"### Human: And 4+4?### Assistant:","output":" \n "}
{"input":"### Human: And 5+5?### Assistant:"}
JSON
"$DLGCONV" validate --text-field input --response-field output oa.jsonl
echo "exit $?"
