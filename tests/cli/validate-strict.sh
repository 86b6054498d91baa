#!/bin/sh
cd "$FIXTURES/valid" && "$DLGCONV" validate --strict seed.txt
