"""DataLoader: batches from a dataset, in the main process or in worker processes.

``DataLoader(dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
worker_init_fn=None, multiprocessing_context=None, generator=None, *, prefetch_factor=None,
persistent_workers=False, pin_memory_device='', in_order=True)`` with PyTorch's semantics:
the same argument checks and messages, the same draws from the generator (one int64 base
seed per iterator, then the sampler's), so seeded shuffles and worker seeds equal PyTorch's.

With ``num_workers > 0`` each worker is a process (``multiprocessing``, the platform's default
start method or ``multiprocessing_context``) seeded with ``base_seed + worker_id``; at most
``prefetch_factor`` batches per worker are in flight, handed out round-robin and returned in
order. Batches travel through shared memory (see ``_shared_memory``). A worker's exception is
re-raised here with its traceback; a worker that dies, or a ``timeout`` that passes, raises a
RuntimeError instead of hanging.

>>> ds = TensorDataset(ember.arange(10.0).reshape(5, 2), ember.arange(5))
>>> [y.tolist() for _, y in DataLoader(ds, batch_size=2)]
[[0, 1], [2, 3], [4]]
"""
import atexit
import collections.abc
import itertools
import multiprocessing
import multiprocessing.connection
import os
import pickle
import secrets
import threading
import warnings
import weakref

from . import _shared_memory  # noqa: F401  (registers the tensor reduction)
from ._collate import _rebuild_like, _rebuild_sequence, default_collate, default_convert
from ._fetch import ITERABLE, MAP, create_fetcher
from ._worker import (IterableDatasetStopIteration, ResumeIteration, WorkerError,
                      get_worker_info, worker_loop)
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader", "get_worker_info", "default_collate", "default_convert"]

# how long shutdown waits for a worker to exit before terminating it
_JOIN_TIMEOUT = 5.0


class _DatasetKind:
    Map = MAP
    Iterable = ITERABLE
    create_fetcher = staticmethod(create_fetcher)


class _InfiniteConstantSampler(Sampler):
    """The sampler of an iterable dataset: an endless stream of ``None`` keys."""

    def __iter__(self):
        while True:
            yield None


def _ember():
    import ember
    return ember


def _cpu_count():
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count()


