#!/usr/bin/env bash
# Start a private one-node SLURM cluster on this host, for tests/test_slurm.py (see tests/slurm/README.md).
#
# Installs Debian's slurm-wlm and munge when missing, writes slurm.conf/gres.conf for this host into a private
# state directory, starts munged, slurmctld and slurmd from it (own munge socket and non-default ports, so a
# system munge is left alone) and waits until sinfo shows the node idle. Needs root. Idempotent: when the cluster
# from an earlier call is still up, it does nothing.
# Client commands (sbatch, squeue, srun) find the cluster through /etc/slurm/slurm.conf, a link to the private
# slurm.conf: SLURM_CONF would not do, because the SLURM executor plugin's job step drops every SLURM_* variable
# but the job's identity before it calls srun. A host with a slurm.conf of its own is refused, not changed.
# Stop it with tests/slurm/down.sh, which stops exactly the daemons started here (their pid files).
#
# Settings (environment): GZMORPH_SLURM_DIR (state directory, default /tmp/gzmorph-slurm),
# GZMORPH_SLURM_PORT (slurmctld port, slurmd uses the next one; default 16817),
# GZMORPH_SLURM_WAIT_S (how long to wait for the node to become idle, default 60).
set -euo pipefail

STATE_DIR=${GZMORPH_SLURM_DIR:-/tmp/gzmorph-slurm}
CTLD_PORT=${GZMORPH_SLURM_PORT:-16817}
WAIT_S=${GZMORPH_SLURM_WAIT_S:-60}
CONF=$STATE_DIR/slurm.conf
SYSTEM_CONF=/etc/slurm/slurm.conf
export SLURM_CONF=$CONF # for the daemons: they read gres.conf from the same directory

die() {
    echo "tests/slurm/up.sh: $*" >&2
    exit 1
}
say() { echo "tests/slurm/up.sh: $*" >&2; }

# A pid file names a live daemon of the expected program (guards against stale files and reused pids).
alive() {
    local pidfile=$1 name=$2 pid
    [[ -s $pidfile ]] || return 1
    pid=$(<"$pidfile")
    [[ -r /proc/$pid/comm && $(</proc/"$pid"/comm) == "$name" ]]
}

node_state() { sinfo --noheader --Node --format=%t 2>/dev/null | head -n1; }

[[ $EUID -eq 0 ]] || die "needs root (it installs packages and starts slurmctld/slurmd as root)"

if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null \
    || ! command -v sbatch >/dev/null; then
    command -v apt-get >/dev/null || die "slurm-wlm/munge are missing and there is no apt-get to install them"
    say "installing slurm-wlm and munge with apt-get"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >&2
fi

if alive "$STATE_DIR/munged.pid" munged && alive "$STATE_DIR/slurmctld.pid" slurmctld \
    && alive "$STATE_DIR/slurmd.pid" slurmd && [[ $(node_state) == idle* ]]; then
    say "cluster in $STATE_DIR is already up"
    exit 0
fi
for daemon in munged slurmctld slurmd; do
    if alive "$STATE_DIR/$daemon.pid" "$daemon"; then
        die "$daemon from an earlier start is still running but the node is not idle; run tests/slurm/down.sh first"
    fi
done

if [[ -e $SYSTEM_CONF || -L $SYSTEM_CONF ]] && [[ $(readlink "$SYSTEM_CONF") != "$CONF" ]]; then
    die "$SYSTEM_CONF exists and is not ours; this host has a SLURM configuration, refusing to replace it"
fi

mkdir -p "$STATE_DIR"/{munge,state,spool,log}
chmod 700 "$STATE_DIR" "$STATE_DIR/munge"
if [[ ! -s $STATE_DIR/munge/munge.key ]]; then
    dd if=/dev/urandom of="$STATE_DIR/munge/munge.key" bs=1024 count=1 status=none
fi
chmod 400 "$STATE_DIR/munge/munge.key"

# slurmd -C prints this host's node line (NodeName=<host> CPUs=.. RealMemory=..); the node gets one
# "gpu" GRES so that rules asking for a GPU (sbatch --gpus=1) are scheduled here as on a GPU node. Slurm drops a
# GPU without a device file, so it is bound to /dev/null: jobs get CUDA_VISIBLE_DEVICES=0 as on a real GPU node,
# find no CUDA device, and run on the CPU.
node_line=$(slurmd -C | head -n1)
[[ $node_line == NodeName=* ]] || die "unexpected output from 'slurmd -C': $node_line"
node_name=${node_line#NodeName=}
node_name=${node_name%% *}

cat >"$CONF" <<EOF
# Written by tests/slurm/up.sh: a one-node test cluster without an accounting database.
ClusterName=gzmorph
SlurmctldHost=$node_name(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$((CTLD_PORT + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$STATE_DIR/munge/munge.socket
StateSaveLocation=$STATE_DIR/state
SlurmdSpoolDir=$STATE_DIR/spool
SlurmctldPidFile=$STATE_DIR/slurmctld.pid
SlurmdPidFile=$STATE_DIR/slurmd.pid
SlurmctldLogFile=$STATE_DIR/log/slurmctld.log
SlurmdLogFile=$STATE_DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
SwitchType=switch/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
GresTypes=gpu
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
# Without accounting, squeue is the only job-state source: keep finished jobs visible for 10 minutes.
MinJobAge=600
ReturnToService=2
$node_line NodeAddr=127.0.0.1 Gres=gpu:1 State=UNKNOWN
PartitionName=gzmorph Nodes=$node_name Default=YES MaxTime=INFINITE State=UP
EOF
cat >"$STATE_DIR/gres.conf" <<EOF
NodeName=$node_name Name=gpu File=/dev/null
EOF
mkdir -p "$(dirname "$SYSTEM_CONF")"
ln -sfn "$CONF" "$SYSTEM_CONF"

say "starting munged, slurmctld and slurmd (state and logs in $STATE_DIR)"
munged --force --socket="$STATE_DIR/munge/munge.socket" --key-file="$STATE_DIR/munge/munge.key" \
    --pid-file="$STATE_DIR/munged.pid" --log-file="$STATE_DIR/log/munged.log" \
    --seed-file="$STATE_DIR/munge/munged.seed"
slurmctld -c -f "$CONF"
slurmd -f "$CONF"

for ((waited = 0; waited < WAIT_S; waited++)); do
    state=$(node_state)
    if [[ $state == idle* ]]; then
        say "node $node_name is idle after ${waited}s"
        exit 0
    fi
    sleep 1
done
die "node $node_name not idle after ${WAIT_S}s (sinfo state: '${state:-none}'); see the logs in $STATE_DIR/log"
