#!/bin/sh
"$DLGCONV" validate --stage hide "$FIXTURES/valid/seed.txt"
