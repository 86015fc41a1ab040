"""ember.utils.data against torch.utils.data: the same datasets, seeds and calls through both,
comparing samples, split indices, sampler orders, collated structures (types, shapes,
dtypes, strides), DataLoader batches and the generator state afterwards, warnings, and the
exceptions raised. Worker-process tests are few and small (processes are slow on 2 cores).
"""
import collections
import glob
import math
import os
import pickle
import random
import time
import warnings
from multiprocessing.reduction import ForkingPickler

import numpy as np
import pytest

import ember
import torch
import ember.utils.data as edata
import torch.utils.data as tdata

from oracle import assert_same_exception, assert_tensor_same


def data(lib):
    return edata if lib is ember else tdata


def run_both(fn):
    """fn(lib) with each library: ('ok', value) or ('err', exception)."""
    out = []
    for lib in (ember, torch):
        try:
            out.append(("ok", fn(lib)))
        except Exception as e:  # noqa: BLE001 - compared below
            # NOTE: without its traceback the exception holds no frames, so a DataLoader
            # iterator it passed through is freed (and its workers stopped) right here
            out.append(("err", e.with_traceback(None)))
    return out


def check(fn, **kw):
    """fn(lib) gives the same structure (or the same exception) with both libraries."""
    (se, e), (st, t) = run_both(fn)
    if st == "err":
        assert se == "err", f"torch raised {type(t).__name__}: {t}; ember returned {e!r}"
        assert_same_exception(e, t)
        return None, None
    if se == "err":
        raise AssertionError(f"ember raised {type(e).__name__}: {e}") from e
    same(e, t, **kw)
    return e, t


def same(e, t, where="result", strides=True):
    """Recursive comparison of collated structures: container types (torch classes read as
    ember's), tensors (dtype, shape, strides, values), everything else by value and type."""
    if isinstance(t, torch.Tensor):
        assert_tensor_same(e, t, where=where, check_strides=strides, check_grad_fn=True,
                           rtol=0, atol=0)
    elif isinstance(t, dict):
        assert type(e) is type(t), f"{where}: {type(e)} != {type(t)}"
        assert list(e) == list(t), f"{where}: keys {list(e)} != {list(t)}"
        for k in t:
            same(e[k], t[k], f"{where}[{k!r}]", strides)
    elif isinstance(t, (list, tuple)):
        assert type(e).__name__ == type(t).__name__, f"{where}: {type(e)} != {type(t)}"
        assert len(e) == len(t), f"{where}: len {len(e)} != {len(t)}"
        for i, (a, b) in enumerate(zip(e, t)):
            same(a, b, f"{where}[{i}]", strides)
    elif isinstance(t, torch.Size):
        assert tuple(e) == tuple(t)
    elif isinstance(t, np.ndarray):
        assert isinstance(e, np.ndarray) and e.dtype == t.dtype
        np.testing.assert_array_equal(e, t)
    else:
        assert type(e) is type(t) and e == t, f"{where}: {e!r} != {t!r}"


def rng_state_same():
    assert bytes(ember.get_rng_state().numpy()) == bytes(torch.get_rng_state().numpy())


def seed_both(s):
    ember.manual_seed(s)
    torch.manual_seed(s)


def tensors(lib, arrays):
    return [lib.from_numpy(a.copy()) for a in arrays]


# ================================================================================ datasets
def tensor_dataset(lib, n=10):
    x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    y = np.arange(n, dtype=np.int64) % 3
    return data(lib).TensorDataset(*tensors(lib, [x, y]))


@pytest.mark.parametrize("index", [0, 4, -1, slice(1, 7, 2), [3, 1]])
def test_tensor_dataset_items(index):
    check(lambda lib: (len(tensor_dataset(lib)), tensor_dataset(lib)[index]))


def test_tensor_dataset_errors():
    check(lambda lib: data(lib).TensorDataset(lib.zeros(3), lib.zeros(4)))
    check(lambda lib: tensor_dataset(lib)[10])


def squares(lib, n=5, offset=0):
    """A map-style dataset written as users write one."""
    class SquaresDS(data(lib).Dataset):
        def __len__(self):
            return n

        def __getitem__(self, i):
            if not 0 <= i < n:
                raise IndexError(i)
            return (i + offset) ** 2
    return SquaresDS()


def test_dataset_base():
    check(lambda lib: data(lib).Dataset()[0])
    check(lambda lib: type(squares(lib) + squares(lib)).__name__)
    check(lambda lib: hasattr(data(lib).Dataset(), "__len__"))


