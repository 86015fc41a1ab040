"""DistributedSampler: each of ``num_replicas`` processes reads its own slice of the dataset,
the same permutation everywhere (seeded with ``seed + epoch``), padded or trimmed so that
every replica gets the same number of samples.

>>> list(DistributedSampler(range(5), num_replicas=2, rank=1, shuffle=False))
[1, 3, 0]
"""
import math

from .sampler import Sampler

__all__ = ["DistributedSampler"]


def _process_group_setting(what):
    """``what`` ('get_world_size' or 'get_rank') of the default process group."""
    try:
        from ... import distributed as dist
    except ImportError:
        # no process group can have been initialised
        raise ValueError("Default process group has not been initialized, please make sure to "
                         "call init_process_group.") from None
    if not dist.is_available():
        raise RuntimeError("Requires distributed package to be available")
    return getattr(dist, what)()


class DistributedSampler(Sampler):
    """Restricts sampling to this replica's share of ``dataset``. Call ``set_epoch(e)`` before
    each epoch so shuffles differ between epochs.

    >>> s = DistributedSampler(range(4), num_replicas=2, rank=0, seed=1)
    >>> len(s)
    2
    """

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0,
                 drop_last=False):
        if num_replicas is None:
            num_replicas = _process_group_setting("get_world_size")
        if rank is None:
            rank = _process_group_setting("get_rank")
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval "
                             f"[0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(self.dataset)
        if self.drop_last and n % self.num_replicas != 0:
            # drop the tail so that every replica gets the same number of samples
            self.num_samples = math.ceil((n - self.num_replicas) / self.num_replicas)
        else:
            self.num_samples = math.ceil(n / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self):
        import ember
        n = len(self.dataset)
        if self.shuffle:
            g = ember.Generator()
            g.manual_seed(self.seed + self.epoch)
            indices = ember.randperm(n, generator=g).tolist()
        else:
            indices = list(range(n))
        if self.drop_last:
            indices = indices[:self.total_size]
        else:
            # pad by repeating from the start, as often as needed
            padding = self.total_size - len(indices)
            repeats = math.ceil(padding / len(indices)) if padding > len(indices) else 1
            indices += (indices * repeats)[:padding]
        assert len(indices) == self.total_size
        mine = indices[self.rank:self.total_size:self.num_replicas]
        assert len(mine) == self.num_samples
        return iter(mine)

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """Seed the next shuffle with ``seed + epoch`` (the same on every replica)."""
        self.epoch = epoch
