#!/bin/sh
cd "$FIXTURES/invalid" && "$DLGCONV" validate --diagnostics github E205-unknown-role.txt E103-invalid-json.jsonl W304-unbalanced-stage-direction.txt
