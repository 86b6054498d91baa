#!/bin/sh
# `dlgconv stats --html`: a self-contained page (no script, nothing fetched) that headless
# Chromium renders with its charts: the screenshot must show the bars' colour in quantity.
#   html_report_test.sh DLGCONV FIXTURES_DIR
set -u
dlgconv=$1 fixtures=$2
work=$(mktemp -d)
. "$(dirname "$0")/checks.sh"
"$dlgconv" stats -q --html "$work/report.html" "$fixtures/valid" "$fixtures/invalid" >/dev/null
check "report written" "[ -s '$work/report.html' ]"
check "no script" "! grep -qi '<script' '$work/report.html'"
check "nothing fetched" "! grep -o 'https\\?://[^\"]*' '$work/report.html' | grep -v '^http://www.w3.org/2000/svg\$' | grep -q ."
check "six charts" "[ \$(grep -o '<svg' '$work/report.html' | wc -l) -eq 6 ]"
timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--user-data-dir="$work/profile" --window-size=1000,1600 \
	--screenshot="$work/shot.png" "file://$work/report.html" >/dev/null 2>&1
check "screenshot taken" "[ -s '$work/shot.png' ]"
bars=$(/usr/bin/python3 -c "
from PIL import Image
img = Image.open('$work/shot.png').convert('RGB')
print(sum(1 for p in img.getdata() if abs(p[0] - 0x3b) < 12 and abs(p[1] - 0x73) < 12 and abs(p[2] - 0xb9) < 12))
" 2>/dev/null || echo 0)
check "bars drawn ($bars pixels in the bar colour)" "[ '$bars' -gt 20000 ]"
# with --tokenizer and --max-tokens: the tokens chart, the buckets wholly past the limit red
# under a dashed line that says how many were over it, and the training cost
for i in 1 2 3 4 5 6; do
	printf '### Human: question %s\n### Assistant: answer %s\n' "$(seq -s ' ' 1 $((i * i * 5)))" \
		"$(seq -s ' ' 1 $((i * 8)))" >"$work/c$i.txt"
done
"$dlgconv" stats -q --tokenizer "$fixtures/tokenizers/qwen2.5" --max-tokens 200 \
	--over-limit drop --price-per-mtok 8 --epochs 3 --html "$work/tokens.html" "$work"/c*.txt \
	>/dev/null
check "a tokens chart" "grep -q 'Tokens per conversation' '$work/tokens.html'"
check "two buckets past the limit, red" \
	"[ \$(grep -o 'class=\"bar over\"' '$work/tokens.html' | wc -l) -eq 2 ]"
check "the limit marked, with the conversations over it" \
	"grep -q '<line class=\"limit\"' '$work/tokens.html' &&
	 grep -q -- '--max-tokens 200: 4 over it' '$work/tokens.html'"
check "the training cost" "grep -q 'training cost at 8 per million tokens, 3 epochs' '$work/tokens.html'"
rm -rf "$work"
checks_finish html
