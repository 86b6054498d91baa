#!/bin/sh
# One code by its id or its slug, in any case; several codes in the order given.
"$DLGCONV" explain E203
echo "exit $?"
"$DLGCONV" explain Marker-In-Text w321
echo "exit $?"
