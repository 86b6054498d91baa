#!/bin/sh
"$DLGCONV" --version
