#!/bin/sh
# What explain takes: codes or --all, and --help; nothing else.
"$DLGCONV" explain
echo "exit $?"
"$DLGCONV" explain --all E203
echo "exit $?"
"$DLGCONV" explain --markdown
echo "exit $?"
"$DLGCONV" explain ""
echo "exit $?"
"$DLGCONV" explain --help
echo "exit $?"
