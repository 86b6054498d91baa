#!/bin/sh
# Benchmarks dlgconv against scripts/baseline.py (the Python script a data engineer would
# write instead) and against pigz, on corpora made by scripts/bench-corpus.py and
# scripts/neardup-corpus.py; in one run, alternating, medians of 3. docs/performance.md
# shows a run's figures and says what each measure is.
#   scripts/bench.sh [WORKDIR]        (default: build/bench; corpora are generated once)
# Targets: convert >= 8x baseline; convert <= pigz -p 2 -6 on its own output; validate
# >= 15x baseline --no-write; peak RSS < 150 MiB and flat when the corpus doubles; convert
# (defaults) at most 10% slower than at BENCH_BASE_REV (default 59e491f, built from this
# repository's history), and what --fix-mojibake costs; convert --near-dup group at most
# 1.25x convert on the 60k-file corpus; 1M short conversations with --near-dup group: time
# and peak memory (< 512 MiB); map (4 parts), reduce (3 shards) and finalize, run one after
# another on this machine, against one convert --shards 3: the cost of cutting the work
# into steps; convert at 53802f5 (the commit before the driver split): the same bytes, and
# at most 3% slower; one 64 MiB line full of stage directions, markers, escapes and mojibake
# candidates at most 3x a plain line of the same size, and SIGINT during it answered within
# 100 ms (scripts/bench-linear.sh, which runs alone too); convert within 1.5x the
# compressor floor and validate 4x faster than Together's checker on a bare JSONL of the
# 60k corpus (scripts/bench-speed.sh, which runs alone too; TOGETHER_SRC and
# COOKBOOK_NOTEBOOK point it at the Python checkers' sources);
# token counting against tokenizers.js and tiktoken (WASM), and convert --tokenizer against
# convert (scripts/bench-tokens.sh, which runs alone too; needs node and npm);
# BENCH_NEAR_N (default 1000000) short conversations through map, bands, cluster, reduce and
# finalize with --near-dup group: time and peak memory per step (scripts/bench-near-steps.sh,
# which runs alone too; the issue's figure is 10000000).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$here/build/bench}
mkdir -p "$work"
sh "$here/scripts/install-deps.sh"
for tool in pigz bc time; do
	[ -x "/usr/bin/$tool" ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$tool" >/dev/null
done
cmake -S "$here" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DDLGCONV_BUILD_TESTS=OFF >/dev/null
cmake --build "$work/build" -j "$(nproc)" >/dev/null
dlgconv=$work/build/dlgconv
py=/usr/bin/python3

# a corpus is named after the generator that made it, so a changed generator makes new ones
gen=$(cksum <"$here/scripts/bench-corpus.py" | cut -d' ' -f1)
for n in 20000 40000 60000; do
	c=$work/corpus-$gen-$n
	[ -d "$c" ] || $py "$here/scripts/bench-corpus.py" "$c" $n --jobs "$(nproc)" >/dev/null
done
c20=$work/corpus-$gen-20000
c40=$work/corpus-$gen-40000
c60=$work/corpus-$gen-60000
baseline=$here/scripts/baseline.py
short=$work/short1m.jsonl
[ -f "$short" ] || $py "$here/scripts/neardup-corpus.py" "$short" 800000 --short >/dev/null

# seconds of one run of "$@" (stdout and stderr dropped)
secs() {
	s=$(date +%s.%N)
	"$@" >/dev/null 2>&1 || true # validate exits 1: the generated corpus has errors
	e=$(date +%s.%N)
	echo "$e - $s" | bc -l
}
median3() { printf '%s\n' "$@" | sort -g | sed -n 2p; }
median5() { printf '%s\n' "$@" | sort -g | sed -n 3p; }
peak_kib() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }
ratio() { printf '%.2f' "$(echo "$1 / $2" | bc -l)"; }

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)," \
	"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "corpus:  $(find "$c20" -name '*.txt' | wc -l) files, $(du -sb "$c20" | cut -f1) bytes" \
	"(and $(find "$c40" -name '*.txt' | wc -l) files for the memory check)"
echo "dlgconv: $("$dlgconv" --version), $(nproc) threads; medians of 3, alternating"
echo

out=$work/out
conv() { "$dlgconv" convert -q "$@" -o "$out" --force >/dev/null; } # -q keeps the summary
# 1 and 3: dlgconv against baseline.py
t_conv="" t_base="" t_val="" t_basenw="" t_drop=""
for i in 1 2 3; do
	t_conv="$t_conv $(secs conv "$c20")"
	t_drop="$t_drop $(secs conv --trailing-user drop "$c20")"
	t_val="$t_val $(secs "$dlgconv" validate -q "$c20")"
	t_base="$t_base $(secs $py "$baseline" "$c20" "$work/base")"
	t_basenw="$t_basenw $(secs $py "$baseline" "$c20" "$work/base" --no-write)"
