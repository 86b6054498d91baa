#!/bin/sh
# Measure 14 of scripts/bench.sh (issue 24), runnable alone:
#   scripts/bench-speed.sh DLGCONV CORPUS_DIR [WORKDIR]
# CORPUS_DIR is scripts/bench-corpus.py's 60,000 files; from them, the conversations convert
# writes become one bare `messages` JSONL (`convert --bare --compress none`, splits
# concatenated), the shape fine-tuning services take. Each time is the minimum of 5 runs,
# the commands alternating, so that a noisy neighbour inflates no ratio.
#   14a. convert --near-dup off, and 14b. convert (defaults), on the JSONL, against
#   14c. the floor: libdeflate level 6 on 2 threads in 4 MiB members of convert's own
#        output already in memory (scripts/floor.c), what no convert can beat.
#        Target: 14b at most 1.5x the floor.
#   14d. validate -q on the JSONL against 14e. Together's check_file and 14f. the OpenAI
#        cookbook's format checks, both pure Python, run from their own source trees where
#        given: TOGETHER_SRC, a checkout of github.com/togethercomputer/together-python
#        (1.5.x: src/together/utils/files.py), and COOKBOOK_NOTEBOOK, the cookbook's
#        examples/Chat_finetuning_data_prep.ipynb (its data-loading and format-check cells
#        are run). Skipped, saying so, where not given. Target: 14d 4x faster than 14e.
#   14g. convert (defaults) on the 60,000 files against 14h. pigz -p 2 -6 of its output.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
dlgconv=$1 corpus=$2
work=${3:-$here/build/bench}
mkdir -p "$work"
py=/usr/bin/python3
cc -O2 -std=c11 "$here/scripts/floor.c" -o "$work/floor" -ldeflate -lpthread

jsonl=$work/speed.jsonl
if [ ! -f "$jsonl" ]; then
	"$dlgconv" convert -q --bare --compress none "$corpus" -o "$work/speed-bare" --force \
		>/dev/null 2>&1 || true
	cat "$work/speed-bare"/train.jsonl "$work/speed-bare"/validation.jsonl \
		"$work/speed-bare"/test.jsonl >"$jsonl"
fi
out=$work/speed-out
secs() {
	s=$(date +%s.%N)
	"$@" >/dev/null 2>&1 || true # validate exits 1 on the corpus's errors
	e=$(date +%s.%N)
	echo "$e - $s" | bc -l
}
min5() { printf '%s\n' "$@" | sort -g | head -1; }
ratio() { printf '%.2f' "$(echo "$1 / $2" | bc -l)"; }

# convert's own output of the JSONL, uncompressed, for the floor
"$dlgconv" convert -q --compress none "$jsonl" -o "$work/speed-plain" --force >/dev/null 2>&1 ||
	true
cat "$work/speed-plain"/*.jsonl >"$work/speed-plain.all"

together() {
	$py - "$TOGETHER_SRC" "$jsonl" <<'PY'
import enum, sys, types
src, path = sys.argv[1], sys.argv[2]
# together/__init__.py and together/types/__init__.py build the whole API client (pydantic 2,
# aiohttp); the checker needs the package's constants and this one enum of its types
package = types.ModuleType("together")
package.__path__ = [src + "/src/together"]
sys.modules["together"] = package
utils = types.ModuleType("together.utils")
utils.__path__ = [src + "/src/together/utils"]
sys.modules["together.utils"] = utils
kinds = types.ModuleType("together.types")
kinds.FilePurpose = enum.Enum("FilePurpose", {"FineTune": "fine-tune", "BatchAPI": "batch-api",
                                             "Eval": "eval", "EvalOutput": "eval-output"},
                              type=str)
sys.modules["together.types"] = kinds
from together.utils.files import check_file
report = check_file(path)
sys.exit(0 if report["is_check_passed"] else 1)
PY
}
cookbook() {
	$py - "$COOKBOOK_NOTEBOOK" "$jsonl" <<'PY'
import json, re, sys
notebook, path = sys.argv[1], sys.argv[2]
cells = ["".join(c["source"]) for c in json.load(open(notebook))["cells"]
         if c["cell_type"] == "code"]
load = next(c for c in cells if c.startswith("data_path ="))
checks = next(c for c in cells if c.startswith("# Format error checks"))
scope = {}
exec("import json\nfrom collections import defaultdict\n", scope)
exec(re.sub(r"^data_path = .*$", "data_path = %r" % path, load, flags=re.M), scope)
exec(checks, scope)
PY
}
have_together=false have_cookbook=false
[ -n "${TOGETHER_SRC-}" ] && [ -f "$TOGETHER_SRC/src/together/utils/files.py" ] && have_together=true
[ -n "${COOKBOOK_NOTEBOOK-}" ] && [ -f "$COOKBOOK_NOTEBOOK" ] && have_cookbook=true

t_off="" t_def="" t_floor="" t_val="" t_tog="" t_book="" t_files="" t_pigz=""
for i in 1 2 3 4 5; do
	t_off="$t_off $(secs "$dlgconv" convert -q --near-dup off "$jsonl" -o "$out" --force)"
	t_def="$t_def $(secs "$dlgconv" convert -q "$jsonl" -o "$out" --force)"
	t_floor="$t_floor $("$work/floor" "$work/speed-plain.all" 2 | cut -d' ' -f1)"
	t_val="$t_val $(secs "$dlgconv" validate -q "$jsonl")"
	$have_together && t_tog="$t_tog $(secs together)"
	$have_cookbook && t_book="$t_book $(secs cookbook)"
	t_files="$t_files $(secs "$dlgconv" convert -q "$corpus" -o "$out" --force)"
	t_pigz="$t_pigz $(secs sh -c "pigz -p 2 -6 -c '$work/speed-plain.all' >/dev/null")"
done
m_off=$(min5 $t_off) m_def=$(min5 $t_def) m_floor=$(min5 $t_floor) m_val=$(min5 $t_val)
m_files=$(min5 $t_files) m_pigz=$(min5 $t_pigz)
mb=$(($(stat -c %s "$jsonl") / 1000000))
row() { printf '%-58s %7.2fs %7.2fs %6sx %s\n' "$1" "$2" "$3" "$(ratio "$2" "$3")" "$4"; }
echo "14. speed against the compressor floor and the Python checkers ($mb MB JSONL; minimum of 5)"
row "14a. convert --near-dup off vs the floor" "$m_off" "$m_floor" "<= 1.5"
row "14b. convert (defaults) vs the floor" "$m_def" "$m_floor" "<= 1.5"
if $have_together; then
	m_tog=$(min5 $t_tog)
	printf '%-58s %7.2fs %7.2fs %6sx %s\n' "14d/e. validate -q vs Together's check_file" "$m_val" \
		"$m_tog" "$(ratio "$m_tog" "$m_val")" ">= 4 (faster)"
else
	printf '%-58s %7.2fs   (Together not measured: TOGETHER_SRC not given)\n' \
		"14d. validate -q" "$m_val"
fi
if $have_cookbook; then
	m_book=$(min5 $t_book)
	printf '%-58s %7.2fs %7.2fs %6sx %s\n' "14d/f. validate -q vs the cookbook's format checks" \
		"$m_val" "$m_book" "$(ratio "$m_book" "$m_val")" "(faster)"
else
	echo "14f. the cookbook's checks not measured: COOKBOOK_NOTEBOOK not given"
fi
row "14g/h. convert (defaults), 60,000 files, vs pigz -p 2 -6" "$m_files" "$m_pigz" "(for the record)"
