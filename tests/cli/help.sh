#!/bin/sh
"$DLGCONV" --help
