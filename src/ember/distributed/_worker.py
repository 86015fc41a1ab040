"""The per-rank shim ``ember.distributed.run`` starts under ``mpiexec``: it maps the MPI
launcher's rank variables to torchrun's (RANK, LOCAL_RANK), runs the user's script, and
reports how it ended to the launcher through the status folder. A failing rank aborts the
whole MPI job so that no peer is left waiting in a collective.

Run as ``python -m ember.distributed._worker [-m] script.py args...``.
"""
import os
import runpy
import signal
import sys
import traceback

_MPI_LOCAL_RANK = ("MPI_LOCALRANKID", "OMPI_COMM_WORLD_LOCAL_RANK", "PMI_RANK",
                   "OMPI_COMM_WORLD_RANK", "PMIX_RANK")


def _local_rank():
    for name in _MPI_LOCAL_RANK:
        if name in os.environ:
            return int(os.environ[name])
    return int(os.environ.get("LOCAL_RANK", 0))


def _status_file(rank, kind):
    folder = os.environ.get("EMBER_RUN_STATUS_DIR")
    return os.path.join(folder, f"{rank}.{kind}") if folder else None


def _write_status(rank, kind, text):
    path = _status_file(rank, kind)
    if path:
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, path)    # the launcher never reads a half-written file


def _abort(code):
    """End every rank of the MPI job (if this process joined MPI), else just this one."""
    sys.stdout.flush()
    sys.stderr.flush()
    mpi = sys.modules.get("mpi4py.MPI")
    if mpi is not None and mpi.Is_initialized() and not mpi.Is_finalized():
        mpi.COMM_WORLD.Abort(code)
    os._exit(code)


_launcher_socket = None


def _hold_launcher_socket(rank):
    """Connect to the launcher and keep the socket open for life: the kernel closes it the
    moment this process dies, however it dies, so the launcher learns which rank died first
    even when mpiexec then kills the others."""
    global _launcher_socket
    folder = os.environ.get("EMBER_RUN_STATUS_DIR")
    if not folder:
        return
    import socket
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(os.path.join(folder, "launcher.sock"))
        s.sendall(f"{rank}\n".encode())
        _launcher_socket = s
    except OSError:
        pass


def _on_terminate(rank):
    def handler(sig, _frame):
        # NOTE: recorded so the launcher tells ranks stopped on purpose (after another rank
        # failed, or on Ctrl-C) from the rank that failed first
        _write_status(rank, "exit", f"{-sig}\nstopped by {signal.Signals(sig).name}")
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(128 + sig)
    return handler


def main(argv):
    local_rank = _local_rank()
    local_world = int(os.environ.get("LOCAL_WORLD_SIZE", 1))
    rank = int(os.environ.get("GROUP_RANK", 0)) * local_world + local_rank
    os.environ["LOCAL_RANK"] = str(local_rank)
    os.environ["RANK"] = str(rank)
    os.environ["ROLE_RANK"] = str(rank)
    _write_status(rank, "pid", str(os.getpid()))
    _hold_launcher_socket(rank)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _on_terminate(rank))
    as_module = argv[:1] == ["-m"]
    if as_module:
        argv = argv[1:]
    target, args = argv[0], argv[1:]
    sys.argv = [target, *args]
    code, error = 0, ""
    try:
        if as_module:
            runpy.run_module(target, run_name="__main__", alter_sys=True)
        else:
            sys.path.insert(0, os.path.dirname(os.path.abspath(target)))
            runpy.run_path(target, run_name="__main__")
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        if e.code is not None and not isinstance(e.code, int):
            print(e.code, file=sys.stderr)
            error = str(e.code)
    except BaseException as e:     # noqa: BLE001 - any failure ends the job
        traceback.print_exc()
        code, error = 1, f"{type(e).__name__}: {e}"
    _write_status(rank, "exit", f"{code}\n{error}")
    if code != 0:
        _abort(code)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
