#!/bin/sh
# issue 13: one root cause, one finding. An unmapped speaker written like the file's markers
# (Alex: was E203 three times and E206; Lucky: W308 twice, E203 and E206), a template's empty
# reply slot (was W310, E206 and E207), an answer without its question (was E202 and E207), a
# speaker turn with an unknown label (was E205, E206 and E207)
cd "$FIXTURES/realworld" || exit
"$DLGCONV" validate companion-Alex.txt companion-Lucky.txt \
	alpaca-eval-guanaco-33b-basic-prompt.txt | grep -v -e W301 -e W302 -e 'alpaca.*W308'
"$DLGCONV" validate --response-field choices.0.turns.0 fastchat-answers.jsonl | grep -v W303
cd ../valid && "$DLGCONV" validate custom-role.txt
