# -o inside an input: the next run finds the dataset in its walk and passes over it (W317)
# instead of reading it as transcripts; the counts stay the same run after run. Named on
# the command line, a dataset's splits are validated (not its manifest or rejects).
mkdir nest
cp "$FIXTURES/valid/seed.txt" "$FIXTURES/valid/crlf.txt" "$FIXTURES/invalid/E203-repeated-role.txt" nest/
for run in 1 2 3; do
	$DLGCONV convert --force nest -o nest/out 2>&1 >/dev/null | grep -o "W317"
	python3 -c 'import json; c = json.load(open("nest/out/manifest.json"))["counts"]; print(c["inputs"], c["written"], c["rejected"])'
done
$DLGCONV validate nest/out 2>&1
echo "exit $?"
