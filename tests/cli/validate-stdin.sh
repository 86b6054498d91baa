#!/bin/sh
"$DLGCONV" validate - < "$FIXTURES/invalid/E206-trailing-user-turn.txt"