def test_concat_dataset():
    def go(lib):
        ds = data(lib).ConcatDataset([squares(lib, 3), squares(lib, 0), squares(lib, 4, 10)])
        return (len(ds), ds.cumulative_sizes, [ds[i] for i in range(7)], ds[-1], ds[-7],
                data(lib).ConcatDataset.cumsum([[1], [2, 3]]))
    check(go)
    check(lambda lib: data(lib).ConcatDataset([squares(lib, 2)])[-3])
    check(lambda lib: data(lib).ConcatDataset([squares(lib, 2)])[2])
    check(lambda lib: data(lib).ConcatDataset([]))
    check(lambda lib: data(lib).ConcatDataset([counting(lib, 2)]))
    for lib in (ember, torch):
        with pytest.warns(FutureWarning, match="renamed to `cumulative_sizes`"):
            assert data(lib).ConcatDataset([[1, 2]]).cummulative_sizes == [2]


def counting(lib, n, length=True):
    base = data(lib).IterableDataset

    class Counting(base):
        def __iter__(self):
            info = data(lib).get_worker_info()
            if info is None:
                return iter(range(n))
            # the worker's share: every num_workers-th sample
            return iter(range(info.id, n, info.num_workers))
    if length:
        Counting.__len__ = lambda self: n
    return Counting()


def test_chain_dataset():
    check(lambda lib: (list(data(lib).ChainDataset([counting(lib, 3), counting(lib, 2)])),
                       len(data(lib).ChainDataset([counting(lib, 3), counting(lib, 2)]))))
    check(lambda lib: list(counting(lib, 2) + counting(lib, 1)))
    check(lambda lib: type(counting(lib, 2) + counting(lib, 1)).__name__)
    check(lambda lib: list(data(lib).ChainDataset([counting(lib, 1), squares(lib)])))
    check(lambda lib: len(data(lib).ChainDataset([squares(lib)])))
    check(lambda lib: len(data(lib).ChainDataset([counting(lib, 1, length=False)])))


def test_subset():
    def go(lib):
        s = data(lib).Subset(tensor_dataset(lib), [7, 2, 2, 0])
        return len(s), s[0], s[-1], s[[1, 3]], s.__getitems__([3, 0])
    check(go)
    check(lambda lib: data(lib).Subset(squares(lib), [1, 4]).__getitems__([1, 0]))
    check(lambda lib: data(lib).Subset(squares(lib), [1])[1])

    def subclass(lib):
        class Doubled(data(lib).Subset):
            def __getitem__(self, i):
                return 2 * super().__getitem__(i)
        return Doubled(squares(lib), [1])
    check(subclass)


def test_stack_dataset():
    def go(lib):
        D = data(lib)
        t = D.StackDataset(tensor_dataset(lib), squares(lib, 10))
        d = D.StackDataset(a=squares(lib, 3), b=D.Subset(tensor_dataset(lib), [2, 0, 1]))
        return len(t), t[2], d[1], len(d), t.__getitems__([1, 0]), d.__getitems__([2, 0])
    check(go)
    check(lambda lib: data(lib).StackDataset(squares(lib), a=squares(lib)))
    check(lambda lib: data(lib).StackDataset())
    check(lambda lib: data(lib).StackDataset(squares(lib, 2), squares(lib, 3)))
    check(lambda lib: data(lib).StackDataset(a=squares(lib, 2), b=squares(lib, 3)))

    def short_batch(lib):
        class Short(data(lib).Dataset):
            def __len__(self):
                return 4

            def __getitems__(self, idx):
                return idx[:-1]
        return data(lib).StackDataset(Short()).__getitems__([0, 1])
    check(short_batch)


@pytest.mark.parametrize("lengths", [[3, 7], [0.3, 0.7], [0.5, 0.5, 0.0], [1 / 3] * 3,
                                     [10], [0.25, 0.25, 0.25, 0.25], [2, 0, 8]])
