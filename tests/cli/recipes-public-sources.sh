#!/bin/sh
# The recipes of docs/usage.md for issue 13's public sources, on their excerpts in
# fixtures/realworld (docs/usage.md gives the figures on the full files)
cd "$FIXTURES/realworld" || exit 2
echo "-- FastChat's ShareGPT sample"
"$DLGCONV" validate fastchat-dummy-conversation.json
echo "exit $?"
echo "-- a JSON array under a JSON-lines name: read as a document, one W319"
"$DLGCONV" validate --text-field transcript redteam-style-array.jsonl.gz
echo "exit $?"
echo "-- a Git LFS pointer: one E104, nothing written, exit 1"
"$DLGCONV" convert lfs-pointer.jsonl.gz -o "$OLDPWD/lfs"
echo "exit $?"
echo "-- HH-RLHF: Human: throughout is its format, not W302"
"$DLGCONV" validate --select W302 --text-field chosen hh-rlhf-harmless-base.jsonl
echo "exit $?"
echo "-- ESConv with options alone"
"$DLGCONV" validate -q --messages-field dialog --role speaker=user --role listener=assistant \
	--merge-consecutive --leading-assistant drop --trailing-user drop esconv-failed.json
echo "exit $?"
