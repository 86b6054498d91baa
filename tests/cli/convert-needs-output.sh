#!/bin/sh
"$DLGCONV" convert "$FIXTURES/valid/seed.txt"
