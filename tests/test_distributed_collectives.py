"""ember.distributed collectives on 2 and 4 CPU ranks (loopback, under the launcher and
mpiexec), each checked against NumPy results. One job per world size runs every check of
tests/distributed_worker.py; each check is reported as its own test here."""
import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("mpi4py")

import distributed_worker  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CHECK_NAMES = [fn.__name__ for fn in distributed_worker.CHECKS]
_jobs = {}


def _run_job(world, tmp_path_factory):
    if world not in _jobs:
        out = tmp_path_factory.mktemp(f"dist{world}")
        env = dict(os.environ, EMBER_DIST_TIMEOUT="40")
        proc = subprocess.run([sys.executable, "-m", "ember.distributed.run", "--nproc_per_node",
                               str(world), "--standalone",
                               os.path.join(HERE, "distributed_worker.py"), str(out)],
                              capture_output=True, text=True, timeout=150, env=env)
        results = {}
        for rank in range(world):
            path = out / f"rank{rank}.json"
            results[rank] = json.loads(path.read_text()) if path.exists() else {}
        _jobs[world] = (proc, results)
    return _jobs[world]


@pytest.mark.parametrize("world", [2, 4])
@pytest.mark.parametrize("name", CHECK_NAMES)
def test_collective(world, name, tmp_path_factory):
    proc, results = _run_job(world, tmp_path_factory)
    for rank in range(world):
        got = results[rank].get(name)
        assert got == "ok", (f"rank {rank}: {got or 'not run'}\n--- launcher stderr ---\n"
                             f"{proc.stderr[-3000:]}")


@pytest.mark.parametrize("world", [2, 4])
def test_job_exit_code(world, tmp_path_factory):
    proc, _ = _run_job(world, tmp_path_factory)
    assert proc.returncode == 0, proc.stderr[-3000:]
