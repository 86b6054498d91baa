#!/bin/sh
# issue 13: W303 in a JSON record quotes the label's text and points at its column in the raw
# line, through JSON escapes; an equal string under another key is told apart by the field's
# key; a .json document's record has no line of its own: column 1, the excerpt still there
printf '%s\n' '{"messages":[{"role":"user","content":"caf\u00e9 \"q\"\n\nHuman: again?"},{"role":"assistant","content":"ok"}]}' >messages.jsonl
printf '%s\n' '{"prompt":"### Human: hi ### Assistant:","generation":"Sure.\nHuman: and more","generation_truncated":"Sure.\nHuman: and more"}' >generations.jsonl
printf '%s\n' '[{"messages":[{"role":"user","content":"hi\n\nHuman: again"},{"role":"assistant","content":"ok"}]}]' >document.json
"$DLGCONV" validate messages.jsonl document.json
"$DLGCONV" validate --diagnostics json messages.jsonl
"$DLGCONV" validate --text-field prompt --response-field generation generations.jsonl
"$DLGCONV" validate --text-field prompt --response-field generation_truncated generations.jsonl
