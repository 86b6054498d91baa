#!/bin/sh
"$DLGCONV" validate does-not-exist.txt
