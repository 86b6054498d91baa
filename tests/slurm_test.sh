#!/bin/sh
# A cluster run through Slurm gives the bytes of one machine's convert (docs/map-reduce.md):
# starts a single-node Slurm (Debian's slurm-wlm with munge: munged, slurmctld and slurmd on
# localhost, as root, from a slurm.conf written in a temporary directory), submits a 4-part
# map, a 3-shard reduce and finalize with scripts/slurm/run.sh, compares every file with
# `convert --shards 3`, then the same with --near-dup drop (3 band tasks and the cluster step
# between map and reduce) on planted near-copies, and stops what it started. The same steps
# run by GNU parallel (or xargs -P), with --near-dup group, are compared either way; where
# Slurm cannot start, the test then says skipped and exits 77.
#   tests/slurm_test.sh DLGCONV FIXTURES_DIR
set -u
dlgconv=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
fixtures=$(cd "$2" && pwd)
here=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dlgconv-slurm-XXXXXX")
failed=0 passed=0
pids=""

check() { # what, command...
	what=$1
	shift
	if "$@"; then
		passed=$((passed + 1))
	else
		echo "FAIL: $what"
		failed=$((failed + 1))
	fi
}

stop() {
	for pid in $pids; do
		kill "$pid" 2>/dev/null
	done
	for pid in $pids; do
		while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
	done
	pids=""
	rm -rf "$tmp"
}
trap stop EXIT
trap 'exit 1' INT TERM

# the corpus: fixtures, and small transcripts that repeat each other across parts
corpus=$tmp/corpus
mkdir -p "$corpus/small"
cp -r "$fixtures/valid" "$corpus/valid"
i=0
while [ $i -lt 40 ]; do
	k=$((i % 9))
	printf '### Human: question %d\n### Assistant: answer %d\n' $k $k >"$corpus/small/t$i.txt"
	i=$((i + 1))
done
options="--seed 3"
# planted near-copies (scripts/neardup-corpus.py), in two files so that copies cross parts
near=$tmp/near
mkdir -p "$near"
python3 "$here/scripts/neardup-corpus.py" "$tmp/near.jsonl" 300 --seed 2 >/dev/null
head -n 200 "$tmp/near.jsonl" >"$near/a.jsonl"
tail -n +201 "$tmp/near.jsonl" >"$near/b.jsonl"
cp -r "$corpus/small" "$near/small"
# shellcheck disable=SC2086
"$dlgconv" convert -q --near-dup group --shards 3 $options "$near" -o "$tmp/near-group" \
	>/dev/null 2>&1
# shellcheck disable=SC2086
"$dlgconv" convert -q --near-dup drop --shards 3 $options "$near" -o "$tmp/near-drop" \
	>/dev/null 2>&1
check "convert --near-dup drop drops near-copies" \
	grep -q '"near_duplicates":[[:space:]]*[1-9]' "$tmp/near-drop/manifest.json"
# shellcheck disable=SC2086
"$dlgconv" convert -q --near-dup off --shards 3 $options "$corpus" -o "$tmp/single" >/dev/null 2>&1
check "convert --shards 3" test -f "$tmp/single/manifest.json"

# the same steps on this machine, as a scheduler without Slurm would run them
export DLGCONV="$dlgconv" DLGCONV_OPTIONS="$options --shards 3" corpus tmp
if command -v parallel >/dev/null; then
	seq 0 3 | parallel -j 2 '$DLGCONV map -q --part {}/4 $DLGCONV_OPTIONS $corpus -o $tmp/pwork' \
		>/dev/null 2>&1
	seq 0 2 | parallel -j 2 '$DLGCONV reduce --shard {}/3 $DLGCONV_OPTIONS $tmp/pwork'
else
	seq 0 3 | xargs -P 2 -I{} sh -c '$DLGCONV map -q --part {}/4 $DLGCONV_OPTIONS $corpus \
		-o $tmp/pwork' >/dev/null 2>&1
	seq 0 2 | xargs -P 2 -I{} sh -c '$DLGCONV reduce --shard {}/3 $DLGCONV_OPTIONS $tmp/pwork'
fi
# shellcheck disable=SC2086
"$dlgconv" finalize -q $DLGCONV_OPTIONS "$tmp/pwork" -o "$tmp/parallel" >/dev/null
check "parallel run: the same bytes as convert" diff -r "$tmp/single" "$tmp/parallel"
export DLGCONV_OPTIONS="$options --shards 3 --near-dup group" near
if command -v parallel >/dev/null; then
	seq 0 3 | parallel -j 2 '$DLGCONV map -q --part {}/4 $DLGCONV_OPTIONS $near -o $tmp/nwork' \
		>/dev/null 2>&1
	seq 0 1 | parallel -j 2 '$DLGCONV bands --band {}/2 $DLGCONV_OPTIONS $tmp/nwork'
	# shellcheck disable=SC2086
	"$dlgconv" cluster $DLGCONV_OPTIONS "$tmp/nwork"
	seq 0 2 | parallel -j 2 '$DLGCONV reduce --shard {}/3 $DLGCONV_OPTIONS $tmp/nwork'
