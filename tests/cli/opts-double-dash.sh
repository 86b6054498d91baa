#!/bin/sh
# After --, every argument is an input; without it, a name that starts with '-' is an option,
# and the message says how to pass such a file.
printf '### Human: hi\n### Assistant: hello\n' >-leading.txt
"$DLGCONV" validate -- -leading.txt
echo "exit $?"
"$DLGCONV" validate -leading.txt
echo "exit $?"
"$DLGCONV" validate ./-leading.txt
echo "exit $?"
# options may still come before --, and inputs before options
"$DLGCONV" validate -leading.txt 2>/dev/null
echo "exit $?"
"$DLGCONV" validate ./-leading.txt -- -leading.txt 2>/dev/null
echo "exit $?"
# what getopt refused, named as written
printf '{}' >--odd.json
"$DLGCONV" validate --odd.json
echo "exit $?"
"$DLGCONV" validate --seed 1 x.txt
echo "exit $?"
"$DLGCONV" validate --s x.txt
echo "exit $?"
"$DLGCONV" validate --quiet=yes x.txt
echo "exit $?"
"$DLGCONV" validate x.txt --jobs
echo "exit $?"
"$DLGCONV" convert x.txt -o
echo "exit $?"
