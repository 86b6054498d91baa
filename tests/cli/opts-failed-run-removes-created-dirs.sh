#!/bin/sh
# -o a/b/c creates the missing parents; when the run then fails, every directory this run
# created goes again (not only the last), and directories that were there stay.
printf '### Assistant: first\n### Human: q\n' >bad.txt
"$DLGCONV" convert -q --max-rejects 0 bad.txt -o a/b/c 2>/dev/null
echo "exit $?"
ls
mkdir keep
"$DLGCONV" convert -q --max-rejects 0 bad.txt -o keep/x/y 2>/dev/null
echo "exit $?"
ls -A keep
# an unreadable input fails the run too (exit 3)
"$DLGCONV" convert -q missing.txt -o new/deeper 2>/dev/null
echo "exit $?"
ls
