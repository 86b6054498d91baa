#!/bin/sh
"$DLGCONV" validate --frobnicate x.txt
