"""topk's order for tied values, and its unsorted order, against PyTorch's CPU kernel (which
selects with libstdc++'s unstable partial_sort / nth_element / sort)."""
import numpy as np
import pytest

from oracle import Arr, check_same


def _values(n, levels, seed, nan=False, dtype="float32"):
    rng = np.random.default_rng(seed)
    v = rng.integers(0, levels, n).astype(np.float64)
    if nan:
        v[rng.random(n) < 0.2] = np.nan
    return Arr(v, dtype=dtype)


def _indices_and_values(m, t, k, dim, largest, sort):
    r = m.topk(t, k, dim=dim, largest=largest, sorted=sort)
    return r.values, r.indices


@pytest.mark.parametrize("sort", [True, False])
@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("n,k", [(5, 2), (17, 16), (20, 7), (33, 1), (64, 1), (65, 1), (200, 3),
                                 (300, 299), (130, 2), (8, 8), (40, 0)])
def test_ties_1d(n, k, largest, sort):
    """Few distinct values: every selection is full of ties (heap, introselect and introsort
    paths, the k * 64 <= n partial-sort switch)."""
    for levels, seed in ((2, 0), (5, 1), (1000, 2)):
        check_same(lambda m, t: _indices_and_values(m, t, k, 0, largest, sort),
                   _values(n, levels, seed))


@pytest.mark.parametrize("sort", [True, False])
def test_nan_ties(sort):
    """NaN ranks above everything (largest) or below (smallest); NaNs tie with each other."""
    for largest in (True, False):
        for n, k in ((10, 4), (70, 5), (300, 2)):
            check_same(lambda m, t: _indices_and_values(m, t, k, 0, largest, sort),
                       _values(n, 3, n, nan=True))


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "float16", "bfloat16", "float64"])
def test_ties_dtypes(dtype):
    for sort in (True, False):
        check_same(lambda m, t: _indices_and_values(m, t, 4, 0, True, sort),
                   _values(23, 3, 7, dtype=dtype))


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_ties_along_dims(dim):
    """Rows along any dim, non-contiguous input; values, indices and the gradient."""
    a = np.random.default_rng(3).integers(0, 3, (6, 70)).astype(np.float64)
    for layout in (None, "transposed"):
        for sort in (True, False):
            check_same(lambda m, t: _indices_and_values(m, t, 3, dim, True, sort),
                       Arr(a, layout=layout, requires_grad=True), grad=True)


def test_no_ties_unchanged():
    """Distinct values: the vectorised answer (sorted) and nth_element's order (unsorted)."""
    a = np.random.default_rng(4).permutation(500).astype(np.float32).reshape(5, 100)
    for k in (1, 2, 10, 99, 100):
        for sort in (True, False):
            check_same(lambda m, t: _indices_and_values(m, t, k, 1, False, sort), a)
