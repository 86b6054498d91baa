#!/bin/sh
# a progress line on a terminal (script(1) gives one), cleared at the end; none on a pipe
script -qfec "\"$DLGCONV\" validate -j 1 \"$FIXTURES/valid\" >/dev/null" typescript >/dev/null 2>&1
tr '\r' '\n' <typescript | grep -aq '[0-9]*/27 files, [0-9]* conversations, [0-9.]* MB/s, ETA' && echo "progress shown"
grep -aq "$(printf '\r\033\\[K')dlgconv:" typescript && echo "cleared before the summary"
"$DLGCONV" validate "$FIXTURES/valid" >/dev/null 2>pipe
grep -c "$(printf '\r')" pipe
"$DLGCONV" validate -q "$FIXTURES/valid" >/dev/null 2>quiet
tr -cd "$(printf '\r')" <quiet | wc -c
