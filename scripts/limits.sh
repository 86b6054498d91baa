#!/bin/sh
# Peak memory on pathological inputs. Targets: one input under 512 MiB, a folder under
# 700 MiB, whatever the input's shape (docs/performance.md "Memory limits" has the table and
# the bound that holds them).
#   - issue #6: a 64 MiB single-line transcript, a file of a million tiny turns, a gzip bomb
#     and a 64 MiB JSON line;
#   - issue 21: a 64 MiB JSON message of stage directions (`I feel lost. *sighs* I do not
#     know. ` repeated, which took hours before the span scan was linear);
#   - issue #12: eight 64 MiB transcripts in one folder, with -j 1 and -j 2;
#   - issue 21, item 7, the shapes that cost per line or per turn rather than per byte:
#     16 Mi one-character lines (32 MiB: one file, and four in one folder with -j 2 and
#     -j 4), 32 MiB of blank lines in one turn, 32 MiB of tiny turns with one-letter labels
#     (`A: x`, --role A=user --role B=assistant), one turn of 32 MiB in 440,000 lines, and
#     a finding on each of a million lines (W308); and a 200 MB .json document, an array
#     of two million short records (read record by record, not as one tree);
#   - the memory budget (--memory-budget, 1 GiB by default): a conversation estimated over
#     it alone is refused unread (E105): the tiny turns by default (2 GiB by the estimate),
#     read whole under a budget raised to 2 GiB.
# Prints seconds and peak RSS for each.
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
import gzip, json, os, shutil, sys
w = sys.argv[1]
def write(name, text):
    if not os.path.exists(w + "/" + name):
        with open(w + "/" + name, "w") as f:
            f.write(text)
write("one-line.txt", "### Human: " + "word " * (64 * 1024 * 1024 // 5) + "\n### Assistant: ok\n")
write("million-turns.txt", "### Human: a\n### Assistant: b\n" * 500000)
if not os.path.exists(w + "/bomb.txt.gz"):
    with gzip.open(w + "/bomb.txt.gz", "wb", compresslevel=9) as f:
        for _ in range(2048):
            f.write(b"\0" * (1 << 20))  # 2 GiB of zeros in about 2 MB
os.makedirs(w + "/eight", exist_ok=True)
for i in range(8):
    if not os.path.exists("%s/eight/%d.txt" % (w, i)):
        shutil.copy(w + "/one-line.txt", "%s/eight/%d.txt" % (w, i))
write("long-record.jsonl",
      json.dumps({"text": "### Human: " + "x" * (64 << 20) + "\n### Assistant: ok"}) + "\n")
write("one-char.txt", "### Human: x\n" + "x\n" * (16 << 20) + "### Assistant: ok\n")
os.makedirs(w + "/four", exist_ok=True)
for i in range(4):
    if not os.path.exists("%s/four/%d.txt" % (w, i)):
        shutil.copy(w + "/one-char.txt", "%s/four/%d.txt" % (w, i))
write("blank-lines.txt", "### Human: x\n" + "\n" * (32 << 20) + "### Assistant: ok\n")
write("tiny-turns.txt", "A: x\nB: y\n" * ((32 << 20) // 10))
write("huge-turn.txt", "### Human: " + ("word " * 15 + "\n") * ((32 << 20) // 76) +
      "### Assistant: ok\n")
if not os.path.exists(w + "/big-document.json"):
    with open(w + "/big-document.json", "w") as f:
        f.write("[\n")
        for i in range(2000000):
            f.write("%s{\"messages\": [{\"role\": \"user\", \"content\": \"hi %d\"}, "
                    "{\"role\": \"assistant\", \"content\": \"ok %d\"}]}"
                    % (",\n" if i else "", i, i * 7))
        f.write("\n]\n")
write("finding-per-line.txt", "### Human: hi\n" + "## Step: stir\n" * 1000000 +
      "### Assistant: ok\n")
PY
[ -f "$work/many-spans.jsonl" ] ||
	/usr/bin/python3 "$here/scripts/line-corpus.py" "$work/many-spans.jsonl" spans 64M
echo "bound: 2 x --memory-budget (1 GiB by default) + fixed (docs/performance.md);"
echo "targets: one input < 512 MiB, a folder < 700 MiB, but for the budget raised"
printf '%-36s %-9s %8s %10s  %s\n' input command seconds "peak RSS" "exit (message)"
# NAME COMMAND ARGS...: one run, one line of the table
measure() {
	name=$1 cmd=$2
	shift 2
	out=""
	[ "$cmd" = convert ] && out="-o $work/out --force"
	# shellcheck disable=SC2086
	/usr/bin/time -f '%e %M' -o "$work/time" "$dlgconv" "$cmd" -q "$@" $out \
		>/dev/null 2>"$work/err" && rc=0 || rc=$?
	# shellcheck disable=SC2046
	set -- $(tail -1 "$work/time")
	msg=""
	[ $rc = 0 ] || msg=$(grep '^dlgconv:' "$work/err" | head -1)
	printf '%-36s %-9s %7ss %6d MiB  %s\n' "$name" "$cmd" "$1" $(($2 / 1024)) "$rc $msg"
}
for input in one-line.txt million-turns.txt bomb.txt.gz long-record.jsonl many-spans.jsonl \
	one-char.txt blank-lines.txt huge-turn.txt finding-per-line.txt big-document.json; do
	for cmd in convert validate; do
		measure "$input" $cmd "$work/$input"
	done
done
for cmd in convert validate; do
	measure "tiny-turns.txt (--role A=, B=)" $cmd --role A=user --role B=assistant \
		"$work/tiny-turns.txt"
done
measure "tiny-turns.txt (2 GiB budget)" convert --memory-budget 2147483648 --role A=user \
	--role B=assistant "$work/tiny-turns.txt"
for jobs in 1 2; do
	measure "eight 64 MiB transcripts, -j $jobs" convert -j $jobs "$work/eight"
done
for jobs in 2 4; do
	measure "four one-char-line files, -j $jobs" convert -j $jobs "$work/four"
done
