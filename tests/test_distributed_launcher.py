"""``python -m ember.distributed.run``: torchrun's environment, a failing or killed rank
ending the whole job with a clear error (not a hang), a hung peer ending in a collective
timeout, signal forwarding, and ``init_process_group``'s errors."""
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

pytest.importorskip("mpi4py")


def _script(tmp_path, body):
    path = tmp_path / "job.py"
    path.write_text(textwrap.dedent(body))
    return str(path)


def _launch(script, nproc, *args, timeout=60, extra=()):
    return subprocess.run([sys.executable, "-m", "ember.distributed.run", "--nproc_per_node",
                           str(nproc), "--standalone", *extra, script, *args],
                          capture_output=True, text=True, timeout=timeout)


FAILING = """
    import os, sys, time, signal
    import ember, ember.distributed as dist
    dist.init_process_group("gloo")
    rank, mode = dist.get_rank(), sys.argv[1]
    t = ember.ones(2)
    dist.all_reduce(t)
    if rank == 1:
        if mode == "exit":
            sys.exit(3)
        if mode == "raise":
            raise ValueError("boom on purpose")
        if mode == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        if mode == "hang":
            time.sleep(60)
    dist.all_reduce(t)       # the healthy ranks wait here for the failed one
    print("finished", rank, flush=True)
"""


@pytest.mark.parametrize("mode,expect", [("exit", "exitcode  : 3"),
                                         ("raise", "ValueError: boom on purpose"),
                                         ("kill", "died without reporting")])
def test_failed_rank_ends_job(tmp_path, mode, expect):
    script = _script(tmp_path, FAILING)
    start = time.monotonic()
    proc = _launch(script, 3, mode)
    assert time.monotonic() - start < 30
    assert proc.returncode == 1
    assert "worker rank 1 failed" in proc.stderr and expect in proc.stderr, proc.stderr[-2000:]
    assert "finished" not in proc.stdout


def test_hung_peer_times_out(tmp_path):
    script = _script(tmp_path, FAILING.replace('dist.init_process_group("gloo")',
                     'from datetime import timedelta\n    '
                     'dist.init_process_group("gloo", timeout=timedelta(seconds=3))'))
    start = time.monotonic()
    proc = _launch(script, 2, "hang")
    assert time.monotonic() - start < 30
    assert proc.returncode == 1
    assert "worker rank 0 failed" in proc.stderr
    assert "all_reduce timed out after 3000ms" in proc.stderr, proc.stderr[-2000:]


def test_environment_contract(tmp_path):
    script = _script(tmp_path, """
        import os
        keys = ["RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "GROUP_RANK",
                "MASTER_ADDR", "ROLE_RANK", "TORCHELASTIC_RESTART_COUNT"]
        import ember.distributed as dist
        dist.init_process_group("mpi")
        assert dist.get_rank() == int(os.environ["RANK"]) and dist.get_backend() == "mpi"
        line = " ".join(["ENV"] + [f"{k}={os.environ[k]}" for k in keys]
                        + ["PORT" if os.environ["MASTER_PORT"].isdigit() else ""])
        # one file per rank: the ranks share mpiexec's stdout, where lines can interleave
        with open(os.path.join(OUT_DIR, "env_" + os.environ["RANK"]), "w") as f:
            f.write(line)
    """.replace("OUT_DIR", repr(str(tmp_path))))
    proc = _launch(script, 2)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = sorted((tmp_path / f"env_{r}").read_text() for r in range(2))
    assert lines == [f"ENV RANK={r} LOCAL_RANK={r} WORLD_SIZE=2 LOCAL_WORLD_SIZE=2 GROUP_RANK=0 "
                     f"MASTER_ADDR=127.0.0.1 ROLE_RANK={r} TORCHELASTIC_RESTART_COUNT=0 PORT"
                     for r in range(2)]


def test_two_launches_join_as_nodes(tmp_path):
    # two launchers (as two nodes) whose mpiexec jobs join through MPI ports and the store
    script = _script(tmp_path, """
        import ember, ember.distributed as dist
        dist.init_process_group("gloo")
        t = ember.tensor([float(dist.get_rank())])
        dist.all_reduce(t)
        print("SUM", dist.get_rank(), dist.get_world_size(), t.item(), flush=True)
    """)
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    common = [sys.executable, "-m", "ember.distributed.run", "--nproc_per_node", "1",
              "--nnodes", "2", "--master_port", str(port)]
    procs = [subprocess.Popen(common + ["--node_rank", str(k), script], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for k in range(2)]
    outs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1][-1500:] for o in outs]
    assert sorted(ln for o in outs for ln in o[0].splitlines() if ln.startswith("SUM")) == \
        ["SUM 0 2 1.0", "SUM 1 2 1.0"]


def test_sigterm_is_forwarded(tmp_path):
    script = _script(tmp_path, """
        import time, ember.distributed as dist
        dist.init_process_group("gloo")
        print("READY", flush=True)
        time.sleep(60)
    """)
    proc = subprocess.Popen([sys.executable, "-m", "ember.distributed.run", "--nproc_per_node",
                             "2", "--standalone", script], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    seen = ""
    while seen.count("READY") < 2:      # mpiexec may merge the ranks' lines
        seen += proc.stdout.read(1)
    start = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert time.monotonic() - start < 15
    assert proc.returncode == 128 + signal.SIGTERM
    assert "received SIGTERM, stopped the workers" in err


def test_init_errors(tmp_path):
    script = _script(tmp_path, """
        import os
        import ember.distributed as dist
        for k in ("RANK", "WORLD_SIZE", "PMI_RANK", "PMI_SIZE"):
            os.environ.pop(k, None)
        try:
            dist.init_process_group("gloo", init_method="env://")
        except ValueError as e:
            print("ERR", e)
        try:
            dist.init_process_group("ucc", rank=0, world_size=1)
        except ValueError as e:
            print("ERR2", "supports the backends" in str(e))
        os.environ.update(RANK="0", WORLD_SIZE="1")
        dist.init_process_group("gloo")
        print("OK", dist.get_world_size(), dist.get_rank(), dist.get_backend())
        dist.destroy_process_group()
        try:
            dist.get_rank()
        except ValueError as e:
            print("AFTER", e)
    """)
    proc = subprocess.run([sys.executable, script], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    assert lines == [
        "ERR Error initializing torch.distributed using env:// rendezvous: environment variable "
        "RANK expected, but not set",
        "ERR2 True",
        "OK 1 0 gloo",
        "AFTER Default process group has not been initialized, please make sure to call "
        "init_process_group."]
