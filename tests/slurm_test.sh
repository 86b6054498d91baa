#!/bin/sh
# A cluster run through Slurm gives the bytes of one machine's convert (docs/map-reduce.md):
# starts a single-node Slurm (Debian's slurm-wlm with munge: munged, slurmctld and slurmd on
# localhost, as root, from a slurm.conf written in a temporary directory), submits a 4-part
# map, a 3-shard reduce and finalize with scripts/slurm/run.sh, compares every file with
# `convert --shards 3`, and stops what it started. The same steps run by GNU parallel (or
# xargs -P) are compared either way; where Slurm cannot start, the test then says skipped
# and exits 77.
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
job=$(cd "$tmp" && sh "$here/scripts/slurm/run.sh" -m 4 -n 3 -w "$tmp/swork" -o "$tmp/slurm-out" \
	"$corpus")
check "run.sh submitted the jobs ($job)" test -n "$job"
state=""
for _ in $(seq 1 240); do
	state=$(scontrol show job "$job" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p')
	case $state in
	COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY) break ;;
	esac
	sleep 0.5
done
check "the finalize job completed (state $state; logs: $(cat "$tmp"/swork/logs/* 2>/dev/null | tail -5))" \
	test "$state" = COMPLETED
check "every map and reduce task wrote its directory" test -d "$tmp/swork/part-00003-of-00004" \
	-a -d "$tmp/swork/shard-00002-of-00003"
check "Slurm run: the same bytes as convert" diff -r "$tmp/single" "$tmp/slurm-out"
echo "slurm: $passed passed, $failed failed"
[ $failed -eq 0 ]
