"""ember.utils.data: datasets, samplers, collation and the DataLoader, as torch.utils.data.

>>> from ember.utils.data import DataLoader, TensorDataset
>>> ds = TensorDataset(ember.randn(8, 3), ember.arange(8))
>>> [x.shape for x, _ in DataLoader(ds, batch_size=4)]
[ember.Size([4, 3]), ember.Size([4, 3])]
"""
from .dataset import (Dataset, IterableDataset, TensorDataset, StackDataset,  # noqa: F401
                      ConcatDataset, ChainDataset, Subset, random_split)
from .sampler import (Sampler, SequentialSampler, RandomSampler,  # noqa: F401
                      SubsetRandomSampler, WeightedRandomSampler, BatchSampler)
from .distributed import DistributedSampler  # noqa: F401
from ._worker import get_worker_info, WorkerInfo  # noqa: F401
from ._collate import default_collate, default_convert  # noqa: F401
from .dataloader import DataLoader, _DatasetKind  # noqa: F401
from . import _utils  # noqa: F401

__all__ = ["BatchSampler", "ChainDataset", "ConcatDataset", "DataLoader", "Dataset",
           "DistributedSampler", "IterableDataset", "RandomSampler", "Sampler",
           "SequentialSampler", "StackDataset", "Subset", "SubsetRandomSampler", "TensorDataset",
           "WeightedRandomSampler", "default_collate", "default_convert", "get_worker_info",
           "random_split"]
