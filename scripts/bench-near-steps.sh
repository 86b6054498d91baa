#!/bin/sh
# The cluster run with --near-dup group on one machine (docs/map-reduce.md "Near-duplicates",
# issue 23): N short generated conversations (scripts/neardup-corpus.py --short: N bases and
# a quarter as many planted variants, in 16 files) through map (M parts), bands (NB tasks),
# cluster, reduce (S shards) and finalize, one task after another; per step its tasks, the
# wall time of the slowest task and of all, the largest peak resident memory of a task, and
# the bytes it left in WORK; then one convert --near-dup group --shards S on the same corpus,
# whose bytes the steps' must equal (checked).
#   scripts/bench-near-steps.sh [N [WORKDIR [M [NB [S]]]]]
# defaults: N 1000000, WORKDIR build/bench-near, M 4, NB 16, S 3. The issue's figure is
# N = 10000000 (about 3.8 GB of JSON lines; WORK then needs some 12 GB).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-1000000}
work=${2:-$here/build/bench-near}
parts=${3:-4} bands=${4:-16} shards=${5:-3}
dlgconv=${DLGCONV:-$here/build/dlgconv}
[ -x /usr/bin/time ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
mkdir -p "$work"
corpus=$work/corpus-$n
if [ ! -d "$corpus" ]; then
	python3 "$here/scripts/neardup-corpus.py" "$work/short-$n.jsonl" "$n" --short >/dev/null
	mkdir -p "$corpus.tmp"
	split -n l/16 -d -a 2 --additional-suffix=.jsonl "$work/short-$n.jsonl" "$corpus.tmp/s"
	rm "$work/short-$n.jsonl"
	mv "$corpus.tmp" "$corpus"
fi
conversations=$(cat "$corpus"/*.jsonl | wc -l)
w=$work/work
rm -rf "$w" "$work/out" "$work/single"
opts="--near-dup group --shards $shards -q"

# one task: "SECONDS PEAK_KIB" appended to $work/step
task() {
	/usr/bin/time -f '%e %M' -o "$work/one" "$@" >/dev/null
	cat "$work/one" >>"$work/step"
}
# a step's line: tasks, slowest, all, largest peak, bytes of its directories
report() { # name, directory glob under WORK
	bytes=$(du -cb $w/$2 2>/dev/null | tail -1 | cut -f1)
	awk -v name="$1" -v bytes="$bytes" -v n="$conversations" '
		{ t += $1; if ($1 > max) max = $1; if ($2 > peak) peak = $2; k++ }
		END { printf "%-9s %5d %9.2fs %9.2fs %8.0f MiB %8.0f MiB %7.1f B/conv\n",
		      name, k, max, t, peak / 1024, bytes / 1048576, bytes / n }' "$work/step"
	rm -f "$work/step"
}

echo "$conversations conversations in $(du -sh "$corpus" | cut -f1); M=$parts NB=$bands S=$shards"
printf '%-9s %5s %10s %10s %12s %12s %12s\n' step tasks slowest all "peak RSS" "on disk" "disk/conv"
k=0
while [ $k -lt "$parts" ]; do
	# shellcheck disable=SC2086
	task "$dlgconv" map --part $k/$parts $opts "$corpus" -o "$w"
	k=$((k + 1))
done
report map "part-*"
b=0
while [ $b -lt "$bands" ]; do
	# shellcheck disable=SC2086
	task "$dlgconv" bands --band $b/$bands $opts "$w"
	b=$((b + 1))
done
report bands "bands-*"
# shellcheck disable=SC2086
task "$dlgconv" cluster $opts "$w"
report cluster clusters
s=0
while [ $s -lt "$shards" ]; do
	# shellcheck disable=SC2086
	task "$dlgconv" reduce --shard $s/$shards $opts "$w"
	s=$((s + 1))
done
report reduce "shard-*"
# shellcheck disable=SC2086
task "$dlgconv" finalize $opts "$w" -o "$work/out"
bytes=$(du -sb "$work/out" | cut -f1)
awk -v bytes="$bytes" -v n="$conversations" '{ printf "%-9s %5d %9.2fs %9.2fs %8.0f MiB %8.0f MiB %7.1f B/conv\n",
	"finalize", 1, $1, $1, $2 / 1024, bytes / 1048576, bytes / n }' "$work/step"
rm -f "$work/step"
# shellcheck disable=SC2086
task "$dlgconv" convert $opts "$corpus" -o "$work/single"
awk '{ printf "%-9s %5d %9.2fs %9.2fs %8.0f MiB   (one machine, for comparison)\n",
	"convert", 1, $1, $1, $2 / 1024 }' "$work/step"
rm -f "$work/step"
if diff -r "$work/single" "$work/out" >/dev/null; then
	echo "the steps' dataset is convert's, byte for byte"
else
	echo "the steps' dataset differs from convert's" >&2
	exit 1
fi
