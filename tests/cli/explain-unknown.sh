#!/bin/sh
# A name that is no code is refused before anything is printed, even beside a good one.
"$DLGCONV" explain E203 E999
