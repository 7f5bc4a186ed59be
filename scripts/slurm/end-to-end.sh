#!/bin/bash
# Runs `stepsize basins` as a 4-task Slurm array job plus a dependent merge job on a one-node
# Slurm started here (Debian packages, no systemd), and checks the merged output against the
# unsharded run byte for byte; then an edge-of-stability sweep, and a basin map of a Python
# objective (examples/python/sharded_basins.py, run by $PYTHON, default the environment
# `cargo xtask test` builds), the same way. Stops the daemons it started, by PID. Needs root;
# fails loudly (never skips) when Slurm cannot be installed or started, or Python lacks stepsize.
#   scripts/slurm/end-to-end.sh [path/to/stepsize]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
stepsize=${1:-$root/target/release/stepsize}
[ -x "$stepsize" ] || { echo "end-to-end: no stepsize binary at $stepsize (cargo build --release -p stepsize-cli)" >&2; exit 1; }
stepsize=$(realpath "$stepsize")
python=${PYTHON:-$root/target/python-test-venv/bin/python}
"$python" -c "import stepsize" || { echo "end-to-end: $python cannot import stepsize (cargo xtask test builds target/python-test-venv)" >&2; exit 1; }
python=$(realpath -s "$python")
[ "$(id -u)" = 0 ] || { echo "end-to-end: needs root to install and start Slurm" >&2; exit 1; }

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    echo "installing slurmctld slurmd slurm-client munge ..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends slurmctld slurmd slurm-client munge >/dev/null
fi

work=$(mktemp -d /tmp/stepsize-slurm.XXXXXX)
chmod 755 "$work"
cleanup() {
    for pidfile in "$work/slurmd.pid" "$work/slurmctld.pid" "$work/munge-run/munged.pid"; do
        if [ -s "$pidfile" ]; then kill "$(cat "$pidfile")" 2>/dev/null || true; fi
    done
    sleep 1
    rm -rf "$work"
}
trap cleanup EXIT

# munge: its own key and socket under $work, run as the munge user.
mkdir -p "$work/munge" "$work/munge-run"
chown munge:munge "$work/munge" "$work/munge-run"
chmod 700 "$work/munge"
head -c 1024 /dev/urandom > "$work/munge/munge.key"
chown munge:munge "$work/munge/munge.key"
chmod 400 "$work/munge/munge.key"
socket="$work/munge-run/munge.socket.2"
runuser -u munge -- munged --key-file="$work/munge/munge.key" --socket="$socket" \
    --pid-file="$work/munge-run/munged.pid" --log-file="$work/munge/munged.log" --seed-file="$work/munge/seed" --force
for _ in $(seq 50); do [ -S "$socket" ] && break; sleep 0.1; done
[ -S "$socket" ] && [ -s "$work/munge-run/munged.pid" ] || { echo "end-to-end: munged did not start" >&2; exit 1; }

cpus=$(nproc)
memory=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 512 ))
mkdir -p "$work/spool" "$work/state"
cat > "$work/slurm.conf" <<CONF
ClusterName=stepsize
SlurmctldHost=localhost
SlurmUser=root
AuthType=auth/munge
AuthInfo=socket=$socket
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmdSpoolDir=$work/spool
StateSaveLocation=$work/state
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
SlurmctldPort=16817
SlurmdPort=16818
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=main Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$work/slurm.conf"
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF" -N localhost
for _ in $(seq 100); do
    state=$(sinfo -h -o %T 2>/dev/null || true)
    [ "$state" = idle ] && break
    sleep 0.2
done
[ "$state" = idle ] || { echo "end-to-end: the node is '$state', not idle" >&2; cat "$work"/slurm*.log >&2; exit 1; }

loss="(x^2-1)^2 + 2*(y^2-1)^2 + 0.5*x*y"
grid=${GRID:-256}
cd "$work"
array=$(STEPSIZE="$stepsize" GRID=$grid LOSS="$loss" sbatch --parsable --array=0-3 \
    --chdir="$work" "$here/basins-array.sbatch" "$work/shards")
merge=$(STEPSIZE="$stepsize" sbatch --parsable --dependency=afterok:"$array" \
    --chdir="$work" "$here/merge.sbatch" "$work/shards" "$work/merged")