class DataLoader:
    """Iterate over ``dataset`` in batches (see the module docstring for the arguments).

    >>> dl = DataLoader(list(range(7)), batch_size=3, drop_last=True)
    >>> len(dl), [b.tolist() for b in dl]
    (2, [[0, 1, 2], [3, 4, 5]])
    """

    _initialized = False

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, multiprocessing_context=None, generator=None, *,
                 prefetch_factor=None, persistent_workers=False, pin_memory_device="",
                 in_order=True):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 "
                             "to disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in "
                             "multiprocessing.let num_workers > 0 to enable multiprocessing, "
                             "otherwise set prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")

        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order

        if isinstance(dataset, IterableDataset):
            self._dataset_kind = ITERABLE
            if shuffle not in {False, None}:
                raise ValueError("DataLoader with IterableDataset: expected unspecified shuffle "
                                 f"option, but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified sampler "
                                 f"option, but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified "
                                 f"batch_sampler option, but got batch_sampler={batch_sampler}")
        else:
            shuffle = bool(shuffle)
            self._dataset_kind = MAP

        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")

        if sampler is None:
            if self._dataset_kind == ITERABLE:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers
        self._initialized = True
        # what len(self) reported for an iterable dataset (to warn when more comes out)
        self._IterableDataset_len_called = None
        self._iterator = None
        self.check_worker_number_rationality()

    # ------------------------------------------------------------------ attributes
    @property
    def multiprocessing_context(self):
        return self._multiprocessing_context

    @multiprocessing_context.setter
    def multiprocessing_context(self, context):
        if context is not None:
            if self.num_workers <= 0:
                raise ValueError("multiprocessing_context can only be used with multi-process "
                                 "loading (num_workers > 0), but got "
                                 f"num_workers={self.num_workers}")
            if isinstance(context, str):
                methods = multiprocessing.get_all_start_methods()
                if context not in methods:
                    raise ValueError("multiprocessing_context option should specify a valid "
                                     f"start method in {methods!r}, but got "
                                     f"multiprocessing_context={context!r}")
                context = multiprocessing.get_context(context)
            if not isinstance(context, multiprocessing.context.BaseContext):
                raise TypeError("multiprocessing_context option should be a valid context "
                                "object or a string specifying the start method, but got "
                                f"multiprocessing_context={context}")
        self._multiprocessing_context = context

    def __setattr__(self, attr, val):
        if self._initialized and attr in ("batch_size", "batch_sampler", "sampler", "drop_last",
                                          "dataset", "persistent_workers"):
            raise ValueError(f"{attr} attribute should not be set after "
                             f"{type(self).__name__} is initialized")
        super().__setattr__(attr, val)

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    # ------------------------------------------------------------------ iteration
    def _get_iterator(self):
        if self.num_workers == 0:
            return _SingleProcessDataLoaderIter(self)
        self.check_worker_number_rationality()
        generator = self.generator or _ember().default_generator
        state = generator.get_state()
        try:
            return _MultiProcessingDataLoaderIter(self)
        except OSError as e:
            # no processes or no process-shared semaphores here (some sandboxes, some
            # platforms): load in this process rather than not at all, drawing the same seeds
            warnings.warn(f"DataLoader worker processes could not be started ({e}); loading "
                          "in the main process instead.", stacklevel=3)
            generator.set_state(state)
            return _SingleProcessDataLoaderIter(self)

    def __iter__(self):
        if self.persistent_workers and self.num_workers > 0:
            if self._iterator is None:
                self._iterator = self._get_iterator()
            else:
                self._iterator._reset(self)
            return self._iterator
        return self._get_iterator()

    def __len__(self):
        if self._dataset_kind == ITERABLE:
            length = self._IterableDataset_len_called = len(self.dataset)
            if self.batch_size is not None:
                if self.drop_last:
                    return length // self.batch_size
                return -(-length // self.batch_size)
            return length
        return len(self._index_sampler)

    def check_worker_number_rationality(self):
        """Warn when more workers are asked for than this process may use CPUs."""
        if not self.num_workers:
            return
        suggested = _cpu_count()
        if suggested is not None and self.num_workers <= suggested:
            return
        if suggested is None:
            limit = ("DataLoader is not able to compute a suggested max number of worker in "
                     "current system.")
        else:
            cpuset = "" if hasattr(os, "sched_getaffinity") else " (`cpuset` is not taken into account)"
            limit = (f"Our suggested max number of worker in current system is {suggested}"
                     f"{cpuset}, which is smaller than what this DataLoader is going to create.")
        warnings.warn(f"This DataLoader will create {self.num_workers} worker processes in "
                      f"total. {limit} Please be aware that excessive worker creation might get "
                      "DataLoader running slow or even freeze, lower the worker number to avoid "
                      "potential slowness/freeze if necessary.", stacklevel=2)


def pin_memory(data):
    """``data`` with every tensor inside replaced by its pinned copy, the structure kept as
    ``default_collate`` builds it (tuples become lists)."""
    if isinstance(data, (str, bytes)):
        return data
    if isinstance(data, collections.abc.Mapping):
        return _rebuild_like(data, {k: pin_memory(v) for k, v in data.items()})
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # namedtuple
        return type(data)(*(pin_memory(v) for v in data))
    if isinstance(data, tuple):
        return [pin_memory(v) for v in data]
    if isinstance(data, collections.abc.Sequence):
        return _rebuild_sequence(data, [pin_memory(v) for v in data])
    if hasattr(data, "pin_memory"):
        return data.pin_memory()
    return data


class _BaseDataLoaderIter:
    def __init__(self, loader):
        ember = _ember()
        self._dataset = loader.dataset
        self._dataset_kind = loader._dataset_kind
        self._IterableDataset_len_called = loader._IterableDataset_len_called
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._index_sampler = loader._index_sampler
        self._num_workers = loader.num_workers
        if loader.pin_memory and loader.pin_memory_device:
            warnings.warn("pin_memory_device is deprecated, the current accelerator will be used "
                          f"as the device,ignore pin_memory_device='{loader.pin_memory_device}'.",
                          stacklevel=3)
        has_accelerator = ember.cuda.is_available()
        if loader.pin_memory and not has_accelerator:
            warnings.warn("'pin_memory' argument is set as true but no accelerator is found, "
                          "then device pinned memory won't be used.", stacklevel=3)
        self._pin_memory = loader.pin_memory and has_accelerator
        self._timeout = loader.timeout
        self._collate_fn = loader.collate_fn
        self._sampler_iter = iter(self._index_sampler)
        # NOTE: drawn after iter(sampler) (lazy) and before its first index: PyTorch's order
        self._base_seed = int(ember.empty((), dtype=ember.int64)
                              .random_(generator=loader.generator).item())
        self._persistent_workers = loader.persistent_workers
        self._num_yielded = 0

    def __iter__(self):
        return self

    def _reset(self, loader, first_iter=False):
        self._sampler_iter = iter(self._index_sampler)
        self._num_yielded = 0
        self._IterableDataset_len_called = loader._IterableDataset_len_called

    def _next_index(self):
        return next(self._sampler_iter)

    def _next_data(self):
        raise NotImplementedError

    def __next__(self):
        data = self._next_data()
        self._num_yielded += 1
        reported = self._IterableDataset_len_called
        if (self._dataset_kind == ITERABLE and reported is not None
                and self._num_yielded > reported):
            msg = (f"Length of IterableDataset {self._dataset} was reported to be {reported}"
                   f"(when accessing len(dataloader)), but {self._num_yielded} samples have "
                   "been fetched. ")
            if self._num_workers > 0:
                msg += ("For multiprocessing data-loading, this could be caused by not properly "
                        "configuring the IterableDataset replica at each worker. Please see "
                        "https://pytorch.org/docs/stable/data.html#torch.utils.data."
                        "IterableDataset for examples.")
            warnings.warn(msg, stacklevel=2)
        return data

    def __len__(self):
        return len(self._index_sampler)

    def __getstate__(self):
        raise NotImplementedError("{} cannot be pickled", type(self).__name__)


class _SingleProcessDataLoaderIter(_BaseDataLoaderIter):
    def __init__(self, loader):
        super().__init__(loader)
        self._fetcher = create_fetcher(self._dataset_kind, self._dataset, self._auto_collation,
                                       self._collate_fn, self._drop_last)

    def _reset(self, loader, first_iter=False):
        # (a persistent loader that fell back to this process starts each epoch here)
        super()._reset(loader, first_iter)
        self._fetcher = create_fetcher(self._dataset_kind, self._dataset, self._auto_collation,
                                       self._collate_fn, self._drop_last)

    def _next_data(self):
        index = self._next_index()
        data = self._fetcher.fetch(index)
        return pin_memory(data) if self._pin_memory else data


# live multi-process iterators, shut down at interpreter exit (before multiprocessing's own
# exit handler terminates the daemonic workers) so that no shared-memory file is left behind.
# NOTE: re-entrant: a garbage collection inside a locked section may run an iterator's __del__
_live_lock = threading.RLock()
_live_iterators = weakref.WeakSet()
_reapers = []
_exiting = False


def _shutdown_all_at_exit():
    global _exiting
    with _live_lock:
        iterators = list(_live_iterators)
    for it in iterators:
        it._shutdown_workers()
    for t in list(_reapers):
        t.join(timeout=_JOIN_TIMEOUT)
    _exiting = True


atexit.register(_shutdown_all_at_exit)


def _reap(workers, file_prefix):
    """Wait for told-to-exit workers (terminating the ones that do not), then remove the
    shared-memory files of batches nobody received."""
    for w in workers:
        w.join(timeout=_JOIN_TIMEOUT)
    for w in workers:
        if w.is_alive():
            w.terminate()
            w.join(timeout=_JOIN_TIMEOUT)
    _shared_memory.remove_files(file_prefix)


class _MultiProcessingDataLoaderIter(_BaseDataLoaderIter):
    def __init__(self, loader):
        super().__init__(loader)
        self._prefetch_factor = loader.prefetch_factor
        self._in_order = loader.in_order
        if self._prefetch_factor <= 0:
            raise AssertionError("prefetch_factor must be greater than 0 for "
                                 "MultiProcessingDataLoaderIter")
        context = loader.multiprocessing_context or multiprocessing.get_context()
        self._file_prefix = f"ember_dl_{os.getpid()}_{secrets.token_hex(4)}"
        self._index_queues = []
        self._workers = []
        self._worker_result_queue = None
        self._shutdown = False
        with _live_lock:
            _live_iterators.add(self)
        try:
            self._worker_result_queue = context.Queue()
            self._workers_done_event = context.Event()
            for worker_id in range(self._num_workers):
                index_queue = context.Queue()
                index_queue.cancel_join_thread()
                w = context.Process(
                    target=worker_loop,
                    args=(self._dataset_kind, self._dataset, index_queue,
                          self._worker_result_queue, self._workers_done_event,
                          self._auto_collation, self._collate_fn, self._drop_last,
                          self._base_seed, loader.worker_init_fn, worker_id, self._num_workers,
                          self._file_prefix, os.getpid()))
                w.daemon = True
                try:
                    w.start()
                except (TypeError, AttributeError, pickle.PicklingError):
                    warnings.warn("Got pickle error when attempting to start a worker Process. "
                                  "This might be because the worker Process arguments are not "
                                  "picklable. Python 3.14+ changed the multiprocessing start "
                                  "method in non-Mac POSIX platforms to 'forkserver', which "
                                  "requires the worker Process arguments to be picklable. You "
                                  "can also try multiprocessing.set_start_method('fork').",
                                  stacklevel=2)
                    raise
                self._index_queues.append(index_queue)
                self._workers.append(w)
        except BaseException:
            self._shutdown_workers()
            raise
        self._data_queue = self._worker_result_queue
        self._reset(loader, first_iter=True)

    # ------------------------------------------------------------------ task bookkeeping
    def _reset(self, loader, first_iter=False):
        super()._reset(loader, first_iter)
        self._send_idx = 0  # id of the next task to hand out
        self._rcvd_idx = 0  # id of the next task to return
        # task id -> (worker_id,) while pending, (worker_id, data) once arrived out of order
        self._task_info = {}
        self._tasks_outstanding = 0
        self._workers_status = [True] * self._num_workers
        self._workers_num_tasks = [0] * self._num_workers
        self._worker_queue_idx_cycle = itertools.cycle(range(self._num_workers))
        if not first_iter:
            # persistent workers: restart every worker and drop what the last epoch left
            for q in self._index_queues:
                q.put(ResumeIteration())
            pending = self._num_workers
            while pending > 0:
                key, stale = self._get_data()
                if isinstance(key, ResumeIteration):
                    pending -= 1
                elif isinstance(stale, bytes):
                    pickle.loads(stale)  # frees the shared memory of a batch nobody took
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()

    def _try_put_index(self):
        max_tasks = self._prefetch_factor * self._num_workers
        try:
            index = self._next_index()
        except StopIteration:
            return
        for _ in range(self._num_workers):  # the next active worker, round-robin
            worker_id = next(self._worker_queue_idx_cycle)
            if self._workers_status[worker_id]:
                if self._in_order:
                    break
                if self._workers_num_tasks[worker_id] < max_tasks // sum(self._workers_status):
                    break
        else:
            return
        self._index_queues[worker_id].put((self._send_idx, index))
        self._task_info[self._send_idx] = (worker_id,)
        self._workers_num_tasks[worker_id] += 1
        self._tasks_outstanding += 1
        self._send_idx += 1

    # ------------------------------------------------------------------ receiving
    def _try_get_data(self, timeout):
        """(True, message) or (False, None) after ``timeout`` seconds (None: no limit). A dead
        worker raises at once instead of leaving the wait to run out."""
        reader = self._data_queue._reader
        active = [w for i, w in enumerate(self._workers) if self._workers_status[i]]
        ready = multiprocessing.connection.wait([reader] + [w.sentinel for w in active],
                                                timeout)
        if reader in ready:
            return True, self._data_queue.get()
        failed = [(i, w) for i, w in enumerate(self._workers)
                  if self._workers_status[i] and not w.is_alive()]
        if failed:
            for i, _ in failed:
                self._mark_worker_as_unavailable(i)
            pids = ", ".join(str(w.pid) for _, w in failed)
            raise RuntimeError(f"DataLoader worker (pid(s) {pids}) exited unexpectedly")
        return False, None

    def _get_data(self):
        if self._timeout > 0:
            ok, message = self._try_get_data(self._timeout)
            if not ok:
                raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")
            return message
        while True:
            ok, message = self._try_get_data(None)
            if ok:
                return message

    def _next_data(self):
        while True:
            # skip tasks of workers that ended (iterable datasets) without data for them
            while self._rcvd_idx < self._send_idx:
                info = self._task_info.get(self._rcvd_idx)
                if info is not None:
                    if len(info) == 2 or self._workers_status[info[0]]:
                        break
                    del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
            else:
                if not self._persistent_workers:
                    self._shutdown_workers()
                raise StopIteration
            if len(self._task_info[self._rcvd_idx]) == 2:
                worker_id, data = self._task_info.pop(self._rcvd_idx)
                self._rcvd_idx += 1
                return self._process_data(data, worker_id)
            task_id, data = self._get_data()
            self._tasks_outstanding -= 1
            if isinstance(data, IterableDatasetStopIteration):
                if self._persistent_workers:
                    self._workers_status[data.worker_id] = False
                else:
                    self._mark_worker_as_unavailable(data.worker_id)
                self._try_put_index()
                continue
            if task_id != self._rcvd_idx:
                if not self._in_order:
                    worker_id = self._task_info.pop(task_id)[0]
                    return self._process_data(data, worker_id)
                self._task_info[task_id] += (data,)
            else:
                worker_id = self._task_info.pop(task_id)[0]
                self._rcvd_idx += 1
                return self._process_data(data, worker_id)

    def _process_data(self, data, worker_id):
        self._workers_num_tasks[worker_id] -= 1
        self._try_put_index()
        if isinstance(data, WorkerError):
            data.reraise()
        data = pickle.loads(data)
        return pin_memory(data) if self._pin_memory else data

    # ------------------------------------------------------------------ shutdown
    def _mark_worker_as_unavailable(self, worker_id, shutdown=False):
        # the worker exits once it reads None (a dead one never will; nothing waits for it)
        self._index_queues[worker_id].put(None)
        self._workers_status[worker_id] = False

    def _shutdown_workers(self, wait=True):
        """Tell the workers to exit and close the queues; then wait for them (``wait``) or
        leave the waiting to a background thread. NOTE: __del__ must not wait: the garbage
        collection that runs it may be running on a queue's feeder thread, the very thread
        that has to deliver the exit messages."""
        if _exiting or self._shutdown:
            return
        self._shutdown = True
        with _live_lock:
            _live_iterators.discard(self)
        try:
            if self._workers:
                self._workers_done_event.set()
            for worker_id, w in enumerate(self._workers):
                if w.is_alive():
                    self._index_queues[worker_id].put(None)
            for q in self._index_queues:
                q.close()  # sends what is buffered, then stops the feeder thread
            if self._worker_result_queue is not None:
                self._worker_result_queue.cancel_join_thread()
                self._worker_result_queue.close()
        finally:
            if wait:
                _reap(self._workers, self._file_prefix)
            else:
                reaper = threading.Thread(target=_reap, args=(self._workers, self._file_prefix),
                                          name="ember-dataloader-reaper", daemon=True)
                with _live_lock:
                    _reapers[:] = [t for t in _reapers if t.is_alive()] + [reaper]
                reaper.start()

    def __del__(self):
        if hasattr(self, "_shutdown"):
            self._shutdown_workers(wait=False)
