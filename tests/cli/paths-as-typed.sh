#!/bin/sh
# Findings name a file by the path as typed (plus the part a walk found), so editors and
# GitHub annotations link from the shell's directory; sources keep distinct inputs apart
mkdir -p sub alice bob
cp "$FIXTURES/invalid/E203-repeated-role.txt" sub/bad.txt
printf '### Human: hi from alice\n### Assistant: hello\n' >alice/session1.txt
printf '### Human: hi from bob\n### Assistant: hello\n' >bob/session1.txt
echo "-- github annotation of a nested file"
"$DLGCONV" validate --diagnostics github sub/bad.txt 2>/dev/null
echo "-- ./ and // are not part of the name"
"$DLGCONV" validate ./sub//bad.txt 2>/dev/null
echo "-- a walk of . names no directory above it"
(cd sub && "$DLGCONV" validate . 2>/dev/null)
echo "-- a walk of ../sub is named as typed"
(cd sub && "$DLGCONV" validate ../sub 2>/dev/null)
echo "-- two session1.txt, two sources, two --split-key source keys"
"$DLGCONV" convert -q alice/session1.txt bob/session1.txt -o out --split-key source
zcat out/train.jsonl.gz | sed 's/.*"source":\("[^"]*"\).*/\1/'
echo "-- an absolute path: the finding links to it, the record names the folder"
"$DLGCONV" validate "$PWD/sub" 2>/dev/null | sed "s|$PWD|\$PWD|"
"$DLGCONV" convert -q "$PWD/alice" -o abs && zcat abs/train.jsonl.gz |
	sed 's/.*"source":\("[^"]*"\).*/\1/'
echo "-- two absolute files with one name would share a source: refused"
{ "$DLGCONV" validate "$PWD/alice/session1.txt" "$PWD/bob/session1.txt" 2>&1
  echo "exit $?"; } | sed "s|$PWD|\$PWD|g"
