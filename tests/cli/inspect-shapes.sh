#!/bin/sh
# inspect: how each file will be read, and the options that read it whole: a SMILECHAT file
# (one array of messages, unknown speakers, per-message annotations), BELLE's questions (no
# shape of their own: E201 names the fields), LLaMA-Factory's preference pairs (a rejected
# side not carried); a table, then one JSON object per file.
rw="$FIXTURES/realworld"
"$DLGCONV" inspect "$rw/smilechat-0.json" "$rw/belle-eval-set.json" \
	"$rw/llamafactory-dpo-system.json"
echo "exit $?"
"$DLGCONV" inspect --json "$rw/smilechat-0.json" "$rw/llamafactory-alpaca-history.json"
echo "exit $?"
# the options it suggests read the file without an error and carry every field
"$DLGCONV" validate --role client=user --role counselor=assistant \
	--keep-message-fields annotation "$rw/smilechat-0.json"
echo "exit $?"
