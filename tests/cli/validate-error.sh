#!/bin/sh
cd "$FIXTURES/invalid" && "$DLGCONV" validate E203-repeated-role.txt
