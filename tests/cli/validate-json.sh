#!/bin/sh
cd "$FIXTURES/invalid" && "$DLGCONV" validate --diagnostics json E205-unknown-role.txt W304-unbalanced-stage-direction.txt
