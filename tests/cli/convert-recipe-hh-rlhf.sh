#!/bin/sh
"$DLGCONV" convert -q --text-field chosen --format text --split all=1 \
	"$FIXTURES/realworld/hh-rlhf-harmless-base.jsonl" -o out 2>/dev/null || exit
zcat out/all.jsonl.gz
