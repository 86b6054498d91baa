# A run that writes no conversation exits 1, so CI notices: a Git LFS pointer where the data
# should be (one E104 for the file, not an E103 per line), or a corpus all rejected.
printf 'version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n' >test.jsonl.gz
$DLGCONV convert test.jsonl.gz -o lfs
echo "exit $?"
cat lfs/rejects.jsonl
$DLGCONV convert -q "$FIXTURES/invalid/E203-repeated-role.txt" -o rejected
echo "exit $?"
ls rejected
