"""``Work``: the handle an ``async_op=True`` collective returns (PyTorch's ``Work``).

The operation runs in the backend (an MPI nonblocking request, or a CUDA stream for NCCL);
``wait()`` blocks until it is done or the process group's timeout passes, then writes the
results into the output tensors (staged copies are written back here).

>>> work = ember.distributed.all_reduce(t, async_op=True)   # doctest: +SKIP
>>> work.wait()                                              # doctest: +SKIP
True
"""
import time

from .errors import DistBackendError

__all__ = ["Work", "Future"]


class Future:
    """The completed-or-not value of a Work (PyTorch's ``torch.futures.Future``, reduced to
    ``wait``, ``value``, ``done`` and ``then``)."""

    def __init__(self, work):
        self._work = work
        self._callbacks = []

    def done(self):
        return self._work.is_completed()

    def wait(self):
        self._work.wait()
        return self._work.result()

    def value(self):
        return self.wait()

    def then(self, callback):
        """A Future whose value is ``callback(self)``, run when this one completes."""
        return _ThenFuture(self, callback)


class _ThenFuture(Future):
    def __init__(self, parent, callback):
        self._parent = parent
        self._callback = callback
        self._has_value = False
        self._value = None

    def done(self):
        return self._parent.done()

    def wait(self):
        if not self._has_value:
            self._parent.wait()
            self._value = self._callback(self._parent)
            self._has_value = True
        return self._value

    def then(self, callback):
        return _ThenFuture(self, callback)


class Work:
    """An operation in flight. ``test`` answers without blocking whether the backend is done;
    ``finish`` (run once, on completion) writes staged results back into the tensors."""

    def __init__(self, test, finish=None, outputs=(), timeout=1800.0, what="collective",
                 rank=0, on_timeout=None):
        self._test = test
        self._finish = finish
        self._outputs = list(outputs)
        self._timeout = timeout
        self._what = what
        self._rank = rank
        self._on_timeout = on_timeout
        self._done = False
        self._exception = None
        self.source_rank_value = None

    @classmethod
    def completed(cls, outputs=(), rank=0):
        """A Work for an operation that already finished."""
        return cls(lambda: True, outputs=outputs, rank=rank)

    def _complete(self):
        if not self._done:
            self._done = True
            if self._finish is not None:
                self._finish()

    def is_completed(self):
        """True once the operation has finished (does not block)."""
        if not self._done and self._test():
            self._complete()
        return self._done

    def is_success(self):
        return self.is_completed() and self._exception is None

    def exception(self):
        return self._exception

    def wait(self, timeout=None):
        """Block until done (``DistBackendError`` after the timeout); returns True."""
        if self._done:
            return True
        seconds = self._timeout if timeout is None else (
            timeout.total_seconds() if hasattr(timeout, "total_seconds") else float(timeout))
        deadline = time.monotonic() + seconds
        spins = 0
        # NOTE: spin briefly (small messages finish in microseconds), then sleep between
        # polls so that ranks sharing a core leave it to the peer they are waiting for.
        while not self._test():
            spins += 1
            if spins > 50:
                if time.monotonic() > deadline:
                    self._exception = DistBackendError(
                        f"[Rank {self._rank}] {self._what} timed out after "
                        f"{int(seconds * 1000)}ms: a peer rank may have died, hung, or not "
                        f"called the same collective.")
                    if self._on_timeout is not None:
                        self._on_timeout()
                    raise self._exception
                time.sleep(min(0.00002 * spins, 0.002))
        self._complete()
        return True

    synchronize = wait

    def block_current_stream(self):
        self.wait()

    def result(self):
        """The output tensors of the operation."""
        self.wait()
        return self._outputs

    def get_future(self):
        return Future(self)

    def source_rank(self):
        """For a ``recv`` from any source: the rank the message came from."""
        self.wait()
        return self.source_rank_value