done
m_conv=$(median3 $t_conv) m_drop=$(median3 $t_drop) m_val=$(median3 $t_val)
m_base=$(median3 $t_base) m_basenw=$(median3 $t_basenw)

# 2: dlgconv against pigz -p 2 -6 compressing dlgconv's own output, uncompressed
pigz_vs() {
	conv "$@" "$c20" 2>/dev/null
	plain=$work/plain.jsonl
	for f in "$out"/*.jsonl.gz; do zcat "$f"; done >"$plain"
	tp="" td=""
	for i in 1 2 3; do
		tp="$tp $(secs sh -c "pigz -p 2 -6 -c '$plain' >'$plain.gz'")"
		td="$td $(secs conv "$@" "$c20")"
	done
	echo "$(median3 $td) $(median3 $tp) $(stat -c %s "$plain")"
}
set -- $(pigz_vs)
p_def_d=$1 p_def_p=$2 p_def_bytes=$3
set -- $(pigz_vs --trailing-user drop)
p_drop_d=$1 p_drop_p=$2 p_drop_bytes=$3

# 5 and 6: this convert against the same at an earlier revision, and with --fix-mojibake
base_rev=${BENCH_BASE_REV:-59e491f}
old=""
if git -C "$here" cat-file -e "$base_rev^{commit}" 2>/dev/null; then
	rm -rf "$work/base-src" && mkdir -p "$work/base-src"
	git -C "$here" archive "$base_rev" | tar -x -C "$work/base-src"
	cmake -S "$work/base-src" -B "$work/base-build" -DCMAKE_BUILD_TYPE=Release \
		-DDLGCONV_BUILD_TESTS=OFF >/dev/null
	cmake --build "$work/base-build" -j "$(nproc)" >/dev/null
	old=$work/base-build/dlgconv
fi
t_new="" t_old="" t_moji=""
for i in 1 2 3; do
	t_new="$t_new $(secs conv --near-dup off "$c20")" # the same work as then
	[ -n "$old" ] && t_old="$t_old $(secs "$old" convert -q "$c20" -o "$out" --force)"
	t_moji="$t_moji $(secs conv --near-dup off --fix-mojibake "$c20")"
done
m_new=$(median3 $t_new) m_moji=$(median3 $t_moji)

# 7 and 8: near-duplicates
t_off="" t_group=""
for i in 1 2 3; do
	t_off="$t_off $(secs conv --near-dup off "$c60")"
	t_group="$t_group $(secs conv --near-dup group "$c60")"
done
m_off=$(median3 $t_off) m_group=$(median3 $t_group)
n_short=$(wc -l <"$short")
s_off=$(secs conv --near-dup off "$short")
s_group=$(secs conv --near-dup group "$short")
mem_short=$(peak_kib "$dlgconv" convert -q --near-dup group "$short" -o "$out" --force)
# 10: the map/reduce steps one after another against one convert --shards 3
steps() {
	rm -rf "$work/mr"
	for k in 0 1 2 3; do "$dlgconv" map -q --part $k/4 --shards 3 "$c20" -o "$work/mr"; done
	for shard in 0 1 2; do "$dlgconv" reduce --shard $shard/3 "$work/mr"; done # not s: secs() has it
	"$dlgconv" finalize -q --shards 3 "$work/mr" -o "$out" --force
}
t_steps="" t_sharded=""
for i in 1 2 3; do
	t_sharded="$t_sharded $(secs conv --near-dup off --shards 3 "$c20")"
	t_steps="$t_steps $(secs steps)"
done
m_steps=$(median3 $t_steps) m_sharded=$(median3 $t_sharded)

# 11: the driver split (docs/architecture.md) against the commit before it: every file and
# message the same under a dozen option sets, and convert (defaults) as fast
split_rev=53802f5
split_bytes="(revision $split_rev not in this clone: target 11 not measured)"
t_split="" t_unsplit=""
if git -C "$here" cat-file -e "$split_rev^{commit}" 2>/dev/null; then
	split_bytes=$(sh "$here/scripts/compare-rev.sh" "$dlgconv" $split_rev "$work/split" "$c20" |
		tail -1)
	unsplit=$work/split/build-$split_rev/dlgconv
	for i in 1 2 3 4 5; do
		t_split="$t_split $(secs conv "$c20")"
		t_unsplit="$t_unsplit $(secs "$unsplit" convert -q "$c20" -o "$out" --force)"
	done
fi

mem20=$(peak_kib "$dlgconv" convert -q "$c20" -o "$out" --force)
mem40=$(peak_kib "$dlgconv" convert -q "$c40" -o "$out" --force)

printf '%-58s %8s %8s %7s %s\n' "measure" "dlgconv" "other" "ratio" "target"
printf '%-58s %7.2fs %7.2fs %6sx %s\n' "1. convert (defaults) vs baseline.py" \
	"$m_conv" "$m_base" "$(ratio "$m_base" "$m_conv")" ">= 8x"
printf '%-58s %7.2fs %7.2fs %6sx %s\n' "1b. convert --trailing-user drop (all written) vs baseline.py" \
	"$m_drop" "$m_base" "$(ratio "$m_base" "$m_drop")" ">= 8x"
printf '%-58s %7.2fs %7.2fs %6sx %s\n' "3. validate vs baseline.py --no-write" \
	"$m_val" "$m_basenw" "$(ratio "$m_basenw" "$m_val")" ">= 15x"
printf '%-58s %7.2fs %7.2fs %7s %s\n' "2. convert (defaults) vs pigz -p 2 -6 on its $((p_def_bytes / 1000000)) MB output" \
	"$p_def_d" "$p_def_p" "$(ratio "$p_def_d" "$p_def_p")" "<= 1.0"
printf '%-58s %7.2fs %7.2fs %7s %s\n' "2b. convert --trailing-user drop vs pigz on its $((p_drop_bytes / 1000000)) MB output" \
	"$p_drop_d" "$p_drop_p" "$(ratio "$p_drop_d" "$p_drop_p")" "<= 1.0"
printf '%-58s %6d MiB (20k files) %d MiB (40k files)   < 150 MiB, flat\n' "4. peak resident memory, convert" \
	$((mem20 / 1024)) $((mem40 / 1024))
if [ -n "$old" ]; then
	m_old=$(median3 $t_old)
	printf '%-58s %7.2fs %7.2fs %7s %s\n' "5. convert --near-dup off vs the same at $base_rev" \
		"$m_new" "$m_old" "$(ratio "$m_new" "$m_old")" "<= 1.10"
else
	echo "(revision $base_rev not in this clone: target 5 not measured)"
fi
printf '%-58s %7.2fs %7.2fs %7s %s\n' "6. convert --fix-mojibake vs convert (defaults)" \
	"$m_moji" "$m_new" "$(ratio "$m_moji" "$m_new")" "(its cost)"
printf '%-58s %7.2fs %7.2fs %7s %s\n' "7. convert (--near-dup group) vs --near-dup off, 60k files" \
	"$m_group" "$m_off" "$(ratio "$m_group" "$m_off")" "<= 1.25"
printf '%-58s %7.2fs %7.2fs %7s %s\n' "8. --near-dup group vs off, $n_short short conversations" \
	"$s_group" "$s_off" "$(ratio "$s_group" "$s_off")" "(time)"
printf '%-58s %6d MiB   < 512 MiB\n' "8b. peak resident memory, --near-dup group, $n_short convs" \
	$((mem_short / 1024))
# 9: accuracy on planted pairs against their exact Jaccard (tests/neardup_test.py's figures)
$py "$here/tests/neardup_test.py" "$dlgconv" | sed -n 's/^drop: /9. near-dup, planted pairs: /p'
printf '%-58s %7.2fs %7.2fs %7s %s\n' "10. map 4 + reduce 3 + finalize, in turn, vs convert --shards 3" \
	"$m_steps" "$m_sharded" "$(ratio "$m_steps" "$m_sharded")" "(the overhead)"
if [ -n "$t_split" ]; then
	m_split=$(median5 $t_split) m_unsplit=$(median5 $t_unsplit)
	printf '%-58s %7.2fs %7.2fs %7s %s\n' "11. convert (defaults) vs the same at $split_rev (medians of 5)" \
		"$m_split" "$m_unsplit" "$(ratio "$m_split" "$m_unsplit")" "<= 1.03"
fi
echo "11b. $split_bytes"
sh "$here/scripts/bench-linear.sh" "$dlgconv" "$work"
sh "$here/scripts/bench-speed.sh" "$dlgconv" "$c60" "$work"
# token counting (issue 22, item 6): one thread against the references, and convert
# --tokenizer against convert, on the 20k-file corpus's size
sh "$here/scripts/bench-tokens.sh" "$work" 20000
# near-duplicates on the cluster (issue 23): each step's time, peak memory and disk
echo "12. --near-dup group through the cluster steps, on this machine:"
DLGCONV=$dlgconv sh "$here/scripts/bench-near-steps.sh" "${BENCH_NEAR_N:-1000000}" "$work/near"
