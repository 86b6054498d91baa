#!/bin/sh
# Submits a whole cluster run of dlgconv (docs/map-reduce.md) to Slurm: M map tasks, then N
# reduce tasks once every map task succeeded, then finalize once every reduce task did
# (--dependency=afterok on each job array). With -b NB (and --near-dup group or drop in
# DLGCONV_OPTIONS), NB band tasks after the maps and the cluster step after them come before
# the reduces. Prints the finalize job's id; the dataset is the bytes `dlgconv convert
# --shards N OPTIONS INPUT... -o DATASET` writes (with --near-dup off unless OPTIONS say).
#
#   [DLGCONV_OPTIONS='--seed 7 ...'] scripts/slurm/run.sh -m PARTS [-b BANDS] -n SHARDS \
#       -w WORK -o DATASET INPUT...
#
# DLGCONV_OPTIONS are convert's options, given to every step (split on blanks, so no blank
# inside one option); --shards N is added.
# The logs go to WORK/logs. Extra sbatch options (partition, account) come from the usual
# SBATCH_* variables; $DLGCONV names the program when it is not on PATH.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
parts=1 bands=0 shards=1 work="" dataset=""
while getopts m:b:n:w:o: opt; do
	case $opt in
	m) parts=$OPTARG ;;
	b) bands=$OPTARG ;;
	n) shards=$OPTARG ;;
	w) work=$OPTARG ;;
	o) dataset=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ -z "$work" ] || [ -z "$dataset" ] || [ $# -eq 0 ]; then
	echo "usage: $0 -m PARTS [-b BANDS] -n SHARDS -w WORK -o DATASET INPUT..." >&2
	exit 2
fi
export DLGCONV_OPTIONS="${DLGCONV_OPTIONS:-} --shards $shards"
mkdir -p "$work/logs"
log="$work/logs/%x-%A_%a.out"
map=$(sbatch --parsable --output="$log" --array=0-$((parts - 1)) \
	"$here/map.sbatch" "$parts" "$work" "$@")
before_reduce=$map
if [ "$bands" -gt 0 ]; then
	band=$(sbatch --parsable --output="$log" --array=0-$((bands - 1)) \
		--dependency=afterok:"${map%%;*}" "$here/bands.sbatch" "$bands" "$work")
	before_reduce=$(sbatch --parsable --output="$work/logs/%x-%j.out" \
		--dependency=afterok:"${band%%;*}" "$here/cluster.sbatch" "$work")
fi
reduce=$(sbatch --parsable --output="$log" --array=0-$((shards - 1)) \
	--dependency=afterok:"${before_reduce%%;*}" "$here/reduce.sbatch" "$shards" "$work")
final=$(sbatch --parsable --output="$work/logs/%x-%j.out" \
	--dependency=afterok:"${reduce%%;*}" "$here/finalize.sbatch" "$shards" "$work" "$dataset")
echo "${final%%;*}"
