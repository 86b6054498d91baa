#!/bin/sh
"$DLGCONV" validate --help
