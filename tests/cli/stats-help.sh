#!/bin/sh
"$DLGCONV" stats --help
