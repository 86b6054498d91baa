#!/bin/sh
"$DLGCONV" frobnicate x