echo "submitted array job $array (4 shards) and merge job $merge"
wait_for() { # the array job and its merge
    for _ in $(seq 1200); do
        queue=$(squeue -h -j "$1,$2" -o "%i %T %r" 2>/dev/null || true)
        [ -z "$queue" ] && break
        if grep -q DependencyNeverSatisfied <<<"$queue"; then
            echo "end-to-end: an array task failed, so the merge can never run:" >&2
            cat "$work"/stepsize-*.out >&2 || true
            exit 1
        fi
        sleep 0.5
    done
    [ -z "$(squeue -h -j "$1,$2" 2>/dev/null)" ] || { echo "end-to-end: jobs still queued after 10 minutes" >&2; squeue >&2; exit 1; }
}
wait_for "$array" "$merge"
cat "$work"/stepsize-*.out
[ -f "$work/merged/labels.bin" ] || { echo "end-to-end: the merge job wrote nothing" >&2; exit 1; }

"$stepsize" basins --loss "$loss" --eta 0.12 --grid "$grid" --x=-2:2 --y=-2:2 --out "$work/whole" >/dev/null
for f in labels.bin basins.json basins.png basins.svg; do
    cmp "$work/whole/$f" "$work/merged/$f" || { echo "end-to-end: $f differs from the unsharded run" >&2; exit 1; }
done
echo "end-to-end: 4 Slurm array tasks merged equal the unsharded ${grid}x${grid} basin map byte for byte"

# An edge-of-stability sweep of a network on the digits set (3 step sizes × 2 seeds), the same way.
eos="--count 300 --hidden 50 --eta 0.05:0.15:3 --seeds 2 --steps 100 --every 10"
array=$(STEPSIZE="$stepsize" COUNT=300 HIDDEN=50 ETAS=0.05:0.15:3 SEEDS=2 STEPS=100 EVERY=10 \
    sbatch --parsable --array=0-2 --chdir="$work" "$here/eos-array.sbatch" "$work/eos-shards")
merge=$(STEPSIZE="$stepsize" sbatch --parsable --dependency=afterok:"$array" \
    --chdir="$work" "$here/merge.sbatch" "$work/eos-shards" "$work/eos-merged")
echo "submitted array job $array (3 shards) and merge job $merge"
wait_for "$array" "$merge"
[ -f "$work/eos-merged/eos-sweep.csv" ] || { echo "end-to-end: the eos merge job wrote nothing" >&2; cat "$work"/stepsize-*.out >&2; exit 1; }
# shellcheck disable=SC2086
"$stepsize" eos $eos --out "$work/eos-whole" >/dev/null
for f in eos-sweep.csv eos-sweep.json eos-sweep.svg; do
    cmp "$work/eos-whole/$f" "$work/eos-merged/$f" || { echo "end-to-end: $f differs from the unsharded sweep" >&2; exit 1; }
done
echo "end-to-end: 3 Slurm array tasks merged equal the unsharded edge-of-stability sweep byte for byte"

# A basin map of a loss written in Python, as a 4-task array job of the Python example.
example="$root/examples/python/sharded_basins.py"
array=$(PYTHON="$python" EXAMPLE="$example" GRID=96 sbatch --parsable --array=0-3 \
    --chdir="$work" "$here/python-basins-array.sbatch" "$work/py-shards")
merge=$(PYTHON="$python" EXAMPLE="$example" GRID=96 sbatch --parsable --dependency=afterok:"$array" \
    --chdir="$work" "$here/python-merge.sbatch" "$work/py-shards" "$work/py-merged")
echo "submitted array job $array (4 shards of a Python objective) and merge job $merge"
wait_for "$array" "$merge"
[ -f "$work/py-merged/labels.npy" ] || { echo "end-to-end: the Python merge job wrote nothing" >&2; cat "$work"/stepsize-py-*.out >&2; exit 1; }
GRID=96 "$python" "$example" whole "$work/py-whole" >/dev/null
for f in labels.npy attractors.json; do
    cmp "$work/py-whole/$f" "$work/py-merged/$f" || { echo "end-to-end: $f differs from the unsharded Python run" >&2; exit 1; }
done
echo "end-to-end: 4 Slurm array tasks of a Python objective merged equal the unsharded basin map byte for byte"
