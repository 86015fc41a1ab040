"""Fetchers: how one index (or one list of indices) from the sampler becomes one batch, for
map-style and iterable datasets alike; shared by the in-process and worker loaders.
"""
import numpy as np

from ._collate import default_collate
from .dataset import Subset, TensorDataset

MAP, ITERABLE = 0, 1


class MapFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self._gather_rows = auto_collation and collate_fn is default_collate

    def fetch(self, index):
        if not self.auto_collation:
            return self.collate_fn(self.dataset[index])
        if self._gather_rows:
            batch = tensor_dataset_batch(self.dataset, index)
            if batch is not None:
                return batch
        getitems = getattr(self.dataset, "__getitems__", None)
        if getitems:
            samples = getitems(index)
        else:
            samples = [self.dataset[i] for i in index]
        return self.collate_fn(samples)


class IterableFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset_iter = iter(dataset)
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.ended = False

    def fetch(self, index):
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.dataset_iter))
        samples = []
        for _ in index:
            try:
                samples.append(next(self.dataset_iter))
            except StopIteration:
                self.ended = True
                break
        if not samples or (self.drop_last and len(samples) < len(index)):
            raise StopIteration
        return self.collate_fn(samples)


def create_fetcher(kind, dataset, auto_collation, collate_fn, drop_last):
    fetcher = MapFetcher if kind == MAP else IterableFetcher
    return fetcher(dataset, auto_collation, collate_fn, drop_last)


def tensor_dataset_batch(dataset, index):
    """``default_collate([dataset[i] for i in index])`` for a ``TensorDataset`` (possibly
    inside ``Subset``s), gathered with one take per tensor instead of a view per sample and a
    stack: same values, dtypes, shapes and (contiguous) strides. None when the shortcut does
    not apply; the ordinary path then also raises the ordinary errors."""
    while type(dataset) is Subset:
        try:
            index = [dataset.indices[i] for i in index]
        except Exception:  # noqa: BLE001 - the ordinary path raises it
            return None
        dataset = dataset.dataset
    if type(dataset) is not TensorDataset:
        return None
    n = len(dataset)
    for i in index:
        if type(i) is not int or not -n <= i < n:
            return None
    tensors = dataset.tensors
    for t in tensors:
        if t.requires_grad or t.device.type != "cpu" or t.layout is not _strided():
            return None
    from ._shared_memory import shared_empty
    from ._worker import get_worker_info
    in_worker = get_worker_info() is not None
    rows = np.asarray(index, dtype=np.intp)
    out = []
    for t in tensors:
        shape = (len(index), *t.shape[1:])
        if in_worker:
            # gather straight into shared memory (what stacking in a worker does)
            res = shared_empty(shape, t.dtype)
        else:
            res = _empty(shape, t.dtype)
        np.take(t._array, rows, axis=0, out=res._array)
        out.append(res)
    return out


def _strided():
    import ember
    return ember.strided


def _empty(shape, dtype):
    import ember
    return ember.empty(shape, dtype=dtype)
