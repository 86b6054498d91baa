#!/bin/sh
"$DLGCONV" validate --max-errors 2 "$FIXTURES/invalid"
