#!/usr/bin/env bash
# A single-node Slurm cluster under one folder, for the tests of `sweep --backend slurm`:
#   cluster.sh start BASE   writes BASE/etc/slurm.conf, starts munged, slurmctld and slurmd,
#                           waits until the node is idle; prints the SLURM_CONF path
#   cluster.sh stop BASE    scontrol shutdown, waits for the daemons, stops munged
# Nothing is written outside BASE; daemons are stopped by their pid files, never by name.
# Needs Debian's slurm-wlm and munge (scripts/setup.sh --tests) and root.
set -euo pipefail
cmd=$1
BASE=$(realpath -m "$2")
CONF=$BASE/etc/slurm.conf
export SLURM_CONF=$CONF

wait_gone() {  # pid file, seconds
  local f=$1 n=$(($2 * 10)) pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f" 2>/dev/null || true)
  [ -n "$pid" ] || return 0
  while [ $n -gt 0 ] && kill -0 "$pid" 2>/dev/null; do sleep 0.1; n=$((n - 1)); done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
}

case $cmd in
  start)
    for t in munged slurmctld slurmd sbatch scontrol sinfo mungekey; do
      command -v $t >/dev/null || { echo "cluster.sh: $t not found (apt-get install slurm-wlm munge)" >&2; exit 77; }
    done
    mkdir -p "$BASE"/{etc,run,log,munge,ctld,spool}
    chmod 700 "$BASE/munge"
    NCPU=$(nproc)
    MEM_MB=$(awk '/MemTotal/ {print int($2 / 1024 / 2)}' /proc/meminfo)
    # Ports of their own, so that this cluster never talks to another one on the machine.
    PORT=$((20000 + ($$ % 5000) * 2))
    cat > "$CONF" <<CONF
ClusterName=ci
SlurmctldHost=localhost
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$BASE/run/munge.socket
StateSaveLocation=$BASE/ctld
SlurmdSpoolDir=$BASE/spool
SlurmctldPidFile=$BASE/run/slurmctld.pid
SlurmdPidFile=$BASE/run/slurmd.pid
SlurmctldLogFile=$BASE/log/slurmctld.log
SlurmdLogFile=$BASE/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MpiDefault=none
MailProg=/bin/true
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1024
ReturnToService=2
MinJobAge=4
SchedulerParameters=batch_sched_delay=0
NodeName=localhost CPUs=$NCPU RealMemory=$MEM_MB State=UNKNOWN
PartitionName=main Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
    [ -f "$BASE/munge/munge.key" ] || mungekey -c -k "$BASE/munge/munge.key"
    munged --key-file="$BASE/munge/munge.key" --socket="$BASE/run/munge.socket" \
      --pid-file="$BASE/run/munged.pid" --log-file="$BASE/log/munged.log" \
      --seed-file="$BASE/munge/seed"
    slurmctld -f "$CONF"
    slurmd -f "$CONF" -N localhost
    for _ in $(seq 1 300); do
      state=$(sinfo -h -n localhost -o %T 2>/dev/null || true)
      [ "$state" = idle ] && { echo "$CONF"; exit 0; }
      sleep 0.1
    done
    echo "cluster.sh: the node did not become idle (state '$state'); see $BASE/log" >&2
    exit 1
    ;;
  stop)
    scontrol shutdown >/dev/null 2>&1 || true
    wait_gone "$BASE/run/slurmctld.pid" 10
    wait_gone "$BASE/run/slurmd.pid" 10
    if [ -f "$BASE/run/munged.pid" ]; then
      kill "$(cat "$BASE/run/munged.pid")" 2>/dev/null || true
      wait_gone "$BASE/run/munged.pid" 5
    fi
    ;;
  *) echo "usage: cluster.sh start|stop BASE" >&2; exit 2 ;;
esac
