#!/bin/sh
# Measures 12 and 13 of scripts/bench.sh (issue 21, item 4), runnable alone:
#   scripts/bench-linear.sh DLGCONV [WORKDIR]
# 12. Every stage linear in its input: `convert` of one 64 MiB line full of stage directions,
#     spans that are text, speaker labels, escaped markers, JSON escapes and mojibake
#     candidates (scripts/line-corpus.py heavy) against a plain line of the same size;
#     medians of 3, alternating. Target: at most 3x. 12b: issue 21's line
#     (`I feel lost. *sighs* I do not know. `) at 1.8, 3.6 and 7.2 MB and in Chinese at
#     7.2 MB: linear means each doubling about doubles the time. 12c: a 64 MiB line that
#     needs NFC throughout (`Cafe\u0301`): utf8proc's own speed, for the record.
# 13. Cancellation: SIGINT at 10 points of the 64 MiB line's conversion: the longest time
#     from the signal to the exit (exit 3 every time, no staging directory left).
#     Target: 100 ms.
# The heavy line costs more than the default --memory-budget by its estimate (its colons
# and asterisks), and would be refused unread (E105): both measures raise the budget.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
dlgconv=$1
work=${2:-$here/build/bench}
mkdir -p "$work"
py=/usr/bin/python3
lines=$work/lines
mkdir -p "$lines"
gen() { # NAME SHAPE SIZE
	[ -f "$lines/$1" ] || $py "$here/scripts/line-corpus.py" "$lines/$1" "$2" "$3"
}
gen heavy-64M.jsonl heavy 64M
gen plain-64M.jsonl plain 64M
gen spans-1.8M.jsonl spans 1.8M
gen spans-3.6M.jsonl spans 3.6M
gen spans-7.2M.jsonl spans 7.2M
gen zh-7.2M.jsonl zh 7.2M
gen nfd-64M.jsonl nfd 64M
secs() {
	s=$(date +%s.%N)
	"$@" >/dev/null 2>&1 || true
	e=$(date +%s.%N)
	echo "$e - $s" | bc -l
}
median3() { printf '%s\n' "$@" | sort -g | sed -n 2p; }
budget=8589934592
conv() { "$dlgconv" convert -q --memory-budget $budget "$1" -o "$work/linear-out" --force; }
t_heavy="" t_plain=""
for i in 1 2 3; do
	t_heavy="$t_heavy $(secs conv "$lines/heavy-64M.jsonl")"
	t_plain="$t_plain $(secs conv "$lines/plain-64M.jsonl")"
done
m_heavy=$(median3 $t_heavy) m_plain=$(median3 $t_plain)
printf '%-58s %7.2fs %7.2fs %6.2fx %s\n' "12. one 64 MiB line: heavy vs plain" \
	"$m_heavy" "$m_plain" "$(echo "$m_heavy / $m_plain" | bc -l)" "<= 3x"
t18=$(secs conv "$lines/spans-1.8M.jsonl")
t36=$(secs conv "$lines/spans-3.6M.jsonl")
t72=$(secs conv "$lines/spans-7.2M.jsonl")
tzh=$(secs conv "$lines/zh-7.2M.jsonl")
printf '%-58s %.2fs, %.2fs, %.2fs; Chinese 7.2 MB %.2fs\n' \
	"12b. issue 21's line, 1.8 / 3.6 / 7.2 MB" "$t18" "$t36" "$t72" "$tzh"
t_nfd=$(secs conv "$lines/nfd-64M.jsonl")
printf '%-58s %7.2fs %7.2fs %6.2fx %s\n' "12c. one 64 MiB line that needs NFC vs plain" \
	"$t_nfd" "$m_plain" "$(echo "$t_nfd / $m_plain" | bc -l)" "(utf8proc)"
# 13: the latency of SIGINT, at 10 points spread over a run
$py - "$dlgconv" "$lines/heavy-64M.jsonl" "$work" "$m_heavy" "$budget" <<'PY'
import os, shutil, signal, subprocess, sys, time
dlgconv, line, work, full, budget = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), \
    sys.argv[5]
out = os.path.join(work, "cancel-out")
worst, bad = 0.0, []
for k in range(10):
    p = subprocess.Popen([dlgconv, "convert", "-q", "--memory-budget", budget, line, "-o", out,
                          "--force"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(full * (k + 0.5) / 11)
    sent = time.monotonic()
    p.send_signal(signal.SIGINT)
    p.wait()
    took = time.monotonic() - sent
    left = [n for n in os.listdir(work) if n.startswith(".cancel-out.dlgconv-new-")]
    if p.returncode == 3:
        worst = max(worst, took)
    elif p.returncode != 0:  # 0: it was done before the signal
        bad.append("exit %d" % p.returncode)
    if left:
        bad.append("left %s" % left)
    shutil.rmtree(out, ignore_errors=True)
print("%-58s %6.0f ms %s  target 100 ms" % ("13. SIGINT during the 64 MiB line: slowest exit",
                                              worst * 1000, "; ".join(bad)))
PY