@pytest.mark.parametrize("how", ["generator", "global"])
def test_random_split_indices(lengths, how):
    def go(lib):
        if how == "generator":
            parts = data(lib).random_split(range(10), lengths,
                                           generator=lib.Generator().manual_seed(7))
        else:
            lib.manual_seed(3)
            parts = data(lib).random_split(range(10), lengths)
        return [list(p.indices) for p in parts], [type(p).__name__ for p in parts]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check(go)
    messages = [str(w.message) for w in caught]
    assert messages[:len(messages) // 2] == messages[len(messages) // 2:]
    if how == "global":
        rng_state_same()


def test_random_split_errors_and_warning():
    check(lambda lib: data(lib).random_split(range(10), [4, 5]))
    check(lambda lib: data(lib).random_split(range(10), [1.2, -0.2]))
    for lib in (ember, torch):
        with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
            data(lib).random_split(range(2), [0.9, 0.05, 0.05])


# ================================================================================ samplers
def test_sequential_sampler():
    check(lambda lib: (list(data(lib).SequentialSampler(range(4))),
                       len(data(lib).SequentialSampler("abc"))))


@pytest.mark.parametrize("kw", [{}, {"num_samples": 23}, {"num_samples": 3},
                                {"replacement": True}, {"replacement": True, "num_samples": 70},
                                {"replacement": True, "num_samples": 64}])
@pytest.mark.parametrize("seeded_by", ["global", "generator"])
def test_random_sampler_order(kw, seeded_by):
    def go(lib):
        gen = lib.Generator().manual_seed(11) if seeded_by == "generator" else None
        lib.manual_seed(5)
        s = data(lib).RandomSampler(range(10), generator=gen, **kw)
        return list(s), list(s), len(s), s.num_samples
    check(go)
    rng_state_same()


def test_random_sampler_streams_with_replacement():
    # a huge num_samples is drawn lazily, in chunks, never as one index list
    for lib in (ember, torch):
        lib.manual_seed(0)
    firsts = [list(zip(range(40), data(lib).RandomSampler(range(1000), True, 10 ** 12)))
              for lib in (ember, torch)]
    assert firsts[0] == firsts[1]


def test_random_sampler_errors():
    check(lambda lib: data(lib).RandomSampler(range(3), replacement=1))
    check(lambda lib: data(lib).RandomSampler(range(3), num_samples=0))
    check(lambda lib: data(lib).RandomSampler(range(3), num_samples=2.0))
    check(lambda lib: data(lib).RandomSampler([]))


def test_subset_random_sampler():
    def go(lib):
        g = lib.Generator().manual_seed(2)
        s = data(lib).SubsetRandomSampler([10, 20, 30, 40, 50], generator=g)
        return list(s), list(s), len(s)
    check(go)
    seed_both(1)
    check(lambda lib: list(data(lib).SubsetRandomSampler(range(8))))
    rng_state_same()


@pytest.mark.parametrize("replacement", [True, False])
def test_weighted_random_sampler(replacement):
    def go(lib):
        g = lib.Generator().manual_seed(4)
        s = data(lib).WeightedRandomSampler([0.1, 0.9, 0.4, 0.7, 3.0, 0.6], 5,
                                            replacement=replacement, generator=g)
        return list(s), list(s), len(s), s.weights
    check(go)
    check(lambda lib: data(lib).WeightedRandomSampler(np.array([1, 2], np.float32), 1).weights)


def test_weighted_random_sampler_errors():
    check(lambda lib: data(lib).WeightedRandomSampler([1.0, 2.0], 0))
    check(lambda lib: data(lib).WeightedRandomSampler([1.0, 2.0], True))
    check(lambda lib: data(lib).WeightedRandomSampler([1.0, 2.0], 2, replacement=None))
    check(lambda lib: data(lib).WeightedRandomSampler([[1.0, 2.0]], 2))


@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("n,bs", [(10, 3), (9, 3), (2, 5), (0, 2)])
def test_batch_sampler(drop_last, n, bs):
    check(lambda lib: (list(data(lib).BatchSampler(range(n), bs, drop_last)),
                       len(data(lib).BatchSampler(range(n), bs, drop_last))))


def test_batch_sampler_errors():
    check(lambda lib: data(lib).BatchSampler(range(3), 0, False))
    check(lambda lib: data(lib).BatchSampler(range(3), True, False))
    check(lambda lib: data(lib).BatchSampler(range(3), 2, 1))
    check(lambda lib: len(data(lib).BatchSampler(iter(range(3)), 2, False)))


@pytest.mark.parametrize("n", [0, 7, 8, 2])
@pytest.mark.parametrize("shuffle,drop_last", [(True, False), (False, False), (True, True),
                                               (False, True)])
def test_distributed_sampler(n, shuffle, drop_last):
    def go(lib):
        out = []
        for rank in range(3):
            s = data(lib).DistributedSampler(range(n), num_replicas=3, rank=rank,
                                             shuffle=shuffle, seed=5, drop_last=drop_last)
            epochs = [list(s)]
            s.set_epoch(2)
            epochs.append(list(s))
            out.append((epochs, len(s), s.total_size))
        return out
    check(go)


def test_distributed_sampler_errors():
    check(lambda lib: data(lib).DistributedSampler(range(4), num_replicas=2, rank=2))
    check(lambda lib: data(lib).DistributedSampler(range(4), num_replicas=2, rank=-1))
    check(lambda lib: data(lib).DistributedSampler(range(4)))


# ================================================================================ collation
Point = collections.namedtuple("Point", "x y")


def batches(lib):
    """Sample lists covering every kind default_collate handles (NumPy made, per library)."""
    r = np.random.default_rng(0)
    f32 = r.standard_normal((4, 2, 3)).astype(np.float32)
    t = tensors(lib, [f32])[0]
    return {
        "float32": [t[i] for i in range(4)],
        "transposed": [t[i].t() for i in range(3)],
        "zero_dim": [t[i, 0, 0] for i in range(4)],
        "empty": [lib.zeros(0, 2), lib.zeros(0, 2)],
        "int64": [lib.tensor([1, 2]), lib.tensor([3, 4])],
        "bool": [lib.tensor([True]), lib.tensor([False])],
        "bfloat16": [t[i].to(lib.bfloat16) for i in range(2)],
        "float16": [t[i].half() for i in range(2)],
        "complex64": [lib.tensor([1 + 2j]), lib.tensor([3j])],
        "uint8": [lib.tensor([1], dtype=lib.uint8), lib.tensor([2], dtype=lib.uint8)],
        "numpy_f32": [f32[i] for i in range(3)],
        "numpy_i32": [np.arange(3, dtype=np.int32), np.arange(3, dtype=np.int32)],
        "numpy_bool": [np.array([True, False]), np.array([False, False])],
        "numpy_scalar_f32": [np.float32(1.5), np.float32(2.5)],
        "numpy_scalar_i16": [np.int16(1), np.int16(-2)],
        "numpy_scalar_bool": [np.bool_(True), np.bool_(False)],
        "numpy_0d": [np.array(1.0), np.array(2.0)],
        "float": [0.5, 1.25, -3.0],
        "int": [1, 2, 3],
        "bool_py": [True, False],
        "str": ["a", "bc"],
        "bytes": [b"a", b"b"],
        "dict": [{"x": t[i], "label": i, "name": str(i)} for i in range(3)],
        "ordered_dict": [collections.OrderedDict(b=1.0, a=2) for _ in range(2)],
        "defaultdict": [collections.defaultdict(int, k=i) for i in range(2)],
        "tuple": [(t[i], i, "s") for i in range(3)],
        "list": [[t[i], float(i)] for i in range(3)],
        "namedtuple": [Point(t[i], i) for i in range(2)],
        "namedtuple_str": [Point("a", "b"), Point("c", "d")],
        "nested": [{"pts": [Point(i, float(i)), Point(-i, 0.5)], "meta": {"id": (i, str(i))}}
                   for i in range(3)],
        "mixed_numbers": [1, 2.5],
        "tuple_of_str": [("a", 1), ("b", 2)],
    }


@pytest.mark.parametrize("case", list(batches(ember)))
def test_default_collate(case):
    check(lambda lib: data(lib).default_collate(batches(lib)[case]))


@pytest.mark.parametrize("case", list(batches(ember)))
def test_default_convert(case):
    check(lambda lib: data(lib).default_convert(batches(lib)[case][0]))


def test_default_convert_keeps_unknown_and_strings():
    check(lambda lib: data(lib).default_convert(np.array(["a", "b"])))
    check(lambda lib: data(lib).default_convert(np.str_("a")))
    check(lambda lib: data(lib).default_convert(range(3)))
    check(lambda lib: data(lib).default_convert(("a", np.int64(3))))


class Opaque:
    pass


def test_default_collate_errors():
    check(lambda lib: data(lib).default_collate([Opaque(), Opaque()]))
    check(lambda lib: data(lib).default_collate([None, None]))
    check(lambda lib: data(lib).default_collate([[1, 2], [3]]))
    check(lambda lib: data(lib).default_collate([np.array(["a"]), np.array(["b"])]))
    check(lambda lib: data(lib).default_collate([np.array([object()])] * 2))
    check(lambda lib: data(lib).default_collate([lib.zeros(2), lib.zeros(3)]))
    check(lambda lib: data(lib).default_collate([]))


def test_collate_with_custom_map():
    def go(lib):
        collate = (edata._collate if lib is ember else tdata._utils.collate)
        fmap = dict(collate.default_collate_fn_map)
        fmap[int] = lambda batch, collate_fn_map=None: sum(batch)
        fmap[Opaque] = lambda batch, collate_fn_map=None: len(batch)
        return collate.collate([{"n": 1, "o": Opaque(), "f": 0.5}, {"n": 2, "o": Opaque(),
                                                                    "f": 1.5}],
                               collate_fn_map=fmap)
    check(go)


def test_collate_keeps_grad():
    def go(lib):
        w = lib.from_numpy(np.ones((2, 3), np.float32)).requires_grad_()
        out = data(lib).default_collate([w * 2, w * 3])
        out.sum().backward()
        return out, w.grad
    check(go)


# ================================================================================ DataLoader
def loader_batches(lib, dataset, **kw):
    return list(data(lib).DataLoader(dataset, **kw))


@pytest.mark.parametrize("kw", [
    {}, {"batch_size": 3}, {"batch_size": 3, "drop_last": True},
    {"batch_size": 4, "shuffle": True}, {"batch_size": 4, "shuffle": True, "drop_last": True},
    {"batch_size": None}, {"batch_size": None, "shuffle": True}, {"batch_size": 20},
])
def test_loader_tensor_dataset(kw):
    def go(lib):
        lib.manual_seed(123)
        dl = data(lib).DataLoader(tensor_dataset(lib), **kw)
        return len(dl), list(dl), list(dl)
    check(go)
    rng_state_same()


def test_loader_generator():
    def go(lib):
        lib.manual_seed(0)
        g = lib.Generator().manual_seed(9)
        dl = data(lib).DataLoader(tensor_dataset(lib), batch_size=4, shuffle=True, generator=g)
        return list(dl), list(dl), g.get_state()
    check(go)
    rng_state_same()


def test_loader_fast_path_matches_general_path():
    """The TensorDataset shortcut against what stacking the samples gives, in corners."""
    r = np.random.default_rng(1)
    base = r.standard_normal((6, 4)).astype(np.float32)

    def go(lib, kind):
        x = lib.from_numpy(base.copy())
        views = {"transposed": x.t(), "strided": x[:, ::2], "bfloat16": x.to(lib.bfloat16),
                 "bool": x > 0, "complex": x.to(lib.complex64), "empty_rows": x[:, :0],
                 "zero_dim_rows": x[:, 0], "grad": x.clone().requires_grad_()}
        ds = data(lib).TensorDataset(views[kind], lib.arange(len(views[kind])))
        sub = data(lib).Subset(ds, [3, 1, 0, 2])
        batch = list(data(lib).DataLoader(sub, batch_size=3))
        return batch, list(data(lib).DataLoader(ds, batch_size=2, sampler=[0, -1, 2]))
    for kind in ["transposed", "strided", "bfloat16", "bool", "complex", "empty_rows",
                 "zero_dim_rows", "grad"]:
        check(lambda lib: go(lib, kind))
    # an index out of range raises the indexing error, not a shortcut's
    check(lambda lib: list(data(lib).DataLoader(tensor_dataset(lib), batch_size=2,
                                                sampler=[0, 10])))
    check(lambda lib: list(data(lib).DataLoader(
        data(lib).Subset(tensor_dataset(lib), [0]), batch_size=2, sampler=[0, 1])))


def test_loader_samplers_and_collate_fn():
    def go(lib):
        D = data(lib)
        ds = squares(lib, 9)
        g = lib.Generator().manual_seed(1)
        return (loader_batches(lib, ds, sampler=[8, 0, 3], batch_size=2),
                loader_batches(lib, ds, batch_sampler=[[1, 2], [0]]),
                loader_batches(lib, ds, sampler=D.SubsetRandomSampler([1, 5, 7], g)),
                loader_batches(lib, ds, batch_size=4, collate_fn=lambda b: tuple(b)),
                loader_batches(lib, ds, batch_size=None, collate_fn=lambda s: -s),
                len(D.DataLoader(ds, batch_sampler=[[1, 2], [0]])),
                len(D.DataLoader(ds, batch_size=None, sampler=[1, 2])))
    check(go)


def test_loader_structured_samples():
    def go(lib):
        class Records(data(lib).Dataset):
            def __len__(self):
                return 5

            def __getitem__(self, i):
                return {"image": np.full((2, 2), i, np.uint8), "label": i, "w": i / 2,
                        "name": f"n{i}", "pt": Point(lib.tensor([i]), np.float64(i))}
        return loader_batches(lib, Records(), batch_size=2), loader_batches(lib, Records(),
                                                                            batch_size=None)
    check(go)


def test_loader_len_rules():
    check(lambda lib: len(data(lib).DataLoader(counting(lib, 10), batch_size=3)))
    check(lambda lib: len(data(lib).DataLoader(counting(lib, 10), batch_size=3,
                                               drop_last=True)))
    check(lambda lib: len(data(lib).DataLoader(counting(lib, 10), batch_size=None)))
    check(lambda lib: len(data(lib).DataLoader(counting(lib, 10, length=False))))
    check(lambda lib: len(data(lib).DataLoader(squares(lib, 5), sampler=iter([1, 2]))))


def test_loader_iterable_dataset():
    check(lambda lib: (loader_batches(lib, counting(lib, 7), batch_size=3),
                       loader_batches(lib, counting(lib, 7), batch_size=3, drop_last=True),
                       loader_batches(lib, counting(lib, 3), batch_size=None)))


def test_loader_iterable_length_warning():
    for lib in (ember, torch):
        class Liar(data(lib).IterableDataset):
            def __iter__(self):
                return iter(range(5))

            def __len__(self):
                return 2
        dl = data(lib).DataLoader(Liar(), batch_size=None)
        assert len(dl) == 2
        with pytest.warns(UserWarning, match=r"was reported to be 2\(when accessing "
                                             r"len\(dataloader\)\), but 3 samples"):
            list(dl)


@pytest.mark.parametrize("kw", [
    {"num_workers": -1}, {"timeout": -1}, {"prefetch_factor": 2},
    {"num_workers": 1, "prefetch_factor": -1}, {"persistent_workers": True},
    {"shuffle": True, "sampler": [0]}, {"batch_sampler": [[0]], "batch_size": 2},
    {"batch_sampler": [[0]], "shuffle": True}, {"batch_sampler": [[0]], "drop_last": True},
    {"batch_sampler": [[0]], "sampler": [0]}, {"batch_size": None, "drop_last": True},
    {"multiprocessing_context": "fork"}, {"num_workers": 1, "multiprocessing_context": "nope"},
    {"num_workers": 1, "multiprocessing_context": 3}, {"batch_size": 0},
])
def test_loader_argument_errors(kw):
    check(lambda lib: data(lib).DataLoader(squares(lib), **kw))


@pytest.mark.parametrize("kw", [{"shuffle": True}, {"sampler": [0]}, {"batch_sampler": [[0]]}])
def test_loader_iterable_argument_errors(kw):
    check(lambda lib: data(lib).DataLoader(counting(lib, 3), **kw))


def test_loader_attributes_frozen_and_defaults():
    def go(lib):
        dl = data(lib).DataLoader(squares(lib), num_workers=1, batch_size=2,
                                  multiprocessing_context="spawn")
        got = (dl.batch_size, dl.drop_last, type(dl.sampler).__name__,
               type(dl.batch_sampler).__name__, dl.prefetch_factor, dl.timeout,
               dl.pin_memory, dl.persistent_workers, dl.in_order,
               dl.multiprocessing_context.get_start_method(), dl.collate_fn.__name__)
        dl.num_workers = 0  # allowed
        return got
    check(go)
    for attr in ["batch_size", "batch_sampler", "sampler", "drop_last", "dataset",
                 "persistent_workers"]:
        check(lambda lib: setattr(data(lib).DataLoader(squares(lib)), attr, None))
    check(lambda lib: data(lib).DataLoader(squares(lib), batch_size=None).collate_fn.__name__)


def test_loader_warnings():
    for lib in (ember, torch):
        with pytest.warns(UserWarning, match="no accelerator is found"):
            assert next(iter(data(lib).DataLoader(squares(lib), pin_memory=True))).tolist() \
                == [0]
        with pytest.warns(UserWarning) as rec:
            next(iter(data(lib).DataLoader(squares(lib), pin_memory=True,
                                           pin_memory_device="cuda")))
        assert "pin_memory_device is deprecated" in str(rec[0].message)
        n = len(os.sched_getaffinity(0)) + 1
        with pytest.warns(UserWarning, match=f"This DataLoader will create {n} worker "
                                             "processes in total. Our suggested max number of "
                                             f"worker in current system is {n - 1}, which"):
            data(lib).DataLoader(squares(lib), num_workers=n)


def test_loader_stop_iteration_in_getitem_ends_epoch():
    # a map-style dataset that raises StopIteration ends the epoch in the main process
    def go(lib):
        class Stops(data(lib).Dataset):
            def __len__(self):
                return 6

            def __getitem__(self, i):
                if i == 3:
                    raise StopIteration
                return i
        return loader_batches(lib, Stops(), batch_size=2)
    check(go)


def test_get_worker_info_in_main_process():
    assert edata.get_worker_info() is None
    assert [f.name for f in __import__("dataclasses").fields(edata.WorkerInfo)] == \
        [f.name for f in __import__("dataclasses").fields(tdata._utils.worker.WorkerInfo)]


def test_worker_numpy_seed_matches_pytorch():
    from ember.utils.data._worker import numpy_seed
    from torch.utils.data._utils.worker import _generate_state
    for base in [0, 1, 2 ** 32 - 1, 2 ** 32, 2 ** 63 - 1, 123456789012345]:
        for wid in [0, 1, 7]:
            assert numpy_seed(base, wid) == _generate_state(base, wid)


# ================================================================================ tensors between processes
@pytest.mark.parametrize("case", ["small", "big", "transposed_big", "strided_big", "view_small",
                                  "bfloat16", "bool", "empty", "zero_dim", "leaf_grad"])
def test_tensor_pickling_through_multiprocessing(case):
    def make(lib):
        r = np.random.default_rng(2)
        big = lib.from_numpy(r.standard_normal((800, 200)).astype(np.float32))
        return {"small": lib.arange(6.0).reshape(2, 3), "big": big,
                "transposed_big": big.t(), "strided_big": big[::2, 1:],
                "view_small": big[5, 3:9], "bfloat16": big.to(lib.bfloat16),
                "bool": big > 0, "empty": lib.zeros(0, 3), "zero_dim": lib.tensor(2.5),
                "leaf_grad": lib.ones(3, requires_grad=True)}[case]
    # strided views are sent compactly (contiguous) by ember, as their whole storage by torch
    strides = case != "strided_big"
    check(lambda lib: pickle.loads(ForkingPickler.dumps(make(lib))), strides=strides)
    # big tensors travel as a shared-memory file, gone once received
    t = make(ember)
    payload = bytes(ForkingPickler.dumps(t))
    by_file = b"/dev/shm/" in payload
    threshold = edata._shared_memory.SHARED_MEMORY_THRESHOLD
    assert by_file == (t.numel() * t.element_size() >= threshold)
    assert by_file == (case in ("big", "transposed_big", "strided_big", "bfloat16"))
    if by_file:
        assert len(payload) < 1000
        path = payload[payload.index(b"/dev/shm/"):].split(b"\x94")[0].decode()
        assert os.path.exists(path)
        pickle.loads(payload)
        assert not os.path.exists(path)


def test_tensor_pickling_refuses_non_leaf():
    check(lambda lib: ForkingPickler.dumps(lib.ones(2, requires_grad=True) * 2))


def test_plain_pickle_unchanged():
    t = ember.arange(100000.0)
    assert b"/dev/shm" not in pickle.dumps(t)
    assert ember.equal(pickle.loads(pickle.dumps(t[3:5])), t[3:5])


# ================================================================================ worker processes
def probe_dataset(lib, n=8, fail_at=None, sleep=0.0):
    """Samples report what the worker saw: its id and seed, and draws from every seeded
    generator (Python's, NumPy's, the library's)."""
    class ProbeDS(data(lib).Dataset):
        def __len__(self):
            return n

        def __getitem__(self, i):
            if i == fail_at:
                raise ValueError(f"bad sample {i}")
            if sleep:
                time.sleep(sleep)
            info = data(lib).get_worker_info()
            return {"i": i, "worker": info.id, "num_workers": info.num_workers,
                    "seed": info.seed, "py": random.random(), "np": float(np.random.rand()),
                    "lib": lib.rand(2), "big": lib.full((70, 1000), float(i))}
    return ProbeDS()


def test_workers_match_pytorch_batches_and_seeds():
    def go(lib):
        lib.manual_seed(42)
        dl = data(lib).DataLoader(probe_dataset(lib), batch_size=3, shuffle=True,
                                  num_workers=2, prefetch_factor=1)
        return list(dl)
    e, t = check(go)
    assert [b["worker"].tolist() for b in e] == [[0] * 3, [1] * 3, [0] * 2]
    assert e[0]["big"].is_shared()
    rng_state_same()


def test_workers_iterable_dataset_sharding_and_persistence():
    def go(lib):
        seen = []
        dl = data(lib).DataLoader(counting(lib, 7), batch_size=2, num_workers=2,
                                  persistent_workers=True,
                                  worker_init_fn=lambda wid: np.random.seed(wid))
        for _ in range(2):
            seen.append(list(dl))
        return seen
    check(go)


def test_worker_error_reraised_with_traceback():
    (_, e), (_, t) = run_both(lambda lib: list(data(lib).DataLoader(
        probe_dataset(lib, fail_at=4), batch_size=2, num_workers=2)))
    assert type(e) is ValueError and type(t) is ValueError
    assert str(e).splitlines()[:2] == str(t).splitlines()[:2]
    assert str(e).splitlines()[0] == "Caught ValueError in DataLoader worker process 0."
    assert 'raise ValueError(f"bad sample {i}")' in str(e)
    assert str(e).splitlines()[-1] == str(t).splitlines()[-1] == "ValueError: bad sample 4"


def test_worker_init_fn_error_and_key_error():
    def boom(worker_id):
        raise KeyError(f"init {worker_id}")
    (_, e), (_, t) = run_both(lambda lib: next(iter(data(lib).DataLoader(
        squares(lib), num_workers=1, worker_init_fn=boom))))
    assert type(e) is KeyError and type(t) is KeyError
    assert str(e).splitlines()[0] == str(t).splitlines()[0] == \
        "Caught KeyError in DataLoader worker process 0."
    assert str(e).splitlines()[-1] == str(t).splitlines()[-1] == "KeyError: 'init 0'"


def test_worker_timeout_and_death_raise():
    dl = edata.DataLoader(probe_dataset(ember, sleep=0.5), num_workers=1, timeout=0.1)
    with pytest.raises(RuntimeError, match=r"^DataLoader timed out after 0.1 seconds$"):
        next(iter(dl))

    class Dies(edata.Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            os._exit(3)
    start = time.perf_counter()
    with pytest.raises(RuntimeError, match=r"^DataLoader worker \(pid\(s\) \d+\) exited "
                                           r"unexpectedly$"):
        list(edata.DataLoader(Dies(), num_workers=1))
    assert time.perf_counter() - start < 8.0  # no waiting for a timeout that never comes


def test_worker_early_break_shuts_down_cleanly():
    dl = edata.DataLoader(probe_dataset(ember, n=40), batch_size=2, num_workers=2,
                          prefetch_factor=4)
    it = iter(dl)
    next(it)
    workers, prefix = list(it._workers), it._file_prefix
    time.sleep(0.3)  # let the workers fill the queue with batches in shared memory
    assert glob.glob(f"/dev/shm/{prefix}_*")
    del it  # the workers are told to exit; a background thread reaps them
    # NOTE: wait for that thread rather than join the workers here: two threads joining one
    # multiprocessing.Process race (the loser's waitpid fails and it sees the worker alive)
    from ember.utils.data import dataloader as _dataloader
    for reaper in list(_dataloader._reapers):
        reaper.join(timeout=30)
    assert not any(w.is_alive() for w in workers)
    deadline = time.monotonic() + 10
    while glob.glob(f"/dev/shm/{prefix}_*") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not glob.glob(f"/dev/shm/{prefix}_*")


def test_worker_unpicklable_batch_is_an_error_not_a_hang():
    class Unpicklable(edata.Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return lambda: i
    dl = edata.DataLoader(Unpicklable(), batch_size=None, num_workers=1, timeout=20,
                          collate_fn=lambda s: s)
    with pytest.raises(Exception, match="Caught .* in DataLoader worker process 0"):
        next(iter(dl))


def test_worker_spawn_context_unordered():
    ds = tensor_dataset(ember, n=12)
    dl = edata.DataLoader(ds, batch_size=4, num_workers=1, multiprocessing_context="spawn",
                          in_order=False)
    got = list(dl)
    assert [b[1].tolist() for b in got] == [[0, 1, 2, 0], [1, 2, 0, 1], [2, 0, 1, 2]]
    assert_tensor_same(got[2][0], torch.arange(24, 36, dtype=torch.float32).reshape(4, 3))


class NoSemaphores(type(__import__("multiprocessing").get_context("fork"))):
    """A start method on a platform without process-shared semaphores."""

    def Queue(self, maxsize=0):
        raise OSError(38, "Function not implemented")


def test_workers_fall_back_to_main_process():
    def go(lib, **kw):
        lib.manual_seed(8)
        dl = data(lib).DataLoader(tensor_dataset(lib), batch_size=4, shuffle=True, num_workers=2,
                                  persistent_workers=True, **kw)
        return [list(dl), list(dl)], lib.rand(1)
    with pytest.warns(UserWarning, match=r"could not be started \(\[Errno 38\] Function not "
                                         r"implemented\); loading in the main process"):
        got = go(ember, multiprocessing_context=NoSemaphores())
    # the same batches and generator draws as PyTorch's real workers
    same(got, go(torch))


def test_private_module_paths_and_zero_prefetch():
    from ember.utils.data._utils.collate import default_collate_fn_map, collate
    from ember.utils.data._utils.worker import get_worker_info
    assert default_collate_fn_map is edata._collate.default_collate_fn_map
    assert collate is edata._collate.collate and get_worker_info is edata.get_worker_info
    check(lambda lib: iter(data(lib).DataLoader(squares(lib), num_workers=1,
                                                prefetch_factor=0)))


def test_persistent_workers_restart_after_early_break():
    def go(lib):
        lib.manual_seed(3)
        dl = data(lib).DataLoader(probe_dataset(lib, n=12), batch_size=2, shuffle=True,
                                  num_workers=2, persistent_workers=True)
        first = next(iter(dl))  # left early: the workers still hold prefetched batches
        return first, list(dl)
    check(go)
    rng_state_same()


def test_shared_memory_file_of_unsent_tensor_is_removed():
    from ember.utils.data._shared_memory import shared_empty
    t = shared_empty((1000, 100), ember.float32)
    path = edata._shared_memory._owned[id(t._array.base)][1]
    assert os.path.getsize(path) == 400000
    row = t[3]
    del t
    assert os.path.exists(path)  # a view still uses it
    del row
    assert not os.path.exists(path)
