#!/bin/sh
"$DLGCONV" validate --quiet - < "$FIXTURES/invalid/E206-trailing-user-turn.txt"
