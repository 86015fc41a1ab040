"""The DataLoader worker process: its identity (``get_worker_info``), its seeding, and the loop
that turns index batches from the main process into collated batches.

Protocol (all messages are ``(key, payload)`` pairs; payloads are pickled by the worker itself
so that an unpicklable batch becomes an error the main process re-raises, not a lost message):

* main -> worker: ``(task_id, index)``; ``ResumeIteration()`` to restart an iterable dataset
  (persistent workers, next epoch); ``None`` to exit.
* worker -> main: ``(task_id, pickled batch | WorkerError | IterableDatasetStopIteration)``,
  ``(ResumeIteration, None)`` acknowledging a restart.
"""
import dataclasses
import os
import pickle
import queue
import random
import sys
import traceback
from multiprocessing.reduction import ForkingPickler

import numpy as np

__all__ = ["WorkerInfo", "get_worker_info"]

# seconds between checks that the main process is still alive
STATUS_CHECK_INTERVAL = 5.0

_worker_info = None


@dataclasses.dataclass(frozen=True, slots=True)
class WorkerInfo:
    """What a worker process knows about itself (see ``get_worker_info``)."""
    id: int
    num_workers: int
    seed: int
    dataset: object
    rng: object = None
    worker_method: str = "multiprocessing"


def get_worker_info():
    """Inside a DataLoader worker: its ``WorkerInfo`` (``id``, ``num_workers``, ``seed``, this
    worker's copy of ``dataset``); ``None`` in the main process. An ``IterableDataset`` uses it
    to give each worker its own share of the stream.

    >>> get_worker_info() is None
    True
    """
    return _worker_info


@dataclasses.dataclass(frozen=True)
class IterableDatasetStopIteration:
    worker_id: int


@dataclasses.dataclass(frozen=True)
class ResumeIteration:
    seed: object = None


class KeyErrorMessage(str):
    """A KeyError's message that prints as itself (KeyError otherwise shows the repr, which
    would render the traceback on one line)."""
    __slots__ = ()

    def __repr__(self):
        return self


class WorkerError:
    """An exception raised in a worker, carried to the main process with its traceback."""

    def __init__(self, where, exc_info=None):
        exc_type, exc, tb = exc_info or sys.exc_info()
        try:
            pickle.dumps(exc_type)
        except Exception:  # noqa: BLE001 - a class the main process could not find
            exc_type = RuntimeError
        self.exc_type = exc_type
        self.exc_msg = "".join(traceback.format_exception(exc_type, exc, tb))
        self.where = where

    def reraise(self):
        """Raise the exception again in this process: same type, message naming the worker
        and holding the original traceback."""
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = KeyErrorMessage(msg)
        elif getattr(self.exc_type, "message", None):
            raise self.exc_type(message=msg)
        try:
            exc = self.exc_type(msg)
        except Exception:  # noqa: BLE001 - constructors taking other arguments
            raise RuntimeError(msg) from None
        raise exc


def numpy_seed(base_seed, worker_id):
    """The four 32-bit words a worker seeds NumPy's global generator with: NumPy's
    SeedSequence over (worker_id, low and high halves of base_seed, 0), as PyTorch does."""
    entropy = [worker_id, base_seed & 0xFFFFFFFF, base_seed >> 32, 0]
    return np.random.SeedSequence(entropy).generate_state(4).tolist()


def _seed_everything(base_seed, worker_id):
    import ember
    seed = base_seed + worker_id
    random.seed(seed)
    ember.manual_seed(seed)
    np.random.seed(numpy_seed(base_seed, worker_id))
    return seed


def _parent_alive(parent_pid):
    # a re-parented worker (its main process died) must not live on
    return os.getppid() == parent_pid


def _pack(payload):
    return bytes(ForkingPickler.dumps(payload, pickle.HIGHEST_PROTOCOL))


def worker_loop(dataset_kind, dataset, index_queue, data_queue, done_event, auto_collation,
                collate_fn, drop_last, base_seed, init_fn, worker_id, num_workers,
                file_prefix, parent_pid):
    """Body of worker process ``worker_id``; returns when told to exit or orphaned."""
    global _worker_info
    from . import _shared_memory
    from ._fetch import ITERABLE, create_fetcher
    where = f"in DataLoader worker process {worker_id}"
    try:
        _shared_memory.set_file_prefix(f"{file_prefix}_w{worker_id}")
        seed = _seed_everything(base_seed, worker_id)
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed,
                                  dataset=dataset)
        init_error = None
        fetcher = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = create_fetcher(dataset_kind, dataset, auto_collation, collate_fn,
                                     drop_last)
        except Exception:  # noqa: BLE001 - reported with the first task
            init_error = WorkerError(where)
        iteration_ended = False
        while _parent_alive(parent_pid):
            try:
                message = index_queue.get(timeout=STATUS_CHECK_INTERVAL)
            except queue.Empty:
                continue
            if message is None:
                break
            if isinstance(message, ResumeIteration):
                data_queue.put((message, None))
                iteration_ended = False
                if init_error is None:
                    fetcher = create_fetcher(dataset_kind, dataset, auto_collation,
                                             collate_fn, drop_last)
                continue
            if done_event.is_set() or iteration_ended:
                continue
            task_id, index = message
            if init_error is not None:
                result, init_error = init_error, None
            else:
                try:
                    result = _pack(fetcher.fetch(index))
                except StopIteration:
                    if dataset_kind != ITERABLE:  # map-style: an ordinary error
                        result = WorkerError(where)
                    else:
                        result = IterableDatasetStopIteration(worker_id)
                        iteration_ended = True
                except Exception:  # noqa: BLE001 - re-raised in the main process
                    result = WorkerError(where)
            data_queue.put((task_id, result))
            del result, index, message
    except KeyboardInterrupt:
        pass  # the main process handles Ctrl-C
    if done_event.is_set():
        # NOTE: do not wait for the main process to drain the queue at exit
        data_queue.cancel_join_thread()
        data_queue.close()
