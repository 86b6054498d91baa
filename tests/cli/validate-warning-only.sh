#!/bin/sh
cd "$FIXTURES/valid" && "$DLGCONV" validate seed.txt
