#!/bin/sh
# Peak memory on pathological inputs (issue #6): a 64 MiB single-line transcript, a file of
# a million tiny turns, a gzip bomb and a 64 MiB JSON line; and (issue 21) a 64 MiB JSON
# message of stage directions, `I feel lost. *sighs* I do not know. ` repeated, which took
# hours before the span scan was linear. Prints seconds and peak RSS;
# the target is well under 512 MiB for each. Issue #12: eight 64 MiB transcripts in one
# folder, with -j 1 and -j 2: under 700 MiB (one alone: under 300 MiB).
#   scripts/limits.sh [WORKDIR]
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$here/build/limits}
mkdir -p "$work"
sh "$here/scripts/install-deps.sh"
[ -x /usr/bin/time ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
cmake -S "$here" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DDLGCONV_BUILD_TESTS=OFF >/dev/null
cmake --build "$work/build" -j "$(nproc)" >/dev/null
dlgconv=$work/build/dlgconv
/usr/bin/python3 - "$work" <<'PY'
import gzip, json, sys
w = sys.argv[1]
with open(w + "/one-line.txt", "w") as f:
    f.write("### Human: " + "word " * (64 * 1024 * 1024 // 5) + "\n### Assistant: ok\n")
with open(w + "/million-turns.txt", "w") as f:
    f.write("### Human: a\n### Assistant: b\n" * 500000)
with gzip.open(w + "/bomb.txt.gz", "wb", compresslevel=9) as f:
    for _ in range(2048):
        f.write(b"\0" * (1 << 20))  # 2 GiB of zeros in about 2 MB
import os, shutil
os.makedirs(w + "/eight", exist_ok=True)
for i in range(8):
    shutil.copy(w + "/one-line.txt", "%s/eight/%d.txt" % (w, i))
with open(w + "/long-record.jsonl", "w") as f:
    f.write(json.dumps({"text": "### Human: " + "x" * (64 << 20) + "\n### Assistant: ok"}) + "\n")
PY
[ -f "$work/many-spans.jsonl" ] ||
	/usr/bin/python3 "$here/scripts/line-corpus.py" "$work/many-spans.jsonl" spans 64M
printf '%-34s %-9s %8s %10s  %s\n' input command seconds "peak RSS" "exit (message)"
for input in one-line.txt million-turns.txt bomb.txt.gz long-record.jsonl many-spans.jsonl; do
	for cmd in convert validate; do
		out=""
		[ $cmd = convert ] && out="-o $work/out --force"
		# shellcheck disable=SC2086
		/usr/bin/time -f '%e %M' -o "$work/time" "$dlgconv" $cmd -q "$work/$input" $out \
			>/dev/null 2>"$work/err" && rc=0 || rc=$?
		set -- $(tail -1 "$work/time")
		printf '%-34s %-9s %7ss %6d MiB  %s\n' "$input" $cmd "$1" $(($2 / 1024)) \
			"$rc $(grep '^dlgconv:' "$work/err" | head -1)"
	done
done
for jobs in 1 2; do
	/usr/bin/time -f '%e %M' -o "$work/time" "$dlgconv" convert -q -j $jobs "$work/eight" \
		-o "$work/out" --force >/dev/null 2>"$work/err" && rc=0 || rc=$?
	set -- $(tail -1 "$work/time")
	printf '%-34s %-9s %7ss %6d MiB  %s\n' "eight 64 MiB transcripts, -j $jobs" convert "$1" \
		$(($2 / 1024)) "$rc $(grep '^dlgconv:' "$work/err" | head -1)"
done
