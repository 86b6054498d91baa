#!/bin/sh
# The steps' help: their usage, their options (convert's, and their own), their exit status.
"$DLGCONV" map --help
"$DLGCONV" reduce --help | sed -n '1,/^options:/p;/--shard /p;/^exit status/p'
"$DLGCONV" finalize --help | sed -n '1,/^options:/p;/--output /p;/^exit status/p'
