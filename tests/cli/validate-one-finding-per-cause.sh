#!/bin/sh
# issue 13: one root cause, one finding. An unmapped speaker written like the file's markers
# (was E203 three times and E206), a template's empty reply slot (was W310, E206, E207), an
# answer without its question (was E202 and E207), a speaker turn with an unknown label (was
# E205, E206, E207)
cd "$FIXTURES/realworld" || exit
"$DLGCONV" validate companion-Alex.txt alpaca-eval-guanaco-33b-basic-prompt.txt |
	grep -v W30[128]
"$DLGCONV" validate --response-field choices.0.turns.0 fastchat-answers.jsonl | grep -v W303
cd ../valid && "$DLGCONV" validate custom-role.txt
