#!/bin/sh
# a FIFO inside a corpus is reported and skipped (reading it would block); a symlink loop
# ends; the conversation beside them is still read
mkdir -p corpus/sub
cp "$FIXTURES/valid/system-turn.txt" corpus/
mkfifo corpus/pipe.txt
ln -s .. corpus/sub/loop
"$DLGCONV" validate corpus
