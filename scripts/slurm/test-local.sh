#!/usr/bin/env bash
# Runs the default grid on a real single-node Slurm cluster started here,
# as a 4-task job array plus the collect job (submit.sh), and requires the
# results to be byte-identical to a run on one machine.
#
# Installs Debian's Slurm and munge if they are missing (needs root), starts
# munged, slurmctld and slurmd in a scratch folder (no systemd), and stops
# them by their pids whatever happens. Used by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  echo "installing Slurm and munge"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    slurmctld slurmd slurm-client munge >/dev/null
fi

scratch=$(mktemp -d /tmp/sweep-slurm.XXXXXX)
chmod 755 "$scratch"
stop() {
  local pidfiles=("$scratch/slurmd.pid" "$scratch/slurmctld.pid" "$scratch/munge/munged.pid")
  for pidfile in "${pidfiles[@]}"; do
    [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null || true
  done
  sleep 1
  for pidfile in "${pidfiles[@]}"; do
    [ -f "$pidfile" ] && kill -9 "$(cat "$pidfile")" 2>/dev/null || true
  done
  return 0
}
trap stop EXIT

# munge: the key comes with the package; a socket and pid file of our own.
[ -f /etc/munge/munge.key ] || (/usr/sbin/mungekey --create 2>/dev/null || create-munge-key)
mkdir -p "$scratch/munge"
chown munge:munge "$scratch/munge"
runuser -u munge -- munged --socket="$scratch/munge/munge.socket" \
  --pid-file="$scratch/munge/munged.pid" --seed-file="$scratch/munge/seed" \
  --log-file="$scratch/munge/munged.log"
export MUNGE_SOCKET="$scratch/munge/munge.socket"
munge -n --socket="$MUNGE_SOCKET" | unmunge --socket="$MUNGE_SOCKET" >/dev/null

host=$(hostname -s)
mkdir -p "$scratch/state" "$scratch/spool"
cat > "$scratch/slurm.conf" <<CONF
ClusterName=sweeptest
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$MUNGE_SOCKET
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
ReturnToService=2
StateSaveLocation=$scratch/state
SlurmdSpoolDir=$scratch/spool
SlurmctldPidFile=$scratch/slurmctld.pid
SlurmdPidFile=$scratch/slurmd.pid
SlurmctldLogFile=$scratch/slurmctld.log
SlurmdLogFile=$scratch/slurmd.log
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=main Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$scratch/slurm.conf"
slurmctld
slurmd
for _ in $(seq 1 30); do
  sinfo -h -o %T 2>/dev/null | grep -q idle && break
  sleep 1
done
sinfo -h -o "%P %T %D" | grep -q idle || { cat "$scratch/slurmctld.log" "$scratch/slurmd.log" | tail -30; echo "slurm: node never became idle"; exit 1; }

# The test build CI made already: any profile gives the same bytes, and a
# release build (fat LTO) would cost CI minutes for nothing tested here.
cargo build --locked -q
sweep="$repo/target/debug/sweep"
"$sweep" -q -o "$scratch/single" >/dev/null

cd "$scratch"
submitted=$(SWEEP="$sweep" SBATCH_CPUS_PER_TASK=1 "$repo/scripts/slurm/submit.sh" \
  "$repo/configs/grid.toml" 4 -o "$scratch/cluster")
echo "$submitted"
array=$(echo "$submitted" | awk '/^array/ {print $2}')
collect=$(echo "$submitted" | awk '/^collect/ {print $2}')

deadline=$((SECONDS + 180))
while [ -n "$(squeue -h -j "$array,$collect" 2>/dev/null)" ]; do
  [ $SECONDS -lt $deadline ] || { squeue; echo "slurm: jobs still queued after 180 s"; exit 1; }
  sleep 1
done

status=0
# Every array task and the collect job: JobId, ArrayTaskId (if any), ExitCode.
codes=$(for job in "$array" "$collect"; do scontrol -o show job "$job"; done |
  sed -n 's/^JobId=\([0-9]*\) .*JobState=\([A-Z]*\) .*ExitCode=\([0-9:]*\).*/\1 \2 \3/p')
echo "$codes"
if [ "$(echo "$codes" | grep -c ' COMPLETED 0:0$')" -ne 5 ]; then
  echo "slurm: expected 4 array tasks and the collect job to complete with exit code 0:0"
  scontrol -o show job "$array" | head -3
  tail -n 20 "$scratch"/slurm-*.out 2>/dev/null || true
  status=1
fi

# The databases differ in their bytes; every export, the workbook included,
# must not.
if diff -r --exclude=timings.csv --exclude='results.*db*' "$scratch/single/grid" "$scratch/cluster/grid" >/dev/null; then
  files=$(find "$scratch/cluster/grid" -type f ! -name timings.csv ! -name 'results.*db*' | wc -l)
  echo "slurm: $files exports byte-identical to a single-machine run"
else
  echo "slurm: results differ from a single-machine run"
  diff -rq --exclude=timings.csv --exclude='results.*' "$scratch/single/grid" "$scratch/cluster/grid" | head
  status=1
fi
stop
trap - EXIT
if [ $status -eq 0 ]; then
  rm -rf "$scratch"
else
  echo "slurm: logs and results kept in $scratch"
fi
exit $status
