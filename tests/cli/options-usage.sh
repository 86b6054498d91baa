#!/bin/sh
# `dlgconv options` lists the option table, what changes the output marked; an unknown
# argument is a usage error.
"$DLGCONV" options | grep -E '^--(seed|jobs|error|max-input-bytes) '
"$DLGCONV" options --bogus
echo "exit $?"
