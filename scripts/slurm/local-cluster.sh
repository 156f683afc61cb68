#!/usr/bin/env bash
# A single-node Slurm on this machine, from Debian 12's packages (slurmctld, slurmd,
# slurm-client 22.05, munge; scripts/install-deps.sh installs them), started without systemd.
# The tests submit job arrays to it; anyone can try the cluster launcher on it the same way.
#
#   scripts/slurm/local-cluster.sh start    munge key, slurm.conf for this host (its CPUs and
#                                           memory), munged + slurmctld + slurmd started, then
#                                           waits until sinfo shows the node idle
#   scripts/slurm/local-cluster.sh stop     cancels the cluster's jobs and ends exactly the
#                                           daemons `start` started (by their PID files)
#   scripts/slurm/local-cluster.sh status   exit 0 when all three daemons run and the node answers
#   scripts/slurm/local-cluster.sh env      prints `export SLURM_CONF=...` for the Slurm commands:
#                                           eval "$(scripts/slurm/local-cluster.sh env)"
#
# Everything (key, configuration, state, spool, logs, PID files) lives in one folder that this
# script owns: S2AC_SLURM_DIR, default /var/tmp/s2ac-slurm. start and stop are idempotent; a
# start after a stop begins with no jobs.
# Ports: S2AC_SLURMCTLD_PORT (6817) and S2AC_SLURMD_PORT (6818). Runs as root.
set -euo pipefail

# The daemons live in /usr/sbin, which a non-login shell's PATH may leave out.
export PATH=$PATH:/usr/sbin:/sbin
dir=${S2AC_SLURM_DIR:-/var/tmp/s2ac-slurm}
conf=$dir/slurm.conf
node=$(hostname -s)
ctld_port=${S2AC_SLURMCTLD_PORT:-6817}
slurmd_port=${S2AC_SLURMD_PORT:-6818}
export SLURM_CONF=$conf

say() { echo "local-cluster: $*"; }
fail() { echo "local-cluster: $*" >&2; exit "${2:-1}"; }

# name of a daemon -> its PID file
pidfile() { echo "$dir/run/$1.pid"; }

