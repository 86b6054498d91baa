#!/bin/sh
"$DLGCONV" convert --help