else
	seq 0 3 | xargs -P 2 -I{} sh -c '$DLGCONV map -q --part {}/4 $DLGCONV_OPTIONS $near \
		-o $tmp/nwork' >/dev/null 2>&1
	seq 0 1 | xargs -P 2 -I{} sh -c '$DLGCONV bands --band {}/2 $DLGCONV_OPTIONS $tmp/nwork'
	# shellcheck disable=SC2086
	"$dlgconv" cluster $DLGCONV_OPTIONS "$tmp/nwork"
	seq 0 2 | xargs -P 2 -I{} sh -c '$DLGCONV reduce --shard {}/3 $DLGCONV_OPTIONS $tmp/nwork'
fi
# shellcheck disable=SC2086
"$dlgconv" finalize -q $DLGCONV_OPTIONS "$tmp/nwork" -o "$tmp/nparallel" >/dev/null
check "parallel run with --near-dup group: the same bytes as convert" \
	diff -r "$tmp/near-group" "$tmp/nparallel"
export DLGCONV_OPTIONS="$options"

skip() {
	echo "slurm: $1; skipped (the parallel run was compared: $passed passed, $failed failed)"
	[ $failed -eq 0 ] && exit 77
	exit 1
}

# a single-node Slurm, all of it under $tmp
[ "$(id -u)" = 0 ] || skip "not root"
for tool in munged slurmctld slurmd sbatch scontrol sinfo; do
	command -v $tool >/dev/null || [ -x /usr/sbin/$tool ] || skip "no $tool (apt-get install slurm-wlm munge)"
done
PATH=$PATH:/usr/sbin
s=$tmp/slurm
mkdir -p "$s/state" "$s/spool" "$s/munge"
chmod 700 "$s/munge"
dd if=/dev/urandom of="$s/munge/munge.key" bs=1024 count=1 2>/dev/null
chmod 400 "$s/munge/munge.key"
munged --force --key-file="$s/munge/munge.key" --socket="$s/munge/munge.socket" \
	--pid-file="$s/munge/munged.pid" --log-file="$s/munge/munged.log" \
	--seed-file="$s/munge/munged.seed" 2>"$s/munged.err" || skip "munged does not start: $(cat "$s/munged.err")"
sleep 0.5
[ -s "$s/munge/munged.pid" ] && pids="$pids $(cat "$s/munge/munged.pid")"
node=$(hostname -s)
# ports of its own, so that another Slurm on this host is not disturbed
port=$((20000 + $$ % 20000))
cat >"$s/slurm.conf" <<EOF
ClusterName=dlgconvtest
SlurmctldHost=$node(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$s/munge/munge.socket
StateSaveLocation=$s/state
SlurmdSpoolDir=$s/spool
SlurmctldPidFile=$s/slurmctld.pid
SlurmdPidFile=$s/slurmd.pid
SlurmctldLogFile=$s/slurmctld.log
SlurmdLogFile=$s/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
SlurmdTimeout=30
NodeName=$node NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$s/slurm.conf"
slurmctld -D -f "$SLURM_CONF" >"$s/slurmctld.out" 2>&1 &
pids="$pids $!"
slurmd -D -f "$SLURM_CONF" >"$s/slurmd.out" 2>&1 &
pids="$pids $!"
up=0
for _ in $(seq 1 60); do
	if sinfo -h -o %t 2>/dev/null | grep -qE '^(idle|mix|alloc)'; then
		up=1
		break
	fi
	sleep 0.5
done
[ $up = 1 ] || skip "slurmctld and slurmd did not come up: $(tail -3 "$s/slurmd.log" \
	"$s/slurmctld.log" "$s/slurmd.out" "$s/slurmctld.out" 2>/dev/null | tr '\n' ' ')"

export SBATCH_PARTITION=test
wait_for() { # job work: the job's final state in $state
	state=""
	for _ in $(seq 1 240); do
		state=$(scontrol show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p')
		case $state in
		COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY) break ;;
		esac
		sleep 0.5
	done
	check "the finalize job completed (state $state; logs: $(cat "$2"/logs/* 2>/dev/null | tail -5))" \
		test "$state" = COMPLETED
}
job=$(cd "$tmp" && sh "$here/scripts/slurm/run.sh" -m 4 -n 3 -w "$tmp/swork" -o "$tmp/slurm-out" \
	"$corpus")
check "run.sh submitted the jobs ($job)" test -n "$job"
wait_for "$job" "$tmp/swork"
check "every map and reduce task wrote its directory" test -d "$tmp/swork/part-00003-of-00004" \
	-a -d "$tmp/swork/shard-00002-of-00003"
check "Slurm run: the same bytes as convert" diff -r "$tmp/single" "$tmp/slurm-out"
# --near-dup drop: band tasks and the cluster step as a job array and a job between them
job=$(cd "$tmp" && DLGCONV_OPTIONS="$options --near-dup drop" sh "$here/scripts/slurm/run.sh" \
	-m 4 -b 3 -n 3 -w "$tmp/nswork" -o "$tmp/slurm-near" "$near")
check "run.sh -b submitted the jobs ($job)" test -n "$job"
wait_for "$job" "$tmp/nswork"
check "every band task and the cluster step wrote its directory" \
	test -d "$tmp/nswork/bands-00002-of-00003" -a -d "$tmp/nswork/clusters"
check "Slurm run with --near-dup drop: the same bytes as convert" \
	diff -r "$tmp/near-drop" "$tmp/slurm-near"
echo "slurm: $passed passed, $failed failed"
[ $failed -eq 0 ]
