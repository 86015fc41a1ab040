import numpy as np
from oracle import check_same, Arr


def test_add_float_int():
    check_same(lambda m, a, b: a + b, np.arange(3, dtype=np.int64), np.ones(3, np.float32))


def test_add_scalar_promotion():
    check_same(lambda m, a: a * 0.5, np.arange(3))


def test_error_shape():
    check_same(lambda m, a, b: a + b, np.ones(3), np.ones(4))


def test_grad():
    check_same(lambda m, a: (a * a + 1).sum(), Arr(np.arange(3.), requires_grad=True), grad=True)


def test_module_constants():
    import ember
    import torch
    for name in ("pi", "e", "inf", "nan", "newaxis"):
        mine, theirs = getattr(ember, name), getattr(torch, name)
        assert type(mine) is type(theirs), name
        assert repr(mine) == repr(theirs), name