# The PID of a daemon this script started, if it still runs (the PID file names a live process
# with the daemon's name); empty otherwise.
running_pid() {
    local f pid
    f=$(pidfile "$1")
    [ -r "$f" ] || return 0
    pid=$(tr -dc '0-9' < "$f")
    [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$1" ] && echo "$pid"
    return 0
}

# The node's state as sinfo reports it ("idle", "mixed", "down*", ...), empty when the
# controller does not answer.
node_state() {
    [ -r "$conf" ] || return 0
    timeout 10 sinfo -h -n "$node" -o %T 2>/dev/null | head -n 1 || true
}

status() {
    local d ok=0
    for d in munged slurmctld slurmd; do
        local pid
        pid=$(running_pid "$d")
        if [ -n "$pid" ]; then say "$d running (pid $pid)"; else say "$d not running"; ok=1; fi
    done
    local state
    state=$(node_state)
    if [ -n "$state" ]; then say "node $node: $state (SLURM_CONF=$conf)"; else say "node $node: no answer from slurmctld"; ok=1; fi
    return $ok
}

write_conf() {
    # This machine's sockets, cores, threads and memory, as slurmd detects them.
    local hw
    hw=$(slurmd -C | head -n 1 | sed -e 's/^NodeName=[^ ]* //')
    [ -n "$hw" ] || fail "slurmd -C printed no hardware line"
    local tmp=$conf.tmp.$$
    cat > "$tmp" <<CONF
# Written by scripts/slurm/local-cluster.sh for a single-node cluster on $node; rewritten at every start.
ClusterName=s2ac-local
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
AuthType=auth/munge
CredType=cred/munge
# cred_expire: a requeued job waits this long (+1 s) before it may start again (default 120 s).
AuthInfo=socket=$dir/munge/munge.socket,cred_expire=10
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$(pidfile slurmctld)
SlurmdPidFile=$(pidfile slurmd)
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=1024
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
MinJobAge=600
NodeName=$node NodeAddr=127.0.0.1 $hw State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
    mv "$tmp" "$conf"
}

start() {
    [ "$(id -u)" -eq 0 ] || fail "start runs as root (munged and slurmd need it)" 2
    local c
    for c in munged slurmctld slurmd sinfo scontrol; do
        command -v "$c" >/dev/null 2>&1 || fail "$c is not installed: run scripts/install-deps.sh (Debian packages slurmctld slurmd slurm-client munge)" 2
    done
    if status >/dev/null 2>&1; then
        say "already running: node $node $(node_state) (SLURM_CONF=$conf)"
        return 0
    fi
    # A half-started cluster (one daemon died, a stale PID file) is stopped and started afresh.
    stop_daemons quiet
    # munged wants its key private and its socket's folder open to everyone.
    mkdir -p "$dir"/{key,munge,state,spool,log,run}
    chmod 0755 "$dir" "$dir/munge"
    chmod 0700 "$dir/key"
    if [ ! -s "$dir/key/munge.key" ]; then
        dd if=/dev/urandom of="$dir/key/munge.key.tmp" bs=1024 count=1 status=none
        mv "$dir/key/munge.key.tmp" "$dir/key/munge.key"
    fi
    chmod 0400 "$dir/key/munge.key"
    write_conf

    if [ -z "$(running_pid munged)" ]; then
        munged --key-file="$dir/key/munge.key" --socket="$dir/munge/munge.socket" \
               --pid-file="$(pidfile munged)" --log-file="$dir/log/munged.log" \
               --seed-file="$dir/key/munged.seed" \
            || fail "munged did not start: $(tail -n 3 "$dir/log/munged.log" 2>/dev/null | tr '\n' ' ')"
    fi
    if [ -z "$(running_pid slurmctld)" ]; then
        # -c: a new start forgets the jobs of the last one (a test cluster; resubmit what is missing).
        slurmctld -c -f "$conf" || fail "slurmctld did not start: $(tail -n 3 "$dir/log/slurmctld.log" 2>/dev/null | tr '\n' ' ')"
    fi
    if [ -z "$(running_pid slurmd)" ]; then
        slurmd -f "$conf" -N "$node" || fail "slurmd did not start: $(tail -n 3 "$dir/log/slurmd.log" 2>/dev/null | tr '\n' ' ')"
    fi

    local state="" i
    for i in $(seq 1 60); do
        state=$(node_state)
        case "$state" in
            idle|mixed|allocated) break ;;
            down*|drain*) scontrol update NodeName="$node" State=RESUME >/dev/null 2>&1 || true ;;
        esac
        sleep 1
    done
    case "$state" in
        idle|mixed|allocated) say "started: node $node $state, $(sinfo -h -n "$node" -o '%c CPUs, %m MB') (SLURM_CONF=$conf)" ;;
        *)
            local d why=""
            for d in munged slurmctld slurmd; do [ -n "$(running_pid "$d")" ] || why+="$d is not running; "; done
            fail "the node did not become idle in 60 s (state '${state:-no answer}'; ${why}logs: $(tail -n 2 "$dir/log/slurmctld.log" 2>/dev/null | tr '\n' ' ') $(tail -n 2 "$dir/log/slurmd.log" 2>/dev/null | tr '\n' ' '))"
            ;;
    esac
}

# Ends the daemons named by this script's PID files, slurmd first; each gets SIGTERM, then
# SIGKILL after 15 s.
stop_daemons() {
    local d pid i
    for d in slurmd slurmctld munged; do
        pid=$(running_pid "$d")
        if [ -n "$pid" ]; then
            kill -TERM "$pid"
            for i in $(seq 1 150); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
            [ -d "/proc/$pid" ] && kill -KILL "$pid"
            [ "${1:-}" = quiet ] || say "stopped $d (pid $pid)"
        fi
        rm -f "$(pidfile "$d")"
    done
}

stop() {
    if [ -n "$(running_pid slurmctld)" ] && [ -n "$(node_state)" ]; then
        local jobs
        jobs=$(squeue -h -o %i 2>/dev/null | wc -l)
        if [ "$jobs" -gt 0 ]; then
            say "cancelling $jobs job(s) of this cluster"
            scancel --full --signal=KILL --user=root >/dev/null 2>&1 || true
            scancel --user=root >/dev/null 2>&1 || true
            local i
            for i in $(seq 1 20); do [ "$(squeue -h -t R,CG -o %i 2>/dev/null | wc -l)" -eq 0 ] && break; sleep 0.5; done
        fi
    fi
    stop_daemons
    say "stopped"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    env) echo "export SLURM_CONF=$conf" ;;
    *) fail "usage: $0 start|stop|status|env" 2 ;;
esac
