"""nonzero_static and from_file against PyTorch."""
import os

import numpy as np
import pytest

import ember
import torch
from oracle import check_same, Arr


@pytest.mark.parametrize("size,fill", [(5, -1), (2, 9), (0, -1), (4, 0)])
@pytest.mark.parametrize("arr", [np.array([[0, 1], [2, 0], [3, 4]]), np.array([0., 2., 0.]),
                                 np.array([[True, False]]), np.zeros((2, 0, 3))])
def test_nonzero_static(arr, size, fill):
    check_same(lambda m, x: m.nonzero_static(x, size=size, fill_value=fill), Arr(arr))
    check_same(lambda m, x: x.nonzero_static(size=size), Arr(arr))


def test_nonzero_static_errors():
    check_same(lambda m, x: m.nonzero_static(x, size=-1), Arr(np.ones(3)))


@pytest.fixture
def path(tmp_path):
    p = str(tmp_path / "data.bin")
    np.arange(10, dtype=np.float32).tofile(p)
    return p


@pytest.mark.parametrize("kw", [{"size": 4}, {"size": 3, "dtype": "int32"}, {},
                                {"size": 10, "dtype": "float64"}, {"size": 20},
                                {"size": 2, "dtype": "uint8"}])
def test_from_file(path, kw):
    def fn(m):
        k = dict(kw)
        if "dtype" in k:
            k["dtype"] = getattr(m, k["dtype"])
        return m.from_file(path, **k)
    check_same(fn)


def test_from_file_shared_and_private(path, tmp_path):
    for m in (ember, torch):
        np.arange(10, dtype=np.float32).tofile(path)
        t = m.from_file(path, shared=True, size=10)
        t[0] = 42.
        t.add_(1)
        del t
        assert np.fromfile(path, dtype=np.float32)[:2].tolist() == [43., 2.]
        t = m.from_file(path, shared=False, size=10)
        t[1] = -5.
        assert np.fromfile(path, dtype=np.float32)[1] == 2.
        new = str(tmp_path / f"new_{m.__name__}.bin")
        z = m.from_file(new, shared=True, size=3, dtype=m.int16)
        assert z.tolist() == [0, 0, 0] and os.path.getsize(new) == 6
    check_same(lambda m: m.from_file(str(tmp_path / "missing.bin"), size=2))
    check_same(lambda m: m.from_file(path, shared=True, size=100))
