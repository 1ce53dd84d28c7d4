#!/usr/bin/env bash
# Stop the one-node SLURM cluster started by tests/slurm/up.sh: exactly the daemons named in its pid files
# (slurmd, slurmctld, then munged), each only if the pid still belongs to that program, and the link
# /etc/slurm/slurm.conf when it points to the private slurm.conf. Logs stay in the state directory
# (GZMORPH_SLURM_DIR, default /tmp/gzmorph-slurm) for inspection.
set -euo pipefail

STATE_DIR=${GZMORPH_SLURM_DIR:-/tmp/gzmorph-slurm}
SYSTEM_CONF=/etc/slurm/slurm.conf

stop() {
    local name=$1 pidfile=$STATE_DIR/$1.pid pid
    if [[ ! -s $pidfile ]]; then
        echo "tests/slurm/down.sh: $name: no pid file $pidfile, nothing to stop" >&2
        return 0
    fi
    pid=$(<"$pidfile")
    if [[ ! -r /proc/$pid/comm || $(</proc/"$pid"/comm) != "$name" ]]; then
        echo "tests/slurm/down.sh: $name: pid $pid from $pidfile is not running $name, left alone" >&2
        rm -f "$pidfile"
        return 0
    fi
    kill -TERM "$pid"
    for _ in $(seq 50); do
        [[ -d /proc/$pid ]] || break
        sleep 0.2
    done
    if [[ -d /proc/$pid ]]; then
        echo "tests/slurm/down.sh: $name (pid $pid) ignored SIGTERM for 10 s, sending SIGKILL" >&2
        kill -KILL "$pid"
    fi
    rm -f "$pidfile"
    echo "tests/slurm/down.sh: stopped $name (pid $pid)" >&2
}

stop slurmd
stop slurmctld
stop munged

if [[ -L $SYSTEM_CONF && $(readlink "$SYSTEM_CONF") == "$STATE_DIR/slurm.conf" ]]; then
    rm -f "$SYSTEM_CONF"
    echo "tests/slurm/down.sh: removed the link $SYSTEM_CONF" >&2
fi
