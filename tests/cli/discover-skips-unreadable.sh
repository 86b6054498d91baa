#!/bin/sh
# A walk passes over what it cannot read (W315) instead of ending the run; --exclude prunes a
# directory and an excluded name is not even looked at; a file name that is not UTF-8 (or
# holds a backslash) gets an escaped source, so every output is valid UTF-8
mkdir -p corpus/drafts
cp "$FIXTURES/valid/system-turn.txt" corpus/
cp "$FIXTURES/valid/system-turn.txt" "corpus/$(printf 'lat\351in.txt')"
printf '### Human: hi\n' >"corpus/back\\slash.txt"
ln -s nowhere.txt corpus/gone.txt
ln -s missing.png corpus/logo.png
ln -s nowhere.txt corpus/drafts/also-gone.txt
cp "$FIXTURES/valid/seed.txt" corpus/drafts/
"$DLGCONV" convert --exclude '*.png' --exclude drafts corpus -o out 2>err
echo "exit $?"
cat err
ls out
"$DLGCONV" validate --exclude '*.png' --exclude drafts --diagnostics json corpus >diag.json \
	2>summary
cat summary
"$DLGCONV" validate --exclude '*.png' --exclude drafts --diagnostics sarif corpus >diag.sarif \
	2>/dev/null
# --strict makes W315 an error: the run still goes on, validate exits 1
"$DLGCONV" validate --strict --exclude '*.png' --exclude drafts corpus >strict.out \
	2>strict.err
echo "validate --strict exit $?"
cat strict.out strict.err
python3 - out/* err diag.json diag.sarif <<'PY'
import gzip, json, sys
for path in sys.argv[1:]:
    raw = open(path, 'rb').read()
    if path.endswith('.gz'):
        raw = gzip.decompress(raw)
    text = raw.decode('utf-8')  # strict: fails on any invalid byte
    sources = set()
    if path.endswith(('.jsonl', '.jsonl.gz', 'diag.json')):
        for line in text.splitlines():
            sources.add(json.loads(line).get('source'))
    elif path.endswith('.sarif'):
        for r in json.loads(text)['runs'][0]['results']:
            sources.add(r['locations'][0]['physicalLocation']['artifactLocation']['uri'])
    elif path.endswith('.json'):
        json.loads(text)
    sources.discard(None)
    print(path, 'utf-8 ok', ' '.join(sorted(sources)))
PY
